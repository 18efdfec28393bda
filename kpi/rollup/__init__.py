"""The roll-up's engines: kpi.services.kpi_rollup picks one per database and writes what it computes.

- orm.py: portable (SQLite and PostgreSQL): Django aggregation grouped by dealer and local day, the
  inventory snapshot streamed through inventory.py. Used on SQLite; tested against the SQL engine.
- postgres.py: one INSERT … SELECT per window, everything computed inside PostgreSQL, starting from the
  newest stock-ledger checkpoint (kpi.models.StockCheckpoint) so short windows read only recent rows.
Both follow the rules written down in common.py and give identical facts.
"""
