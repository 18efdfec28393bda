# ruff: noqa: S608 -- every statement here is assembled from module constants; values are bound parameters.
"""The PostgreSQL engine: one INSERT … SELECT (an upsert) computes and writes a window's facts inside the database.

Nothing but the statement crosses the wire, so the Python process's memory is flat whatever the number of
work orders. Every rule is the one written in kpi.rollup.common (the ORM engine implements the same; a
test on PostgreSQL asserts both give identical facts, for both shapes of the statement).

Shapes: a short window (the nightly run) probes indexes row by row; a long one (a rebuild) joins whole
tables with hashes and sorts (see _variant).

Stock, set-based: inventory value is the running sum over the dealer's days of Σ quantity × cost of the
ledger. Slow-moving and dead stock need each part's state: a window function over the ledger rows of
each (dealer, part) gives segments of constant balance and last issue day; a segment whose part goes
180 (365) days without issue adds its value from that day until the segment ends. Values are integer
cents until the end (numeric arithmetic per ledger row is several times slower).

Checkpoints (kpi.models.StockCheckpoint): each window also stores, for its first and last day, every
part's balance and last issue day and the dealer's issue costs of the 89 days up to it. The next window
starts from the newest valid checkpoint before it and reads only the ledger rows dated after it, so the
nightly run's cost follows the days it covers, not the ledger's history. Technicians are counted with
+1/−1 events where employment or an HV certificate starts and ends, summed over the days.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.db.backends.utils import CursorWrapper

from parts.choices import MovementKind, PartsOrderKind, PartsOrderStatus
from training.choices import HV_CERTIFICATION_CODE
from workorders.choices import Channel, WorkOrderStatus, WorkOrderType

from . import checkpoints
from .common import (
    DEAD_STOCK_DAYS,
    EXT_WARRANTY_YEARS,
    FACT_FIELDS,
    FTF_TYPES,
    ISSUE_WINDOW_DAYS,
    NEV,
    RETURNING_WINDOW,
    SLOW_MOVING_DAYS,
    Window,
    comeback_days,
    local_midnight,
)

# Which CTE of the statement holds each measure (the grid holds capacity_hours).
_SOURCE_OF = {
    "delivered": (
        "delivered_count", "output_value", "gross_profit", "cycle_hours", "promised_count", "on_time_count",
        "ftf_eligible", "ftf_ok", "nev_count", "accident_count", "flat_rate_hours", "actual_hours",
    ),
    "returning_customer": ("returning_count",),
    "opened": ("opened_count", "online_opened", "ext_eligible", "ext_sold"),
    "surveys": ("survey_count", "csi_sum", "promoters", "detractors"),
    "complaints_opened": ("complaints_opened", "complaints_resolved_48h"),
    "complaints_closed": ("complaints_closed", "closure_hours"),
    "complaints_escalated": ("escalated_count",),
    "parts_lines": ("parts_lines_requested", "parts_lines_filled"),
    "urgent": ("urgent_received", "urgent_hours"),
    "state": ("inventory_value", "slow_moving_value", "dead_stock_value", "technicians_active", "technicians_hv"),
    "issues": ("issue_cost", "issue_cost_90d"),
}
_ALIAS = {
    "delivered": "dl", "returning_customer": "rc", "opened": "op", "surveys": "sv", "complaints_opened": "co", "complaints_closed": "cc",
    "complaints_escalated": "ce", "parts_lines": "pl", "urgent": "ur", "state": "st", "issues": "iss",
}


# What the measures need of a work order's vehicle, packed into one integer, its vehicle code:
# (ext_until − _CODE_EPOCH) × 2 + nev. ext_until is the first day the vehicle is no longer eligible for an
# extended warranty: EXT_WARRANTY_YEARS after first registration, counted by calendar date as
# kpi.rollup.orm compares them (a 29 February registration runs to 1 March), or without a registration
# date from 1 January EXT_WARRANTY_YEARS after the model year. A number per vehicle, so each work order
# compares one number with its opening day.
_CODE_EPOCH = "date '2000-01-01'"
_VEHICLE_CODE = f"""(CASE WHEN v.first_registered_on IS NOT NULL
            THEN make_date(date_part('year', v.first_registered_on)::int + {EXT_WARRANTY_YEARS},
                           date_part('month', v.first_registered_on)::int, 1)
                 + (date_part('day', v.first_registered_on)::int - 1)
            ELSE make_date(v.model_year + {EXT_WARRANTY_YEARS}, 1, 1)
        END - {_CODE_EPOCH}) * 2 + (v.powertrain = ANY(%(nev)s))::int"""
# a part's cost in integer cents (p: a row of parts_part); the stock values are summed in cents
_PART_CENTS = "(p.cost * 100)::bigint"
# a vehicle code's parts (w: a row of wo)
_NEV = "(w.vehicle_code & 1) = 1"
_EXT_ELIGIBLE = f"(w.opened_day - {_CODE_EPOCH}) < (w.vehicle_code >> 1)"


def _by_id(table: str, alias: str, value: str, name: str) -> str:
    """A query of one row, one column `name`: an array holding each row's `value` (an integer expression
    over the table's row, as `alias`) at [id + 1], and 0 where no row has the id.

    Read by subscript, it replaces a join by id: a lookup in a few megabytes, where probing a hash of
    the table missed the processor's caches on every row (the vehicles' hash was 150 MB at ten million
    work orders). No element is null: PostgreSQL would search an array with a null element by element on
    every read. The ids without a row (0, and the gaps that deleted rows and rolled-back inserts leave)
    are looked for only if there are any. Its size follows the largest id, 4 or 8 bytes each.
    """
    return f"""SELECT array_agg(c.value ORDER BY c.id) AS {name}
    FROM (
        SELECT {alias}.id, COALESCE({value}, 0) AS value FROM {table} {alias}
        UNION ALL
        SELECT g.id, 0
        FROM (SELECT id, LAG(id, 1, 0::bigint) OVER (ORDER BY id) AS previous FROM {table}) AS x
        CROSS JOIN LATERAL generate_series(x.previous + 1, x.id - 1) AS g(id)
        WHERE x.id > x.previous + 1 AND (SELECT COUNT(*) FROM {table}) < (SELECT MAX(id) FROM {table})
        UNION ALL
        SELECT 0, 0
    ) AS c"""


def _local_day(column: str) -> str:
    # The statement runs with the session's TimeZone set to the window's zone (see write): the cast reads
    # it directly, where AT TIME ZONE 'name' looks the zone up for every row (twice the cost).
    return f"{column}::date"


def _variant(short: bool) -> dict[str, str]:
    """The statement's two shapes.

    Short windows (the nightly run) read the window's work orders through the dealer-and-day indexes and
    probe indexes row by row: a comeback by comeback_of, a customer's earlier delivery by dealer and
    customer, a survey's or parts line's work order by primary key. Long windows (rebuilds) read the work
    orders of their dealers once (wo), each with its vehicle's code from one array (vehicle_code), run
    windows over covering indexes in their order (returning customers, the ledger) and count each
    dealer-day's range of the others' (_daily).
    """
    delivered_day = _local_day("w.delivered_at")
    comeback_match = f"""c.comeback_of_id = w.id AND c.status <> %(cancelled)s
          AND {_local_day("c.opened_at")} <= {delivered_day} + %(comeback_days)s::int"""
    # an earlier delivery to the customer, probed in the partial index workorder_customer_delivered
    returning_match = """p.dealer_id = w.dealer_id AND p.customer_id = w.customer_id
          AND p.delivered_at < w.delivered_at AND p.delivered_at >= w.delivered_at - %(returning_window)s::interval"""
    if short:
        return {
            # a vehicle by primary key per work order (OFFSET 0 keeps the planner from hashing the table); its
            # code computed on the spot
            "vehicle_code": "",
            "vehicle_join": f"""LEFT JOIN LATERAL (SELECT {_VEHICLE_CODE} AS code
        FROM workorders_vehicle v WHERE v.id = w.vehicle_id OFFSET 0) AS v ON true""",
            "vehicle_code_of_wo": "v.code",
            # the window's work orders, through the (dealer, opened_at) and (dealer, delivered_at) indexes
            "wo_filter": """w.dealer_id = ANY(%(ids)s::bigint[]) AND ((w.opened_at >= %(lo)s AND w.opened_at < %(hi)s)
          OR (w.delivered_at >= %(lo)s AND w.delivered_at < %(hi)s))""",
            # per delivery of a repair or warranty, an index probe for a comeback (by comeback_of)
            "comeback_origins": f"""SELECT w.dealer_id, w.delivered_day AS day, COUNT(*) AS comebacks
    FROM wo w
    WHERE w.in_delivered AND w.ftf AND EXISTS (SELECT 1 FROM workorders_workorder c WHERE {comeback_match})
    GROUP BY 1, 2""",
            # and one for an earlier delivery to the customer
            "returning_rows": f"""SELECT w.dealer_id, w.delivered_day FROM wo w
    CROSS JOIN LATERAL (SELECT 1 FROM workorders_workorder p
        WHERE p.status = %(delivered_status)s AND {returning_match} LIMIT 1) AS hit
    WHERE w.in_delivered""",
        }
    return {
        # every vehicle's code at [id + 1] of one array
        "vehicle_code": f"""vehicle_code AS MATERIALIZED (
    {_by_id("workorders_vehicle", "v", _VEHICLE_CODE, "codes")}
),""",
        "vehicle_join": "CROSS JOIN vehicle_code vc",
        "vehicle_code_of_wo": "vc.codes[w.vehicle_id + 1]",
        # The window's work orders of these dealers, by one scan of the table (the dealer index would reach
        # most pages in random order).
        "wo_filter": """w.dealer_id + 0 = ANY(%(ids)s::bigint[]) AND w.opened_at < %(hi)s
          AND (w.opened_at >= %(lo)s OR w.delivered_at >= %(lo)s)""",
        # From the few comebacks (the covering comeback_of index) the first comeback day of each work order
        # that has one, and that work order by primary key: no delivery of the window is joined with them.
        "comeback_origins": f"""SELECT o.dealer_id, {_local_day("o.delivered_at")} AS day, COUNT(*) AS comebacks
    FROM (
        SELECT c.comeback_of_id AS id, MIN({_local_day("c.opened_at")}) AS first_day
        FROM workorders_workorder c
        WHERE c.comeback_of_id IS NOT NULL AND c.status <> %(cancelled)s
        GROUP BY 1
    ) AS cb
    CROSS JOIN LATERAL (
        SELECT o.dealer_id, o.delivered_at FROM workorders_workorder o
        WHERE o.id = cb.id AND o.dealer_id = ANY(%(ids)s::bigint[]) AND o.status = %(delivered_status)s
          AND o.delivered_at >= %(lo)s AND o.delivered_at < %(hi)s AND o.type = ANY(%(ftf)s)
        OFFSET 0
    ) AS o
    WHERE cb.first_day <= {_local_day("o.delivered_at")} + %(comeback_days)s::int
    GROUP BY 1, 2""",
        # Returning: each delivery's latest earlier delivery to the same customer, by a window over the
        # partial covering index workorder_customer_delivered, read in its (dealer, customer, delivered_at)
        # order with no sort and no table page; the frame ends a microsecond (timestamptz's resolution)
        # before the row, so an earlier delivery means strictly earlier. (A hash semi join of the window's
        # deliveries with the year before took about 10 s of a half's 60 at ten million work orders; this
        # window about 4 s under EXPLAIN ANALYZE.)
        "returning_rows": f"""SELECT r.dealer_id, {_local_day("r.delivered_at")} AS delivered_day FROM (
        SELECT p.dealer_id, p.delivered_at,
            MAX(p.delivered_at) OVER (PARTITION BY p.dealer_id, p.customer_id ORDER BY p.delivered_at
                RANGE BETWEEN UNBOUNDED PRECEDING AND interval '1 microsecond' PRECEDING) AS previous
        FROM workorders_workorder p
        WHERE p.dealer_id = ANY(%(ids)s::bigint[]) AND p.status = %(delivered_status)s
          AND p.delivered_at >= %(lo)s::timestamptz - %(returning_window)s::interval AND p.delivered_at < %(hi)s
    ) AS r
    WHERE r.delivered_at >= %(lo)s AND r.previous >= r.delivered_at - %(returning_window)s::interval""",
    }


def _daily(short: bool, table: str, time_column: str, measures: str) -> str:
    """Measures of the rows of a table with dealer_id and work_order_id per dealer and local day of a time,
    leaving out the rows of cancelled work orders; `measures` are aggregates over the rows, as x.

    Short windows group the window's rows (found by the table's (dealer, time) index) by their day and
    look up each one's work order by key. Long windows count each dealer-day's range of that covering
    index, between the day's local midnights (date to timestamptz in the session's zone): no row is cast
    to its day, hashed or sorted, and the rows of cancelled work orders are left out by a hashed NOT IN
    of the few cancelled ones (their partial index), built once. (Grouping every parts line by its day
    took 5.3 s of a half at ten million work orders; these counts 2.5 s, under EXPLAIN ANALYZE.)
    """
    if short:
        return f"""SELECT x.dealer_id, {_local_day(f"x.{time_column}")} AS day, {measures}
    FROM {table} x
    WHERE x.dealer_id = ANY(%(ids)s::bigint[]) AND x.{time_column} >= %(lo)s AND x.{time_column} < %(hi)s
      AND (SELECT w.status FROM workorders_workorder w WHERE w.id = x.work_order_id) <> %(cancelled)s
    GROUP BY 1, 2"""
    return f"""SELECT g.dealer_id, g.day, n.*
    FROM grid g
    CROSS JOIN LATERAL (
        SELECT {measures}
        FROM {table} x
        WHERE x.dealer_id = g.dealer_id AND x.{time_column} >= g.day::timestamptz
          AND x.{time_column} < (g.day + 1)::timestamptz
          AND x.work_order_id NOT IN (SELECT w.id FROM workorders_workorder w WHERE w.status = %(cancelled)s)
    ) AS n"""


def _build_sql(short: bool, whole_ledger: bool) -> str:
    fragments = _variant(short)
    wo_filter, vehicle_join = fragments["wo_filter"], fragments["vehicle_join"]
    vehicle_code, vehicle_code_of_wo = fragments["vehicle_code"], fragments["vehicle_code_of_wo"]
    surveys = _daily(short, "workorders_survey", "answered_at", """COUNT(*) AS survey_count, SUM(x.csi) AS csi_sum,
        COUNT(*) FILTER (WHERE x.recommend >= 9) AS promoters, COUNT(*) FILTER (WHERE x.recommend <= 6) AS detractors""")
    parts_lines = _daily(short, "workorders_partsline", "requested_at", """COUNT(*) AS parts_lines_requested,
        COUNT(*) FILTER (WHERE x.filled_from_stock) AS parts_lines_filled""")
    # what only the short shape's probes read: a work order's id (comebacks) and customer (returning)
    wo_keys = "w.id, w.dealer_id, w.customer_id" if short else "w.dealer_id"
    comeback_origins, returning_rows = fragments["comeback_origins"], fragments["returning_rows"]
    ledger_rows = f"""SELECT m.dealer_id, m.part_id, m.at, {_local_day("m.at")} AS day, m.quantity,
        m.kind = %(issue)s AS issued,
        NULL::date AS last_issue
    FROM parts_stockmovement m
    WHERE m.dealer_id = ANY(%(ids)s::bigint[]) AND m.at >= %(ledger_from)s AND m.at < %(hi)s"""
    # Without a checkpoint the ledger rows alone: a plain scan the planner takes into the window's query
    # and reads in the window's order (a union would hide that order from it and cost a sort).
    movement_rows = ledger_rows if whole_ledger else f"""SELECT cp.dealer_id, cp.part_id, '-infinity'::timestamptz AS at,
        %(checkpoint)s::date AS day, cp.balance AS quantity, false AS issued,
        cp.last_issue
    FROM checkpoint_part cp
    UNION ALL
    {ledger_rows}"""
    # a part's last issue day: its latest issue so far, or the checkpoint's (a window aggregate fewer without)
    last_issue = ("MAX(day) FILTER (WHERE issued) OVER w" if whole_ledger
                  else "GREATEST(MAX(day) FILTER (WHERE issued) OVER w, MAX(last_issue) OVER w)")
    source_of_field = {field: cte for cte, fields in _SOURCE_OF.items() for field in fields}
    assert set(source_of_field) | {"capacity_hours"} == set(FACT_FIELDS), "every measure needs a source"
    columns = ", ".join(["dealer_id", "day", "computed_at", *FACT_FIELDS])
    values = ", ".join(
        "g.capacity_hours" if field == "capacity_hours" else f"COALESCE({_ALIAS[source_of_field[field]]}.{field}, 0)"
        for field in FACT_FIELDS
    )
    # The grid holds every dealer-day of the window, so updating the rows that exist and inserting the
    # others replaces the window as a whole. An update touches no indexed column and the table keeps room
    # on its pages (fillfactor, kpi migration 0005), so it rewrites the row on its page without a new
    # index entry, where deleting and inserting again wrote three index entries per row (a tenth of a
    # rebuild).
    updates = ", ".join(f"{field} = EXCLUDED.{field}" for field in ["computed_at", *FACT_FIELDS])
    joins = "\n".join(
        f"LEFT JOIN {cte} {alias} ON {alias}.dealer_id = g.dealer_id AND {alias}.day = g.day"
        for cte, alias in _ALIAS.items()
    )
    delivered_day = _local_day("w.delivered_at")
    opened_day = _local_day("w.opened_at")
    # Built from module constants only; every value is a bound parameter.
    return f"""
