"""The PostgreSQL engine: one INSERT … SELECT computes and writes a window's facts inside the database.

Nothing but the statement crosses the wire, so the Python process's memory is flat whatever the number of
work orders. Every rule is the one written in kpi.rollup.common (the ORM engine implements the same; a
test on PostgreSQL asserts both give identical facts).

The inventory snapshot is set-based: the ledger is summed per dealer, part and local day; window
functions turn each (dealer, part) into segments of constant balance and last-issue day; each segment
emits +value / −value events where it starts and stops counting as stock, slow-moving (180 days without
issue) and dead (365); a running sum of the events over the dealer's days is the daily value.
"""

from __future__ import annotations

from django.db import connection

from parts.choices import MovementKind, PartsOrderKind, PartsOrderStatus
from training.choices import HV_CERTIFICATION_CODE
from workorders.choices import Channel, WorkOrderStatus, WorkOrderType

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
)

# Which CTE of ROLLUP_SQL holds each measure (the grid holds capacity_hours).
_SOURCE_OF = {
    "delivered": (
        "delivered_count", "output_value", "gross_profit", "cycle_hours", "promised_count", "on_time_count",
        "ftf_eligible", "ftf_ok", "nev_count", "returning_count", "accident_count", "flat_rate_hours", "actual_hours",
    ),
    "opened": ("opened_count", "online_opened", "ext_eligible", "ext_sold"),
    "surveys": ("survey_count", "csi_sum", "promoters", "detractors"),
    "complaints_opened": ("complaints_opened", "complaints_resolved_48h"),
    "complaints_closed": ("complaints_closed", "closure_hours"),
    "complaints_escalated": ("escalated_count",),
    "parts_lines": ("parts_lines_requested", "parts_lines_filled"),
    "urgent": ("urgent_received", "urgent_hours"),
    "technicians": ("technicians_active",),
    "hv": ("technicians_hv",),
    "stock": ("inventory_value", "slow_moving_value", "dead_stock_value"),
    "issues": ("issue_cost", "issue_cost_90d"),
}
_ALIAS = {
    "delivered": "dl", "opened": "op", "surveys": "sv", "complaints_opened": "co", "complaints_closed": "cc",
    "complaints_escalated": "ce", "parts_lines": "pl", "urgent": "ur", "technicians": "te", "hv": "hv",
    "stock": "st", "issues": "iss",
}


def _ymd(date_sql: str) -> str:
    return f"(EXTRACT(YEAR FROM {date_sql})::int * 10000 + EXTRACT(MONTH FROM {date_sql})::int * 100 + EXTRACT(DAY FROM {date_sql})::int)"


def _local_day(column: str) -> str:
    return f"({column} AT TIME ZONE %(tz)s)::date"


