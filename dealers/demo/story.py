"""The regional manager's story as curves over the period (f = 0 on the first day, 1 on the last).

Every figure the demo must show comes from here, next to the report's number it stands for
(/work/shared/seed/README.md). The other modules only sample from these curves, so tuning the story
means editing this file.
"""

from __future__ import annotations

# Work orders: about 150,000 for 24 dealers over 18 months, i.e. per dealer and day on average.
WORK_ORDERS_PER_DEALER_DAY = 150_000 / (24 * 547.5)

# Chinese calendar: the New Year holiday empties workshops in February, the year-end rush fills them.
MONTH_FACTOR = {1: 1.10, 2: 0.72, 3: 0.97, 4: 1.00, 5: 1.02, 6: 0.98, 7: 0.95, 8: 0.96, 9: 1.03, 10: 0.90,
                11: 1.03, 12: 1.08}
WEEKDAY_FACTOR = (0.94, 0.92, 0.93, 0.95, 1.0, 1.22, 1.04)  # Monday … Sunday; dealers open every day

# Relative daily volume by dealer kind and city tier (a tier-1 4S store is the reference).
STORE_VOLUME_BY_TIER = {1: 1.35, 2: 1.1, 3: 0.8, 4: 0.6}
KIND_VOLUME = {"4s": 1.0, "quick_repair": 0.55, "body_paint": 0.45, "nev_centre": 0.5}


def kind_trend(kind: str, f: float) -> float:
    """Volume growth over the period: body & paint capacity +30 %, NEV centres grow with the NEV park."""
    if kind == "body_paint":
        return 0.85 + 0.3 * f
    if kind == "nev_centre":
        return 0.45 + 1.3 * f
    return 0.97 + 0.06 * f


NEW_OUTLET_RAMP_DAYS = 75  # a new quick-repair outlet reaches its normal volume in about 2½ months


# Work-order types by dealer kind (percent); accident work grows (report: accident share raised).
TYPE_MIX = {
    "4s": {"maintenance": 50, "repair": 21, "accident": 12, "warranty": 8, "recall": 3, "pdi": 6},
    "quick_repair": {"maintenance": 70, "repair": 26, "accident": 4, "warranty": 0, "recall": 0, "pdi": 0},
    "body_paint": {"maintenance": 4, "repair": 8, "accident": 88, "warranty": 0, "recall": 0, "pdi": 0},
    "nev_centre": {"maintenance": 38, "repair": 26, "accident": 6, "warranty": 18, "recall": 6, "pdi": 6},
}


def accident_factor(f: float) -> float:
    return 0.9 + 0.4 * f


# NEV share of work orders: 5 % → 22 % for the region (NEV centres see NEVs only).
def nev_share(f: float) -> float:
    return 0.05 + 0.17 * f


# Online booking: → 45 % of work orders opened; fleet contracts grow; insurers refer accident repairs.
def online_share(f: float) -> float:
    return 0.19 + 0.26 * f


def fleet_share(f: float) -> float:
    return 0.05 + 0.08 * f


INSURANCE_SHARE_OF_ACCIDENTS = 0.6


# Returning vehicles: the chance a visit is by a car the dealer already knows (report: 58 %, up 12).
def returning_share(f: float) -> float:
    return 0.50 + 0.14 * f


# Workshop process.
def efficiency(f: float) -> float:
    """Flat-rate hours sold / hours worked on labour lines: 107 % → 117 % (guideline 105–120 %)."""
    return 1.07 + 0.10 * f


def cycle_factor(f: float) -> float:
    """Queueing, hand-over and pick-up waits shrink a little; with fewer and shorter waits for parts the
    average cycle shortens by about 20 %."""
    return 1.0 - 0.16 * f


def on_time_rate(f: float) -> float:
    return 0.895 + 0.05 * f


def urgent_order_hours(f: float) -> float:
    """Median hours ordered → received of urgent parts orders: about 60 h at the start, under 48 h at the end."""
    return 58.0 - 20.0 * f


def comeback_rate(f: float) -> float:
    """Share of repair/warranty work orders that come back within 30 days; first-time fix ≈ 92 %."""
    return 0.115 - 0.05 * f


def cancel_rate(channel: str) -> float:
    return 0.045 if channel == "online" else 0.008


def ext_warranty_rate(f: float) -> float:
    """Extended warranty sold on visits of cars under 3 years: 8 % → 17 % (target 15 %)."""
    return 0.08 + 0.09 * f


# Parts: the fill rate of parts lines climbs 78 % → 95 % as dealers stock the right range.
def fill_rate(f: float) -> float:
    return 0.78 + 0.17 * f


STOCK_AVAILABILITY = 0.985  # share of requests for a stocked part the shelf covers (calibrated)
TRANSFER_SHARE = 0.02  # back-orders covered by a transfer from a nearby dealer instead of an urgent order


# Customer feedback.
SURVEY_RATE = 0.6


def survey_shortfall(f: float) -> dict[str, float]:
    """Chance a survey dimension is below 100, by dimension: CSI ≈ 95 → 98, with attitude, price
    transparency and on-time above 98 at the end."""
    return {
        "attitude_score": 0.13 - 0.09 * f,
        "price_transparency_score": 0.15 - 0.10 * f,
        "on_time_score": 0.14 - 0.09 * f,
        "quality_score": 0.22 - 0.09 * f,
        "facility_score": 0.32 - 0.07 * f,
    }


def promoter_share(f: float) -> float:
    return 0.58 + 0.08 * f


def detractor_share(f: float) -> float:
    return 0.10 - 0.03 * f


# Complaints fall by about 40 % (first 6 months vs last 6), are resolved within 48 h ≈ 90 %, and are
# (almost) never escalated at the end.
def complaint_rate(f: float) -> float:
    """Complaints per delivered work order."""
    return 0.0105 * (1.0 - 0.56 * f)


def resolved_48h_rate(f: float) -> float:
    return 0.85 + 0.1 * f


def escalation_rate(f: float) -> float:
    return 0.06 * (1.0 - f) ** 3


# Technicians: about 60 % hold a valid HV certificate at the start, ~100 % at the end.
HV_COVERAGE_START = 0.6


def hv_coverage(f: float) -> float:
    return min(1.0, HV_COVERAGE_START + (1.0 - HV_COVERAGE_START) * min(1.0, f * 1.08))


# Output-value budgets: dealers land around 95–110 % of them.
BUDGET_ACHIEVEMENT = (0.99, 1.06)
