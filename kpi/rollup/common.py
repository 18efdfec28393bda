"""Rules shared by both roll-up engines, and the window of work they are given.

The rules (issue 3, glossary):
- Days are calendar days in the dealer's region's time zone; timestamps are stored in UTC.
- Cancelled work orders count nowhere: not as delivered, opened, comeback, parts lines or surveys.
- Delivered: status delivered, on delivered_at's local day. Opened: every non-cancelled work order (booked
  ones included: opened_at is when the work order was written), on opened_at's local day.
- Comeback: a non-cancelled work order whose comeback_of is the original, opened on or before the
  KPI_COMEBACK_DAYS-th local calendar day after the original's delivery day (30 days after: counts; 31: not).
- Returning customer: the customer had another delivered work order whose delivered_at is earlier and at
  most 365 × 24 h before this one's. A customer is a dealer's own record, and services, forms, the
  ingest API and WorkOrder.clean give a work order only its dealer's customers, so all of a customer's
  work orders are that dealer's: the SQL engine looks among the dealer's own deliveries (a long window
  holds them already), the ORM engine among the customer's, with the same result.
- Extended-warranty eligibility: the vehicle is under 3 years old on the local opening day, counted from
  first_registered_on, or from 1 January of model_year when the registration date is unknown
  (i.e. model_year ≥ opening year − 2). "Under 3 years" compares calendar dates as YYYYMMDD numbers, so a
  29 February registration turns 3 on 1 March.
- Capacity: bays × (closes_at − opens_at) on every day with opened_on ≤ day (or no opened_on) for an
  active dealer.
- Technicians as of a day: hired_on ≤ day (or unknown), left_on after the day (or none), and either
  active or with a leaving date — a leaver is usually also marked inactive, and must still count on the
  days they worked (a past day's coverage must not change when someone leaves later); an inactive
  record without a leaving date has no known employment and counts on no day. HV: a certification of
  type HV_CERTIFICATION_CODE with issued_on ≤ day < expires_on.
- Inventory as of a day: Σ of the ledger (parts.StockMovement.quantity) up to the end of the local day, per
  dealer and part, valued at the part's current cost (Part.cost: one valuation for stock and issues, so
  turnover and days of supply compare like with like; the ledger's unit_cost varies with the document
  that wrote it). Balances are not clamped: parts.services never lets one go below zero, and summing
  as they are keeps the daily value a running sum of the ledger.
- Issue cost of a day: cost of the quantity issued to work orders less the quantity returned from them.
  issue_cost_90d: the issue cost of the 90 local days ending with the day.
- Slow-moving / dead stock: the value of the stock of parts with no movement of kind issue for that dealer
  and part on any of the 180 / 365 local days ending with the day (a part never issued counts from its
  first receipt).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.conf import settings

from workorders.choices import FIRST_TIME_FIX_TYPES, NEV_POWERTRAINS

SLOW_MOVING_DAYS = 180
DEAD_STOCK_DAYS = 365
ISSUE_WINDOW_DAYS = 90
RETURNING_WINDOW = dt.timedelta(days=365)
EXT_WARRANTY_YEARS = 3

FTF_TYPES = tuple(sorted(str(t) for t in FIRST_TIME_FIX_TYPES))
NEV = tuple(sorted(str(p) for p in NEV_POWERTRAINS))

# DealerDayFact's measure columns and the decimal places each is stored with (0 = integer).
FACT_FIELDS: dict[str, int] = {
    "delivered_count": 0, "output_value": 2, "gross_profit": 2, "cycle_hours": 2, "promised_count": 0,
    "on_time_count": 0, "ftf_eligible": 0, "ftf_ok": 0, "nev_count": 0, "returning_count": 0,
    "accident_count": 0, "flat_rate_hours": 2, "actual_hours": 2, "capacity_hours": 2, "opened_count": 0,
    "online_opened": 0, "ext_eligible": 0, "ext_sold": 0, "survey_count": 0, "csi_sum": 3, "promoters": 0,
    "detractors": 0, "complaints_opened": 0, "complaints_resolved_48h": 0, "complaints_closed": 0,
    "closure_hours": 2, "escalated_count": 0, "parts_lines_requested": 0, "parts_lines_filled": 0,
    "issue_cost": 2, "issue_cost_90d": 2, "inventory_value": 2, "slow_moving_value": 2, "dead_stock_value": 2,
    "urgent_received": 0, "urgent_hours": 2, "technicians_active": 0, "technicians_hv": 0,
}


def comeback_days() -> int:
    return int(settings.KPI_COMEBACK_DAYS)


def stored(field: str, value: object) -> int | Decimal:
    """A measure as the column stores it; decimals round half away from zero, as PostgreSQL's numeric does."""
    places = FACT_FIELDS[field]
    if places == 0:
        return int(value or 0)  # type: ignore[call-overload]
    return Decimal(value or 0).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)  # type: ignore[arg-type]


def hours(microseconds: int | Decimal) -> Decimal:
    return Decimal(microseconds) / Decimal(3_600_000_000)


def local_midnight(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=tz)


@dataclass(frozen=True)
class Window:
    """What one engine call computes: these dealers (all in one time zone), the local days [start, end]."""

    tz_name: str
    dealer_ids: tuple[int, ...]
    start: dt.date
    end: dt.date

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.tz_name)

    @property
    def lo(self) -> dt.datetime:
        """The first instant of `start`, local time."""
        return local_midnight(self.start, self.tz)

    @property
    def hi(self) -> dt.datetime:
        """The first instant after `end`, local time."""
        return local_midnight(self.end + dt.timedelta(days=1), self.tz)

    @property
    def days(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=i) for i in range((self.end - self.start).days + 1)]