def _build_sql() -> str:
    source_of_field = {field: cte for cte, fields in _SOURCE_OF.items() for field in fields}
    assert set(source_of_field) | {"capacity_hours"} == set(FACT_FIELDS), "every measure needs a source"
    columns = ", ".join(["dealer_id", "day", "computed_at", *FACT_FIELDS])
    values = ", ".join(
        "g.capacity_hours" if field == "capacity_hours" else f"COALESCE({_ALIAS[source_of_field[field]]}.{field}, 0)"
        for field in FACT_FIELDS
    )
    joins = "\n".join(
        f"LEFT JOIN {cte} {alias} ON {alias}.dealer_id = g.dealer_id AND {alias}.day = g.day"
        for cte, alias in _ALIAS.items()
    )
    delivered_day = _local_day("w.delivered_at")
    opened_day = _local_day("w.opened_at")
    # Built from module constants only; every value is a bound parameter.
    return f"""
WITH
dealer AS (
    SELECT id, bays, opens_at, closes_at, opened_on, active, labour_cost_rate
    FROM dealers_dealer WHERE id = ANY(%(ids)s)
),
grid AS (
    SELECT d.id AS dealer_id, g.day::date AS day,
           CASE WHEN d.active AND (d.opened_on IS NULL OR d.opened_on <= g.day::date)
                THEN d.bays * EXTRACT(EPOCH FROM d.closes_at - d.opens_at) / 3600 ELSE 0 END AS capacity_hours
    FROM dealer d CROSS JOIN generate_series(%(start)s::timestamp, %(end)s::timestamp, interval '1 day') AS g(day)
),
comeback AS (
    -- repair and warranty work orders of the window with a comeback opened within N local days of delivery
    SELECT w.id FROM workorders_workorder w
    WHERE w.status = %(delivered_status)s AND w.dealer_id = ANY(%(ids)s) AND w.type = ANY(%(ftf)s)
      AND w.delivered_at >= %(lo)s AND w.delivered_at < %(hi)s
      AND EXISTS (
        SELECT 1 FROM workorders_workorder c
        WHERE c.comeback_of_id = w.id AND c.status <> %(cancelled)s
          AND {_local_day("c.opened_at")} <= {delivered_day} + %(comeback_days)s::int)
),
returning_customer AS (
    -- work orders of the window whose customer had another delivered in the 365 days before
    SELECT w.id FROM workorders_workorder w
    WHERE w.status = %(delivered_status)s AND w.dealer_id = ANY(%(ids)s)
      AND w.delivered_at >= %(lo)s AND w.delivered_at < %(hi)s
      AND EXISTS (
        SELECT 1 FROM workorders_workorder p
        WHERE p.customer_id = w.customer_id AND p.status = %(delivered_status)s
          AND p.delivered_at < w.delivered_at AND p.delivered_at >= w.delivered_at - %(returning_window)s)
),
delivered AS (
    SELECT w.dealer_id, {delivered_day} AS day,
        COUNT(*) AS delivered_count,
        SUM(w.labour_amount + w.parts_amount) AS output_value,
        SUM(w.labour_amount + w.parts_amount - w.parts_cost - w.actual_hours * d.labour_cost_rate) AS gross_profit,
        SUM(EXTRACT(EPOCH FROM w.delivered_at - w.opened_at)) / 3600 AS cycle_hours,
        COUNT(w.promised_at) AS promised_count,
        COUNT(*) FILTER (WHERE w.delivered_at <= w.promised_at) AS on_time_count,
        COUNT(*) FILTER (WHERE w.type = ANY(%(ftf)s)) AS ftf_eligible,
        COUNT(*) FILTER (WHERE w.type = ANY(%(ftf)s) AND cb.id IS NULL) AS ftf_ok,
        COUNT(*) FILTER (WHERE v.powertrain = ANY(%(nev)s)) AS nev_count,
        COUNT(*) FILTER (WHERE rt.id IS NOT NULL) AS returning_count,
        COUNT(*) FILTER (WHERE w.type = %(accident)s) AS accident_count,
        SUM(w.flat_rate_hours) AS flat_rate_hours,
        SUM(w.actual_hours) AS actual_hours
    FROM workorders_workorder w
    JOIN dealer d ON d.id = w.dealer_id
    JOIN workorders_vehicle v ON v.id = w.vehicle_id
    LEFT JOIN comeback cb ON cb.id = w.id
    LEFT JOIN returning_customer rt ON rt.id = w.id
    WHERE w.status = %(delivered_status)s AND w.dealer_id = ANY(%(ids)s)
      AND w.delivered_at >= %(lo)s AND w.delivered_at < %(hi)s
    GROUP BY 1, 2
),
opened AS (
    SELECT w.dealer_id, {opened_day} AS day,
        COUNT(*) AS opened_count,
        COUNT(*) FILTER (WHERE w.channel = %(online)s) AS online_opened,
        COUNT(*) FILTER (WHERE e.eligible) AS ext_eligible,
        COUNT(*) FILTER (WHERE e.eligible AND w.extended_warranty_sold) AS ext_sold
    FROM workorders_workorder w
    JOIN workorders_vehicle v ON v.id = w.vehicle_id
    CROSS JOIN LATERAL (SELECT CASE
        WHEN v.first_registered_on IS NOT NULL
        THEN {_ymd("v.first_registered_on")} + {EXT_WARRANTY_YEARS * 10000} > {_ymd(opened_day)}
        ELSE v.model_year >= EXTRACT(YEAR FROM {opened_day})::int - {EXT_WARRANTY_YEARS - 1}
        END AS eligible) e
    WHERE w.status <> %(cancelled)s AND w.dealer_id = ANY(%(ids)s)
      AND w.opened_at >= %(lo)s AND w.opened_at < %(hi)s
    GROUP BY 1, 2
),
surveys AS (
    SELECT s.dealer_id, {_local_day("s.answered_at")} AS day,
        COUNT(*) AS survey_count,
        SUM(s.csi) AS csi_sum,
        COUNT(*) FILTER (WHERE s.recommend >= 9) AS promoters,
        COUNT(*) FILTER (WHERE s.recommend <= 6) AS detractors
    FROM workorders_survey s
    JOIN workorders_workorder w ON w.id = s.work_order_id AND w.status <> %(cancelled)s
    WHERE s.dealer_id = ANY(%(ids)s) AND s.answered_at >= %(lo)s AND s.answered_at < %(hi)s
    GROUP BY 1, 2
),
complaints_opened AS (
    SELECT c.dealer_id, {_local_day("c.opened_at")} AS day,
        COUNT(*) AS complaints_opened,
        COUNT(*) FILTER (WHERE c.resolved_at <= c.opened_at + interval '48 hours') AS complaints_resolved_48h
    FROM workorders_complaint c
    WHERE c.dealer_id = ANY(%(ids)s) AND c.opened_at >= %(lo)s AND c.opened_at < %(hi)s
    GROUP BY 1, 2
),
complaints_closed AS (
    SELECT c.dealer_id, {_local_day("c.closed_at")} AS day,
        COUNT(*) AS complaints_closed,
        SUM(EXTRACT(EPOCH FROM c.closed_at - c.opened_at)) / 3600 AS closure_hours
    FROM workorders_complaint c
    WHERE c.dealer_id = ANY(%(ids)s) AND c.closed_at >= %(lo)s AND c.closed_at < %(hi)s
    GROUP BY 1, 2
),
complaints_escalated AS (
    SELECT c.dealer_id, {_local_day("c.escalated_at")} AS day, COUNT(*) AS escalated_count
    FROM workorders_complaint c
    WHERE c.dealer_id = ANY(%(ids)s) AND c.escalated AND c.escalated_at >= %(lo)s AND c.escalated_at < %(hi)s
    GROUP BY 1, 2
),
parts_lines AS (
    SELECT w.dealer_id, {_local_day("l.requested_at")} AS day,
        COUNT(*) AS parts_lines_requested,
        COUNT(*) FILTER (WHERE l.filled_from_stock) AS parts_lines_filled
    FROM workorders_partsline l
    JOIN workorders_workorder w ON w.id = l.work_order_id
    WHERE w.dealer_id = ANY(%(ids)s) AND w.status <> %(cancelled)s
      AND l.requested_at >= %(lo)s AND l.requested_at < %(hi)s
    GROUP BY 1, 2
),
urgent AS (
    SELECT o.dealer_id, {_local_day("o.received_at")} AS day,
        COUNT(*) AS urgent_received,
        SUM(EXTRACT(EPOCH FROM o.received_at - o.ordered_at)) / 3600 AS urgent_hours
    FROM parts_partsorder o
    WHERE o.dealer_id = ANY(%(ids)s) AND o.kind = %(urgent)s AND o.status = %(received)s
      AND o.received_at >= %(lo)s AND o.received_at < %(hi)s
    GROUP BY 1, 2
),
technicians AS (
    SELECT t.dealer_id, g.day::date AS day, COUNT(*) AS technicians_active
    FROM training_technician t
    CROSS JOIN LATERAL generate_series(
        GREATEST(%(start)s::date, t.hired_on)::timestamp, LEAST(%(end)s::date, t.left_on - 1)::timestamp,
        interval '1 day') AS g(day)
    WHERE t.dealer_id = ANY(%(ids)s) AND t.active
    GROUP BY 1, 2
),
hv AS (
    SELECT t.dealer_id, g.day::date AS day, COUNT(DISTINCT t.id) AS technicians_hv
    FROM training_technician t
    JOIN training_certification c ON c.technician_id = t.id
    JOIN training_certificationtype ct ON ct.id = c.type_id AND ct.code = %(hv_code)s
    CROSS JOIN LATERAL generate_series(
        GREATEST(%(start)s::date, t.hired_on, c.issued_on)::timestamp,
        LEAST(%(end)s::date, t.left_on - 1, c.expires_on - 1)::timestamp, interval '1 day') AS g(day)
    WHERE t.dealer_id = ANY(%(ids)s) AND t.active
    GROUP BY 1, 2
),
ledger AS (
    SELECT m.dealer_id, m.part_id, {_local_day("m.at")} AS day, p.cost,
        SUM(m.quantity) AS quantity,
        -SUM(m.quantity) FILTER (WHERE m.kind IN (%(issue)s, %(return)s)) AS issue_quantity,
        bool_or(m.kind = %(issue)s) AS issued
    FROM parts_stockmovement m
    JOIN parts_part p ON p.id = m.part_id
    WHERE m.dealer_id = ANY(%(ids)s) AND m.at < %(hi)s
    GROUP BY 1, 2, 3, 4
),
segment AS (
    SELECT l.dealer_id, l.day, l.cost,
        COALESCE(LEAD(l.day) OVER w, %(end)s::date + 1) AS until,
        SUM(l.quantity) OVER w AS balance,
        MAX(l.day) FILTER (WHERE l.issued) OVER w AS last_issue
    FROM ledger l
    WINDOW w AS (PARTITION BY l.dealer_id, l.part_id ORDER BY l.day)
),
stock_event AS (
    SELECT s.dealer_id, GREATEST(e.day, %(start)s::date) AS day, e.inventory, e.slow, e.dead
    FROM segment s
    CROSS JOIN LATERAL (SELECT s.balance * s.cost AS value,
        COALESCE(GREATEST(s.day, s.last_issue + {SLOW_MOVING_DAYS}), s.day) AS slow_from,
        COALESCE(GREATEST(s.day, s.last_issue + {DEAD_STOCK_DAYS}), s.day) AS dead_from) v
    CROSS JOIN LATERAL (VALUES
        (s.day, v.value, 0, 0),
        (s.until, -v.value, 0, 0),
        (v.slow_from, 0, CASE WHEN v.slow_from < s.until THEN v.value ELSE 0 END, 0),
        (s.until, 0, CASE WHEN v.slow_from < s.until THEN -v.value ELSE 0 END, 0),
        (v.dead_from, 0, 0, CASE WHEN v.dead_from < s.until THEN v.value ELSE 0 END),
        (s.until, 0, 0, CASE WHEN v.dead_from < s.until THEN -v.value ELSE 0 END)
    ) AS e(day, inventory, slow, dead)
    WHERE s.balance > 0 AND s.until > %(start)s::date AND e.day <= %(end)s::date
),
stock_delta AS (
    SELECT dealer_id, day, SUM(inventory) AS inventory, SUM(slow) AS slow, SUM(dead) AS dead
    FROM stock_event GROUP BY 1, 2
),
stock AS (
    SELECT g.dealer_id, g.day,
        SUM(COALESCE(sd.inventory, 0)) OVER w AS inventory_value,
        SUM(COALESCE(sd.slow, 0)) OVER w AS slow_moving_value,
        SUM(COALESCE(sd.dead, 0)) OVER w AS dead_stock_value
    FROM grid g
    LEFT JOIN stock_delta sd ON sd.dealer_id = g.dealer_id AND sd.day = g.day
    WINDOW w AS (PARTITION BY g.dealer_id ORDER BY g.day)
),
issue_day AS (
    SELECT dealer_id, day, SUM(issue_quantity * cost) AS issue_cost
    FROM ledger
    WHERE issue_quantity IS NOT NULL AND day >= %(start)s::date - {ISSUE_WINDOW_DAYS - 1}
    GROUP BY 1, 2
),
issues AS (
    SELECT * FROM (
        SELECT d.id AS dealer_id, g.day::date AS day,
            COALESCE(i.issue_cost, 0) AS issue_cost,
            SUM(COALESCE(i.issue_cost, 0)) OVER (
                PARTITION BY d.id ORDER BY g.day ROWS BETWEEN {ISSUE_WINDOW_DAYS - 1} PRECEDING AND CURRENT ROW
            ) AS issue_cost_90d
        FROM dealer d
        CROSS JOIN generate_series((%(start)s::date - {ISSUE_WINDOW_DAYS - 1})::timestamp, %(end)s::timestamp, interval '1 day') AS g(day)
        LEFT JOIN issue_day i ON i.dealer_id = d.id AND i.day = g.day::date
    ) AS windowed
    WHERE day >= %(start)s::date
)
INSERT INTO kpi_dealerdayfact ({columns})
SELECT g.dealer_id, g.day, now(), {values}
FROM grid g
{joins}
"""  # noqa: S608


