"""Fast, history-less inserts of the generated rows.

The demo fabricates the region's past: it is nobody's change, so it writes no django-simple-history
rows and bypasses model save() and signals on purpose. Three million rows through the ORM's
bulk_create would cost most of the time budget in model instances and per-value adaptation, so the
tables go straight to the driver: `executemany` on SQLite, `COPY … FROM STDIN` on PostgreSQL. Ids are
allocated here (continuing after the table's current maximum) so rows can point at each other before
they are written, and PostgreSQL's sequences are moved past them at the end.

Buffered rows are written at safe points only (the caller says when: between simulated days), all
tables together, parents before children. So no row ever waits for its parent, which matters on SQLite:
its foreign keys are deferred (Django declares them DEFERRABLE INITIALLY DEFERRED) and while any
violation is outstanding, every insert into a parent table scans the children. With none outstanding,
the secondary indexes are not needed while writing: on SQLite they are dropped and built again at the
end, inside the same transaction (SQLite's DDL is transactional, and the unique ones are checked when
rebuilt). Building an index once over all keys is several times cheaper than updating it row by row.

Values arrive ready for the database: instants and dates as text (see clock.Clock.ts), money as text,
booleans and integers as Python values.
"""

from __future__ import annotations

import itertools
from types import SimpleNamespace

from django.core.management.color import no_style
from django.db import connection
from django.db.models import Max, Model

FLUSH_ROWS = 60000


def money(cents: int) -> str:
    """Integer cents as the decimal text of a money column."""
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


hours = money  # hundredths of an hour print the same way


def plain(choices) -> SimpleNamespace:
    """A choices class's members as plain strings: drivers adapt str subclasses (enums) their own way
    (psycopg dumps an Enum by name), the columns want the values."""
    return SimpleNamespace(**{member.name: str(member.value) for member in choices})


class Table:
    def __init__(self, model: type[Model], fields: list[str]) -> None:
        self.model = model
        self.fields = fields
        meta = model._meta
        quote = connection.ops.quote_name
        self.table = meta.db_table
        self.column_sql = ", ".join(quote(meta.get_field(name).column) for name in fields)
        self.rows: list[tuple] = []
        self.add = self.rows.append
        self.count = 0
        start = (model._default_manager.aggregate(m=Max("pk"))["m"] or 0) + 1
        self.next_id = itertools.count(start).__next__
        self.parents = {
            f.related_model for f in meta.concrete_fields if f.is_relation and f.related_model is not model
        }

    def write(self) -> None:
        rows = self.rows
        if not rows:
            return
        self.count += len(rows)
        raw = connection.connection
        quote = connection.ops.quote_name
        if connection.vendor == "postgresql":
            with raw.cursor() as cursor, cursor.copy(
                f"COPY {quote(self.table)} ({self.column_sql}) FROM STDIN"  # noqa: S608 - names from model meta
            ) as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" * len(self.fields))
            cursor = raw.cursor()
            try:
                cursor.executemany(
                    f"INSERT INTO {quote(self.table)} ({self.column_sql}) VALUES ({marks})", rows  # noqa: S608
                )
            finally:
                cursor.close()
        rows.clear()


class RowSink:
    """One Table per model. `flush()` at safe points, `finish()` at the end."""

    def __init__(self) -> None:
        connection.ensure_connection()
        self.tables: dict[type[Model], Table] = {}
        self._dropped: list[str] = []
        self._order: list[Table] | None = None

    def table(self, model: type[Model], fields: list[str]) -> Table:
        table = self.tables.get(model)
        if table is None:
            table = self.tables[model] = Table(model, fields)
            self._order = None
            if connection.vendor == "sqlite":
                self._drop_indexes(model)
        elif table.fields != fields:
            raise ValueError(f"{model.__name__} registered twice with different fields")
        return table

    def pending(self) -> int:
        return sum(len(t.rows) for t in self.tables.values())

    def flush(self, *, force: bool = False) -> None:
        """Write the buffered rows of every table, parents first. Only call it when every buffered row's
        parents are buffered or written too."""
        if not force and self.pending() < FLUSH_ROWS:
            return
        if self._order is None:
            self._order = self._topological()
        for table in self._order:
            table.write()

    def _topological(self) -> list[Table]:
        ordered: list[Table] = []
        state: dict[type[Model], int] = {}

        def visit(model: type[Model]) -> None:
            if state.get(model) == 2:
                return
            if state.get(model) == 1:
                raise ValueError(f"foreign-key cycle through {model.__name__}")
            state[model] = 1
            for parent in self.tables[model].parents:
                if parent in self.tables:
                    visit(parent)
            state[model] = 2
            ordered.append(self.tables[model])

        for model in self.tables:
            visit(model)
        return ordered

    def _drop_indexes(self, model: type[Model]) -> None:
        raw = connection.connection
        quote = connection.ops.quote_name
        found = raw.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
            (model._meta.db_table,),
        ).fetchall()
        for name, sql in found:
            raw.execute(f"DROP INDEX {quote(name)}")
            self._dropped.append(sql)

    def update(self, model: type[Model], fields: list[str], rows: list[tuple]) -> None:
        """Set `fields` of existing rows: each row is (*values, id)."""
        if not rows:
            return
        meta = model._meta
        quote = connection.ops.quote_name
        columns = [quote(meta.get_field(name).column) for name in fields]
        raw = connection.connection
        if connection.vendor == "postgresql":
            scratch = quote(f"seed_update_{meta.db_table}")
            column_types = ", ".join(
                f"{c} {meta.get_field(name).db_type(connection)}" for c, name in zip(columns, fields, strict=True)
            )
            with raw.cursor() as cursor:
                cursor.execute(f"CREATE TEMPORARY TABLE {scratch} ({column_types}, id bigint) ON COMMIT DROP")
                with cursor.copy(f"COPY {scratch} ({', '.join(columns)}, id) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                assignments = ", ".join(f"{c} = s.{c}" for c in columns)
                cursor.execute(
                    f"UPDATE {quote(meta.db_table)} AS t SET {assignments} FROM {scratch} AS s WHERE t.id = s.id"  # noqa: S608
                )
                cursor.execute(f"DROP TABLE {scratch}")
        else:
            assignments = ", ".join(f"{c} = ?" for c in columns)
            cursor = raw.cursor()
            try:
                cursor.executemany(f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE id = ?", rows)  # noqa: S608
            finally:
                cursor.close()

    def finish(self) -> dict[str, int]:
        self.flush(force=True)
        raw = connection.connection
        while self._dropped:
            raw.execute(self._dropped.pop(0))
        if connection.vendor == "postgresql":
            statements = connection.ops.sequence_reset_sql(no_style(), list(self.tables))
            with connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)
        return {table.model._meta.label: table.count for table in self.tables.values()}
