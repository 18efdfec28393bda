"""Every KPI of the glossary, defined once: code, names, unit, direction, numerator, denominator, target.

A KPI's value over any set of dealers and days is

    scale × Σ(numerator terms) / Σ(denominator)

summed over kpi.models.DealerDayFact rows. A KPI with no denominator is a plain total (output value,
work orders). An empty denominator gives no value (None), never zero. Everything that shows a KPI —
dashboards, API, digests — reads these objects; nothing restates a formula.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Unit(StrEnum):
    CNY = "CNY"
    PERCENT = "%"
    PERMILLE = "‰"
    COUNT = "count"
    HOURS = "h"
    DAYS = "days"
    SCORE = "score"
    POINTS = "points"
    TURNS = "turns/yr"


class Direction(StrEnum):
    HIGHER = "higher"
    LOWER = "lower"
    NEUTRAL = "neutral"


class TargetKind(StrEnum):
    ABSOLUTE = "absolute"  # the target is a value of the KPI's unit
    VS_LAST_YEAR = "vs_last_year"  # the target is a relative change against the same period last year
    BUDGET = "budget"  # per dealer and month, summed over the period (output value)
    NONE = "none"


@dataclass(frozen=True)
class KpiDefinition:
    code: str
    name: Promise
    unit: Unit
    direction: Direction
    numerator: tuple[tuple[str, int], ...]  # (DealerDayFact field, +1 or −1)
    denominator: str | None
    description: Promise
    formula: str
    scale: Decimal = Decimal(1)
    target: Decimal | None = None
    target_kind: TargetKind = TargetKind.ABSOLUTE
    headline: bool = False
    decimals: int = 1
    measures: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        fields = tuple(name for name, _sign in self.numerator)
        object.__setattr__(self, "measures", fields + ((self.denominator,) if self.denominator else ()))

    def numerator_of(self, sums: dict[str, Decimal | int | None]) -> Decimal:
        return sum((Decimal(sums.get(name) or 0) * sign for name, sign in self.numerator), Decimal(0))

    def denominator_of(self, sums: dict[str, Decimal | int | None]) -> Decimal | None:
        return Decimal(sums.get(self.denominator) or 0) if self.denominator else None

    def value(self, numerator: Decimal, denominator: Decimal | None) -> Decimal | None:
        """scale × numerator / denominator; None when the denominator is empty."""
        if self.denominator is None:
            return self.scale * numerator
        if not denominator:
            return None
        return self.scale * numerator / denominator

    def status(self, value: Decimal | None, target: Decimal | None, amber_band: Decimal = Decimal("0.05")) -> str:
        """'green' when the target is met, 'amber' within 5 % of it, 'red' beyond; '' without both."""
        if value is None or target is None or self.direction is Direction.NEUTRAL:
            return ""
        if self.direction is Direction.HIGHER:
            if value >= target:
                return "green"
            return "amber" if value >= target - abs(target) * amber_band else "red"
        if value <= target:
            return "green"
        return "amber" if value <= target + abs(target) * amber_band else "red"


def _kpi(**kwargs) -> KpiDefinition:
    return KpiDefinition(**kwargs)


HUNDRED = Decimal(100)

KPIS: tuple[KpiDefinition, ...] = (
    _kpi(code="output_value", name=_("Output value"), unit=Unit.CNY, direction=Direction.HIGHER,
         numerator=(("output_value", 1),), denominator=None, target_kind=TargetKind.BUDGET, headline=True,
         decimals=0, formula="Σ labour + parts amount of work orders delivered",
         description=_("Invoiced labour and parts of the work orders delivered, excluding tax.")),
    _kpi(code="gross_margin", name=_("Gross margin"), unit=Unit.PERCENT, direction=Direction.HIGHER,
         numerator=(("gross_profit", 1),), denominator="output_value", scale=HUNDRED, target=Decimal(40),
         formula="(output value − parts cost − labour cost) / output value",
         description=_("Output value less parts cost and labour cost at the dealer's hourly cost rate, as a share of output value.")),
    _kpi(code="ro_count", name=_("Work orders delivered"), unit=Unit.COUNT, direction=Direction.HIGHER,
         numerator=(("delivered_count", 1),), denominator=None, target_kind=TargetKind.NONE, decimals=0,
         formula="work orders delivered",
         description=_("Work orders that reached delivery on the day.")),
    _kpi(code="avg_cycle_hours", name=_("Average work-order cycle"), unit=Unit.HOURS, direction=Direction.LOWER,
         numerator=(("cycle_hours", 1),), denominator="delivered_count", target=Decimal(-20),
         target_kind=TargetKind.VS_LAST_YEAR, formula="Σ hours from opening to delivery / work orders delivered",
         description=_("Hours from opening to delivery, averaged over the work orders delivered.")),
    _kpi(code="on_time_rate", name=_("On-time delivery rate"), unit=Unit.PERCENT, direction=Direction.HIGHER,
         numerator=(("on_time_count", 1),), denominator="promised_count", scale=HUNDRED, target=Decimal(95),
         formula="delivered no later than promised / delivered with a promise",
         description=_("Work orders delivered no later than the promised time, among those with a promise.")),
    _kpi(code="first_time_fix_rate", name=_("First-time-fix rate"), unit=Unit.PERCENT, direction=Direction.HIGHER,
         numerator=(("ftf_ok", 1),), denominator="ftf_eligible", scale=HUNDRED, target=Decimal(92), headline=True,
         formula="repair and warranty work orders with no comeback within 30 days / repair and warranty work orders delivered",
         description=_("Repair and warranty work orders delivered that saw no comeback opened within 30 days.")),
    _kpi(code="csi", name=_("Customer satisfaction (CSI)"), unit=Unit.SCORE, direction=Direction.HIGHER,
         numerator=(("csi_sum", 1),), denominator="survey_count", target=Decimal("96.5"), headline=True,
         formula="Σ survey CSI scores / surveys answered",
         description=_("Mean CSI of the surveys answered on the day; a survey's CSI is the weighted mean of its dimension scores.")),
    _kpi(code="nps", name=_("Net promoter score"), unit=Unit.POINTS, direction=Direction.HIGHER,
         numerator=(("promoters", 1), ("detractors", -1)), denominator="survey_count", scale=HUNDRED, target=Decimal(50),
         formula="(promoters 9–10 − detractors 0–6) / surveys answered",
         description=_("Promoters (9–10) less detractors (0–6), per hundred surveys answered.")),
    _kpi(code="complaint_rate", name=_("Complaint rate"), unit=Unit.PERMILLE, direction=Direction.LOWER,
         numerator=(("complaints_opened", 1),), denominator="delivered_count", scale=Decimal(1000),
         target=Decimal(-40), target_kind=TargetKind.VS_LAST_YEAR, decimals=2,
         formula="complaints opened × 1000 / work orders delivered",
         description=_("Complaints opened per thousand work orders delivered.")),
    _kpi(code="complaint_48h_rate", name=_("Complaints resolved within 48 h"), unit=Unit.PERCENT,
         direction=Direction.HIGHER, numerator=(("complaints_resolved_48h", 1),), denominator="complaints_opened",
         scale=HUNDRED, target=Decimal(90), headline=True,
         formula="complaints opened that were resolved within 48 h / complaints opened",
         description=_("Complaints opened on the day that were resolved within 48 hours.")),
    _kpi(code="complaint_closure_hours", name=_("Complaint closure time"), unit=Unit.HOURS,
         direction=Direction.LOWER, numerator=(("closure_hours", 1),), denominator="complaints_closed",
         target=Decimal(48), formula="Σ hours opened → closed / complaints closed",
         description=_("Hours from opening to closure, averaged over the complaints closed on the day.")),
    _kpi(code="escalation_count", name=_("Complaints escalated to headquarters"), unit=Unit.COUNT,
         direction=Direction.LOWER, numerator=(("escalated_count", 1),), denominator=None, target=Decimal(0),
         decimals=0, formula="complaints escalated to headquarters",
         description=_("Complaints escalated to headquarters on the day.")),
    _kpi(code="fill_rate", name=_("Parts fill rate"), unit=Unit.PERCENT, direction=Direction.HIGHER,
         numerator=(("parts_lines_filled", 1),), denominator="parts_lines_requested", scale=HUNDRED,
         target=Decimal(95), headline=True, formula="parts lines filled from stock at request / parts lines requested",
         description=_("Parts lines that the dealer's stock covered when they were requested.")),
    _kpi(code="parts_turnover", name=_("Parts turnover"), unit=Unit.TURNS, direction=Direction.HIGHER,
         numerator=(("issue_cost", 1),), denominator="inventory_value", scale=Decimal(365), target=Decimal(6),
         headline=True, decimals=2,
         formula="cost of parts issued × 365 / days / average inventory value",
         description=_("Cost of parts issued, annualised, over the average inventory value of the daily snapshots.")),
    _kpi(code="days_of_supply", name=_("Days of supply"), unit=Unit.DAYS, direction=Direction.LOWER,
         numerator=(("inventory_value", 1),), denominator="issue_cost_90d", scale=Decimal(90), target=Decimal(60),
         formula="inventory value / average daily issue cost over the trailing 90 days",
         description=_("How many days the stock would last at the issue rate of the last 90 days.")),
    _kpi(code="slow_moving_share", name=_("Slow-moving stock share"), unit=Unit.PERCENT, direction=Direction.LOWER,
         numerator=(("slow_moving_value", 1),), denominator="inventory_value", scale=HUNDRED, target=Decimal(8),
         headline=True, formula="value of stocked parts with no issue in 180 days / inventory value",
         description=_("Value of stocked parts not issued for 180 days, as a share of inventory value.")),
    _kpi(code="dead_stock_share", name=_("Dead stock share"), unit=Unit.PERCENT, direction=Direction.LOWER,
         numerator=(("dead_stock_value", 1),), denominator="inventory_value", scale=HUNDRED, target=Decimal(2),
         formula="value of stocked parts with no issue in 365 days / inventory value",
         description=_("Value of stocked parts not issued for 365 days, as a share of inventory value.")),
    _kpi(code="urgent_order_hours", name=_("Urgent order lead time"), unit=Unit.HOURS, direction=Direction.LOWER,
         numerator=(("urgent_hours", 1),), denominator="urgent_received", target=Decimal(48),
         formula="Σ hours ordered → received of urgent parts orders received / their count",
         description=_("Hours from order to receipt, averaged over the urgent parts orders received on the day.")),
    _kpi(code="nev_share", name=_("NEV share of work orders"), unit=Unit.PERCENT, direction=Direction.NEUTRAL,
         numerator=(("nev_count", 1),), denominator="delivered_count", scale=HUNDRED, target_kind=TargetKind.NONE,
         headline=True, formula="work orders delivered on NEV vehicles / work orders delivered",
         description=_("Work orders delivered on new-energy vehicles (BEV, PHEV, EREV, FCEV).")),
    _kpi(code="hv_cert_coverage", name=_("HV certification coverage"), unit=Unit.PERCENT, direction=Direction.HIGHER,
         numerator=(("technicians_hv", 1),), denominator="technicians_active", scale=HUNDRED, target=Decimal(100),
         headline=True, formula="active technicians holding a valid HV certification / active technicians",
         description=_("Active technicians holding a valid high-voltage certification on the day.")),
    _kpi(code="online_share", name=_("Online service share"), unit=Unit.PERCENT, direction=Direction.HIGHER,
         numerator=(("online_opened", 1),), denominator="opened_count", scale=HUNDRED, target=Decimal(45),
         headline=True, formula="work orders opened from online booking / work orders opened",
         description=_("Work orders opened from an online booking.")),
    _kpi(code="returning_share", name=_("Returning customers' share"), unit=Unit.PERCENT,
         direction=Direction.HIGHER, numerator=(("returning_count", 1),), denominator="delivered_count",
         scale=HUNDRED, target=Decimal(58),
         formula="work orders delivered whose customer had a delivered work order in the last 365 days / work orders delivered",
         description=_("Work orders delivered to customers who had another delivered in the previous 365 days.")),
    _kpi(code="ext_warranty_rate", name=_("Extended-warranty penetration"), unit=Unit.PERCENT,
         direction=Direction.HIGHER, numerator=(("ext_sold", 1),), denominator="ext_eligible", scale=HUNDRED,
         target=Decimal(15), formula="work orders where an extended warranty was sold / eligible work orders (vehicle under 3 years)",
         description=_("Extended warranties sold on work orders of vehicles under three years old.")),
    _kpi(code="accident_share", name=_("Accident repair share"), unit=Unit.PERCENT, direction=Direction.HIGHER,
         numerator=(("accident_count", 1),), denominator="delivered_count", scale=HUNDRED, target=Decimal(20),
         formula="accident work orders delivered / work orders delivered",
         description=_("Accident and body & paint work orders among those delivered.")),
    _kpi(code="labour_efficiency", name=_("Technician efficiency"), unit=Unit.PERCENT, direction=Direction.HIGHER,
         numerator=(("flat_rate_hours", 1),), denominator="actual_hours", scale=HUNDRED, target=Decimal(110),
         formula="flat-rate hours sold / actual hours",
         description=_("Flat-rate hours sold per hour actually worked on the work orders delivered.")),
    _kpi(code="bay_utilisation", name=_("Bay utilisation"), unit=Unit.PERCENT, direction=Direction.HIGHER,
         numerator=(("actual_hours", 1),), denominator="capacity_hours", scale=HUNDRED, target=Decimal(85),
         formula="actual labour hours / (bays × opening hours)",
         description=_("Actual labour hours over the workshop's capacity of bays × opening hours.")),
)

KPI_BY_CODE: dict[str, KpiDefinition] = {kpi.code: kpi for kpi in KPIS}
HEADLINE_KPIS: tuple[KpiDefinition, ...] = tuple(kpi for kpi in KPIS if kpi.headline)
# Every DealerDayFact measure some KPI reads; the selector sums exactly these.
MEASURES: tuple[str, ...] = tuple(dict.fromkeys(m for kpi in KPIS for m in kpi.measures))


def get_kpi(code: str) -> KpiDefinition:
    try:
        return KPI_BY_CODE[code]
    except KeyError:
        raise KeyError(f"unknown KPI {code!r}; known: {', '.join(KPI_BY_CODE)}") from None