ROLLUP_SQL = _build_sql()
DELETE_SQL = "DELETE FROM kpi_dealerdayfact WHERE dealer_id = ANY(%(ids)s) AND day BETWEEN %(start)s AND %(end)s"


def params(window: Window) -> dict:
    return {
        "ids": list(window.dealer_ids),
        "start": window.start,
        "end": window.end,
        "lo": window.lo,
        "hi": window.hi,
        "tz": window.tz_name,
        "ftf": list(FTF_TYPES),
        "nev": list(NEV),
        "accident": str(WorkOrderType.ACCIDENT),
        "delivered_status": str(WorkOrderStatus.DELIVERED),
        "cancelled": str(WorkOrderStatus.CANCELLED),
        "online": str(Channel.ONLINE),
        "comeback_days": comeback_days(),
        "returning_window": RETURNING_WINDOW,
        "urgent": str(PartsOrderKind.URGENT),
        "received": str(PartsOrderStatus.RECEIVED),
        "hv_code": HV_CERTIFICATION_CODE,
        "issue": str(MovementKind.ISSUE),
        "return": str(MovementKind.RETURN),
    }


def write(window: Window) -> int:
    """Replace the window's dealer-day rows; the caller holds the transaction and the lock."""
    p = params(window)
    with connection.cursor() as cursor:
        cursor.execute(DELETE_SQL, p)
        cursor.execute(ROLLUP_SQL, p)
        return cursor.rowcount