WITH
{vehicle_code}
wo AS MATERIALIZED (
    -- the window's work orders, narrowed to what the measures use, each local day and flag computed
    -- once: one pass over the table for delivered and opened (and, in the short shape, the comeback and
    -- returning probes). The flags also give the planner row counts it can use (a range condition on a
    -- CTE's column is guessed at 0.5 %%, a flag at half).
    SELECT {wo_keys}, w.opened_at, w.delivered_at, w.promised_at,
        w.labour_amount, w.parts_amount, w.parts_cost, w.flat_rate_hours, w.actual_hours,
        w.status = %(delivered_status)s AND w.delivered_at >= %(lo)s AND w.delivered_at < %(hi)s AS in_delivered,
        w.opened_at >= %(lo)s AND w.opened_at < %(hi)s AS in_opened,
        {delivered_day} AS delivered_day, {opened_day} AS opened_day,
        w.type = ANY(%(ftf)s) AS ftf, w.type = %(accident)s AS accident, w.channel = %(online)s AS online,
        w.extended_warranty_sold, {vehicle_code_of_wo} AS vehicle_code
    FROM workorders_workorder w
    {vehicle_join}
    WHERE w.status <> %(cancelled)s AND {wo_filter}
),
dealer AS (
    SELECT id, bays, opens_at, closes_at, opened_on, active, labour_cost_rate
    FROM dealers_dealer WHERE id = ANY(%(ids)s::bigint[])
),
grid AS (
    SELECT d.id AS dealer_id, g.day::date AS day,
           CASE WHEN d.active AND (d.opened_on IS NULL OR d.opened_on <= g.day::date)
                THEN d.bays * EXTRACT(EPOCH FROM d.closes_at - d.opens_at) / 3600 ELSE 0 END AS capacity_hours
    FROM dealer d CROSS JOIN generate_series(%(start)s::timestamp, %(end)s::timestamp, interval '1 day') AS g(day)
),
comeback_origin AS (
    -- the window's deliveries of a repair or warranty with a comeback opened within N local days
    {comeback_origins}
),
returning_customer AS (
    -- deliveries of the window whose customer had another delivered in the 365 × 24 h before
    SELECT x.dealer_id, x.delivered_day AS day, COUNT(*) AS returning_count
    FROM ({returning_rows}) AS x
    GROUP BY 1, 2
),
delivered AS (
    -- Per-row sums of the columns only: the dealer's labour cost rate is one number per group, so gross
    -- profit is Σlabour + Σparts − Σparts cost − rate × Σactual hours, and the cycle time sums intervals
    -- (exact, like the numeric it replaces) turned into hours once per group; numeric arithmetic per work
    -- order cost a third of the aggregate.
    SELECT a.dealer_id, a.day, a.delivered_count, a.labour + a.parts AS output_value,
        a.labour + a.parts - a.parts_cost - a.actual_hours * d.labour_cost_rate AS gross_profit,
        EXTRACT(EPOCH FROM a.cycle) / 3600 AS cycle_hours,
        a.promised_count, a.on_time_count, a.ftf_eligible,
        a.ftf_eligible - COALESCE(cbo.comebacks, 0) AS ftf_ok, a.nev_count, a.accident_count,
        a.flat_rate_hours, a.actual_hours
    FROM (
        SELECT w.dealer_id, w.delivered_day AS day,
            COUNT(*) AS delivered_count,
            SUM(w.labour_amount) AS labour,
            SUM(w.parts_amount) AS parts,
            SUM(w.parts_cost) AS parts_cost,
            SUM(w.delivered_at - w.opened_at) AS cycle,
            COUNT(w.promised_at) AS promised_count,
            COUNT(*) FILTER (WHERE w.delivered_at <= w.promised_at) AS on_time_count,
            COUNT(*) FILTER (WHERE w.ftf) AS ftf_eligible,
            COUNT(*) FILTER (WHERE {_NEV}) AS nev_count,
            COUNT(*) FILTER (WHERE w.accident) AS accident_count,
            SUM(w.flat_rate_hours) AS flat_rate_hours,
            SUM(w.actual_hours) AS actual_hours
        FROM wo w
        WHERE w.in_delivered
        GROUP BY 1, 2
    ) AS a
    JOIN dealer d ON d.id = a.dealer_id
    LEFT JOIN comeback_origin cbo ON cbo.dealer_id = a.dealer_id AND cbo.day = a.day
),
opened AS (
    SELECT w.dealer_id, w.opened_day AS day,
        COUNT(*) AS opened_count,
        COUNT(*) FILTER (WHERE w.online) AS online_opened,
        COUNT(*) FILTER (WHERE {_EXT_ELIGIBLE}) AS ext_eligible,
        COUNT(*) FILTER (WHERE {_EXT_ELIGIBLE} AND w.extended_warranty_sold) AS ext_sold
    FROM wo w
    WHERE w.in_opened
    GROUP BY 1, 2
),
surveys AS (
    {surveys}
),
complaints_opened AS (
    SELECT c.dealer_id, {_local_day("c.opened_at")} AS day,
        COUNT(*) AS complaints_opened,
        COUNT(*) FILTER (WHERE c.resolved_at <= c.opened_at + interval '48 hours') AS complaints_resolved_48h
    FROM workorders_complaint c
    WHERE c.dealer_id = ANY(%(ids)s::bigint[]) AND c.opened_at >= %(lo)s AND c.opened_at < %(hi)s
    GROUP BY 1, 2
),
complaints_closed AS (
    SELECT c.dealer_id, {_local_day("c.closed_at")} AS day,
        COUNT(*) AS complaints_closed,
        SUM(EXTRACT(EPOCH FROM c.closed_at - c.opened_at)) / 3600 AS closure_hours
    FROM workorders_complaint c
    WHERE c.dealer_id = ANY(%(ids)s::bigint[]) AND c.closed_at >= %(lo)s AND c.closed_at < %(hi)s
    GROUP BY 1, 2
),
complaints_escalated AS (
    SELECT c.dealer_id, {_local_day("c.escalated_at")} AS day, COUNT(*) AS escalated_count
    FROM workorders_complaint c
    WHERE c.dealer_id = ANY(%(ids)s::bigint[]) AND c.escalated AND c.escalated_at >= %(lo)s AND c.escalated_at < %(hi)s
    GROUP BY 1, 2
),
parts_lines AS (
    {parts_lines}
),
urgent AS (
    SELECT o.dealer_id, {_local_day("o.received_at")} AS day,
        COUNT(*) AS urgent_received,
        SUM(EXTRACT(EPOCH FROM o.received_at - o.ordered_at)) / 3600 AS urgent_hours
    FROM parts_partsorder o
    WHERE o.dealer_id = ANY(%(ids)s::bigint[]) AND o.kind = %(urgent)s AND o.status = %(received)s
      AND o.received_at >= %(lo)s AND o.received_at < %(hi)s
    GROUP BY 1, 2
),
technician_event AS (
    -- +1 on the first day employed within the window, −1 on the day of leaving
    SELECT t.dealer_id, GREATEST(t.hired_on, %(start)s::date) AS day, 1 AS n
    FROM training_technician t
    WHERE t.dealer_id = ANY(%(ids)s::bigint[]) AND (t.active OR t.left_on IS NOT NULL)
      AND (t.hired_on IS NULL OR t.hired_on <= %(end)s::date) AND (t.left_on IS NULL OR t.left_on > %(start)s::date)
    UNION ALL
    SELECT t.dealer_id, t.left_on, -1
    FROM training_technician t
    WHERE t.dealer_id = ANY(%(ids)s::bigint[]) AND (t.active OR t.left_on IS NOT NULL)
      AND (t.hired_on IS NULL OR t.hired_on <= %(end)s::date) AND t.left_on > %(start)s::date
      AND t.left_on <= %(end)s::date
),
hv_piece AS (
    -- a technician's HV certifications cut into disjoint pieces (a renewal overlapping the previous
    -- certificate adds only the days it extends), then clipped to employment and the window
    SELECT dealer_id,
        GREATEST(piece_from, hired_on, %(start)s::date) AS first_day,
        LEAST(piece_until, left_on, %(end)s::date + 1) AS until
    FROM (
        SELECT t.dealer_id, t.hired_on, t.left_on, c.expires_on AS piece_until,
            GREATEST(c.issued_on, MAX(c.expires_on) OVER (
                PARTITION BY c.technician_id ORDER BY c.issued_on, c.id
                ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)) AS piece_from
        FROM training_certification c
        JOIN training_certificationtype ct ON ct.id = c.type_id AND ct.code = %(hv_code)s
        JOIN training_technician t ON t.id = c.technician_id
        WHERE t.dealer_id = ANY(%(ids)s::bigint[]) AND (t.active OR t.left_on IS NOT NULL)
    ) AS pieces
),
hv_event AS (
    SELECT dealer_id, first_day AS day, 1 AS n FROM hv_piece WHERE first_day < until
    UNION ALL
    SELECT dealer_id, until, -1 FROM hv_piece WHERE first_day < until AND until <= %(end)s::date
),
checkpoint_part AS (
    -- the ledger summed to the end of the checkpoint day (no rows without a checkpoint)
    SELECT cp.dealer_id, (e.item ->> 0)::bigint AS part_id, (e.item ->> 1)::int AS balance,
        (e.item ->> 2)::date AS last_issue
    FROM kpi_stockcheckpoint cp
    CROSS JOIN LATERAL jsonb_array_elements(cp.parts) AS e(item)
    WHERE cp.dealer_id = ANY(%(ids)s::bigint[]) AND cp.day = %(checkpoint)s::date
),
part_cost AS NOT MATERIALIZED (
    -- inlined where used: joined as the table itself (its size known), by hash
    SELECT p.id, {_PART_CENTS} AS cost_cents FROM parts_part p
),
movement AS NOT MATERIALIZED (
    -- the ledger rows after the checkpoint (all of them without one), preceded by the checkpoint's state
    -- as one row per part on its day. Inlined in both readers: the window below reads it in (dealer, part,
    -- time) order from the covering index movement_dealer_part_at, so nothing sorts or stores the whole
    -- ledger (stored once, it spilled to disk at ten million work orders, and its sort too); the day sums
    -- read it again, by whichever scan is cheaper.
    {movement_rows}
),
segment AS (
    -- from each ledger row until the next one's day a part's balance and last issue day are constant.
    -- The window runs row by row in time order (the index's), not by day: of the rows of one day, only
    -- the last sums the whole day (rows at the same instant too: ROWS, so no row looks ahead for its
    -- peers), and only it gets a segment that is not empty (the others end on their own day, as the next
    -- row's day), so the day's balance is the one that lasts. Only the segments read below are kept, marked in
    -- the window's pass: those that hold a checkpoint day, and the aging ones (the part slow-moving,
    -- {SLOW_MOVING_DAYS} days without issue, inside the window; dead, {DEAD_STOCK_DAYS} days, starts no
    -- earlier). Kept whole, the CTE stored every ledger row and was scanned twice more.
    SELECT marked.*, pc.cost_cents FROM (
        SELECT *,
            {" OR ".join(f"(day <= %(checkpoint_{i})s::date AND %(checkpoint_{i})s::date < until)"
                         for i in range(checkpoints.MAX_DAYS))} AS covers_checkpoint,
            balance <> 0 AND until > %(start)s::date
                AND GREATEST(day, last_issue + {SLOW_MOVING_DAYS}) < until
                AND GREATEST(day, last_issue + {SLOW_MOVING_DAYS}) <= %(end)s::date AS aging
        FROM (
            SELECT dealer_id, part_id, day,
                COALESCE(LEAD(day) OVER w, %(end)s::date + 1) AS until,
                SUM(quantity) OVER w AS balance,
                {last_issue} AS last_issue
            FROM movement
            WINDOW w AS (PARTITION BY dealer_id, part_id ORDER BY at ROWS UNBOUNDED PRECEDING)
        ) AS windowed
    ) AS marked
    JOIN part_cost pc ON pc.id = marked.part_id
    WHERE covers_checkpoint OR aging
),
aged AS (
    SELECT s.dealer_id, s.balance * s.cost_cents AS v, s.until,
        GREATEST(s.day, s.last_issue + {SLOW_MOVING_DAYS}) AS slow_from,
        GREATEST(s.day, s.last_issue + {DEAD_STOCK_DAYS}) AS dead_from
    FROM segment s
    WHERE s.aging
),
part_cents AS MATERIALIZED (
    -- every part's cost in cents at [id + 1] of one array (the day sums below run once per dealer-day,
    -- where a join would hash the parts again each time)
    {_by_id("parts_part", "p", _PART_CENTS, "cents")}
),
ledger_day AS (
    -- Per dealer and day: the change of stock value and the cost issued (cents). Each dealer-day from
    -- the dealer's first ledger day after the checkpoint (its first ever without one) sums its range of
    -- the covering (dealer, at) index, between the day's local midnights: no ledger row is cast to its
    -- day or hashed. The checkpoint's balances are the value on its day.
    SELECT d.id AS dealer_id, g.day::date AS day, n.stock_change, n.issue_cents
    FROM dealer d
    CROSS JOIN LATERAL generate_series(
        COALESCE(%(checkpoint)s::date + 1,
                 (SELECT MIN(m.at) FROM parts_stockmovement m WHERE m.dealer_id = d.id)::date)::timestamp,
        %(end)s::timestamp, interval '1 day') AS g(day)
    CROSS JOIN LATERAL (
        SELECT SUM(m.quantity::bigint * c.cents[m.part_id + 1]) AS stock_change,
            SUM(-m.quantity::bigint * c.cents[m.part_id + 1]) FILTER (WHERE m.kind IN (%(issue)s, %(return)s))
                AS issue_cents
        FROM parts_stockmovement m, part_cents c
        WHERE m.dealer_id = d.id AND m.at >= g.day::date::timestamptz AND m.at < (g.day::date + 1)::timestamptz
    ) AS n
    WHERE n.stock_change IS NOT NULL
    UNION ALL
    SELECT cp.dealer_id, %(checkpoint)s::date, SUM(cp.balance::bigint * pc.cost_cents), NULL
    FROM checkpoint_part cp
    JOIN part_cost pc ON pc.id = cp.part_id
    GROUP BY 1
),
stock_event AS (
    -- inventory = running Σ of the value changes (balances never go negative: parts.services refuses);
    -- slow / dead = value of the aged segments from when they age until they end, clipped to the window
    SELECT dealer_id, GREATEST(day, %(start)s::date) AS day, stock_change AS inventory, 0::bigint AS slow,
        0::bigint AS dead
    FROM ledger_day WHERE day <= %(end)s::date
    UNION ALL
    SELECT dealer_id, GREATEST(slow_from, %(start)s::date), 0, v, 0 FROM aged
    UNION ALL
    SELECT dealer_id, until, 0, -v, 0 FROM aged WHERE until <= %(end)s::date
    UNION ALL
    SELECT dealer_id, GREATEST(dead_from, %(start)s::date), 0, 0, v FROM aged
    WHERE dead_from < until AND dead_from <= %(end)s::date
    UNION ALL
    SELECT dealer_id, until, 0, 0, -v FROM aged
    WHERE dead_from < until AND until <= %(end)s::date
),
issue_day AS (
    -- issue cost per dealer and day from {ISSUE_WINDOW_DAYS - 1} days before the window: stored with the
    -- checkpoint up to its day, from the ledger after it
    SELECT dealer_id, day, SUM(cost_cents) AS cost_cents FROM (
        SELECT dealer_id, day, issue_cents AS cost_cents
        FROM ledger_day WHERE issue_cents IS NOT NULL AND day >= %(start)s::date - {ISSUE_WINDOW_DAYS - 1}
        UNION ALL
        SELECT cp.dealer_id, (e.item ->> 0)::date, (e.item ->> 1)::bigint
        FROM kpi_stockcheckpoint cp
        CROSS JOIN LATERAL jsonb_array_elements(cp.issue_costs) AS e(item)
        WHERE cp.dealer_id = ANY(%(ids)s::bigint[]) AND cp.day = %(checkpoint)s::date
          AND (e.item ->> 0)::date >= %(start)s::date - {ISSUE_WINDOW_DAYS - 1}
    ) AS x
    GROUP BY 1, 2
),
issues AS (
    SELECT * FROM (
        SELECT d.id AS dealer_id, g.day::date AS day,
            COALESCE(i.cost_cents, 0) / 100.0 AS issue_cost,
            SUM(COALESCE(i.cost_cents, 0)) OVER (
                PARTITION BY d.id ORDER BY g.day ROWS BETWEEN {ISSUE_WINDOW_DAYS - 1} PRECEDING AND CURRENT ROW
            ) / 100.0 AS issue_cost_90d
        FROM dealer d
        CROSS JOIN generate_series((%(start)s::date - {ISSUE_WINDOW_DAYS - 1})::timestamp, %(end)s::timestamp,
                                   interval '1 day') AS g(day)
        LEFT JOIN issue_day i ON i.dealer_id = d.id AND i.day = g.day::date
    ) AS windowed
    WHERE day >= %(start)s::date
),
state AS (
    -- running sums of the events over each dealer's days: stock values and head counts as of the day
    SELECT g.dealer_id, g.day,
        SUM(COALESCE(sd.inventory, 0)) OVER w / 100.0 AS inventory_value,
        SUM(COALESCE(sd.slow, 0)) OVER w / 100.0 AS slow_moving_value,
        SUM(COALESCE(sd.dead, 0)) OVER w / 100.0 AS dead_stock_value,
        SUM(COALESCE(te.n, 0)) OVER w AS technicians_active,
        SUM(COALESCE(he.n, 0)) OVER w AS technicians_hv
    FROM grid g
    LEFT JOIN (SELECT dealer_id, day, SUM(inventory) AS inventory, SUM(slow) AS slow, SUM(dead) AS dead
               FROM stock_event GROUP BY 1, 2) AS sd ON sd.dealer_id = g.dealer_id AND sd.day = g.day
    LEFT JOIN (SELECT dealer_id, day, SUM(n) AS n FROM technician_event GROUP BY 1, 2) AS te
        ON te.dealer_id = g.dealer_id AND te.day = g.day
    LEFT JOIN (SELECT dealer_id, day, SUM(n) AS n FROM hv_event GROUP BY 1, 2) AS he
        ON he.dealer_id = g.dealer_id AND he.day = g.day
    WINDOW w AS (PARTITION BY g.dealer_id ORDER BY g.day)
),
checkpoint_day AS (
    SELECT DISTINCT day FROM unnest(%(checkpoint_days)s::date[]) AS c(day)
),
checkpoint_parts AS (
    SELECT s.dealer_id, c.day, jsonb_agg(jsonb_build_array(s.part_id, s.balance,
        CASE WHEN s.last_issue > c.day - {DEAD_STOCK_DAYS} THEN s.last_issue END)) AS parts
    FROM segment s
    JOIN checkpoint_day c ON s.day <= c.day AND c.day < s.until
    WHERE s.covers_checkpoint AND (s.balance <> 0 OR s.last_issue > c.day - {DEAD_STOCK_DAYS})
    GROUP BY 1, 2
),
checkpoint_issues AS (
    SELECT i.dealer_id, c.day, jsonb_agg(jsonb_build_array(i.day, i.cost_cents) ORDER BY i.day) AS issue_costs
    FROM issue_day i
    JOIN checkpoint_day c ON i.day BETWEEN c.day - {ISSUE_WINDOW_DAYS - 2} AND c.day
    WHERE i.cost_cents <> 0
    GROUP BY 1, 2
),
write_checkpoint AS (
    INSERT INTO kpi_stockcheckpoint
        (dealer_id, day, through_movement, parts_changed_at, parts, issue_costs, computed_at)
    SELECT d.id, c.day,
        (SELECT COALESCE(MAX(id), 0) FROM parts_stockmovement),
        (SELECT MAX(updated_at) FROM parts_part),
        COALESCE(cp.parts, '[]'::jsonb),
        COALESCE(ci.issue_costs, '[]'::jsonb),
        now()
    FROM dealer d
    CROSS JOIN checkpoint_day c
    LEFT JOIN checkpoint_parts cp ON cp.dealer_id = d.id AND cp.day = c.day
    LEFT JOIN checkpoint_issues ci ON ci.dealer_id = d.id AND ci.day = c.day
)
INSERT INTO kpi_dealerdayfact ({columns})
SELECT g.dealer_id, g.day, now(), {values}
FROM grid g
{joins}
ON CONFLICT (dealer_id, day) DO UPDATE SET {updates}
"""


ROLLUP_SQL = {
    (short, whole_ledger): _build_sql(short, whole_ledger) for short in (False, True) for whole_ledger in (False, True)
}
# Windows up to this many days, or for this few dealers, take the index-probing shape.
SHORT_WINDOW_DAYS = 62
FEW_DEALERS = 10
# Before any ledger row: a window without a usable checkpoint reads the whole ledger.
BEGINNING = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)


def params(window: Window, checkpoint: dt.date | None = None) -> dict:
    checkpoint_days = checkpoints.days_to_write(window)
    return {
        # Used as ANY(%(ids)s::bigint[]): psycopg sends small integers as smallint[], and bigint = smallint
        # has no hashed ANY, so each row of a scan compared its dealer with every id in turn.
        "ids": list(window.dealer_ids),
        "start": window.start,
        "end": window.end,
        "lo": window.lo,
        "hi": window.hi,
        "ftf": list(FTF_TYPES),
        "nev": list(NEV),
        "accident": str(WorkOrderType.ACCIDENT),
        "delivered_status": str(WorkOrderStatus.DELIVERED),
        "cancelled": str(WorkOrderStatus.CANCELLED),
        "online": str(Channel.ONLINE),
        "comeback_days": comeback_days(),
        # in hours: with a local TimeZone, subtracting "365 days" from a timestamptz would follow DST
        "returning_window": f"{int(RETURNING_WINDOW.total_seconds()) // 3600} hours",
        "urgent": str(PartsOrderKind.URGENT),
        "received": str(PartsOrderStatus.RECEIVED),
        "hv_code": HV_CERTIFICATION_CODE,
        "issue": str(MovementKind.ISSUE),
        "return": str(MovementKind.RETURN),
        "checkpoint": checkpoint,
        "ledger_from": local_midnight(checkpoint + dt.timedelta(days=1), window.tz) if checkpoint else BEGINNING,
        "checkpoint_days": checkpoint_days,
        # the same one by one, None where the window writes fewer
        **{f"checkpoint_{i}": checkpoint_days[i] if i < len(checkpoint_days) else None
           for i in range(checkpoints.MAX_DAYS)},
    }


def is_long(window: Window) -> bool:
    """Whether the window takes the whole-table shape of the statement (see _variant)."""
    return len(window.days) > SHORT_WINDOW_DAYS and len(window.dealer_ids) > FEW_DEALERS


# The planner cannot see how many rows a CTE's filtered scan gives, nor that a work order id is unique in
# one; guessing few, it sorted hundreds of thousands of rows for merge joins, or probed an index per parts
# line through a memo, where a hash join reads each side once (1M work orders: 8.2 s → 7.5 s per half).
LONG_WINDOW_PLANNER = {"enable_mergejoin": "off", "enable_memoize": "off"}


def _set(cursor: CursorWrapper, settings: dict[str, str]) -> dict[str, str]:
    """Set these until the transaction ends; returns what they were."""
    previous = {}
    for name, value in settings.items():
        cursor.execute("SELECT current_setting(%s), set_config(%s, %s, true)", [name, name, value])
        previous[name] = cursor.fetchone()[0]
    return previous


def write(window: Window) -> int:
    """Replace the window's dealer-day rows (an upsert of every one); the caller holds the transaction and the lock."""
    short = not is_long(window)
    checkpoint = checkpoints.usable(window)
    checkpoints.clear(window)
    p = params(window, checkpoint)
    with connection.cursor() as cursor:
        # Settings for this statement only (an error rolls them back with it): local days are casts in the
        # session's zone (see _local_day), where Django's own queries expect UTC; and a long window joins by
        # hash only (see LONG_WINDOW_PLANNER).
        previous = _set(cursor, {"TimeZone": window.tz_name, **({} if short else LONG_WINDOW_PLANNER)})
        cursor.execute(ROLLUP_SQL[short, checkpoint is None], p)
        written = cursor.rowcount
        _set(cursor, previous)
    checkpoints.prune(window)
    return written
