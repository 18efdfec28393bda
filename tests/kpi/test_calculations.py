"""Pure KPI arithmetic: no database."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest

from kpi.calculations import (
    Sums,
    TargetTable,
    bucket_starts,
    kpi_numbers,
    kpi_value,
    last_year_period,
    months_covered,
    previous_period,
    resolve_target,
    shift_years,
)
from kpi.definitions import KPI_BY_CODE, KPIS, MEASURES, get_kpi

D = Decimal


def sums(rows=1, **measures):
    return Sums(rows=rows, measures={k: D(v) for k, v in measures.items()})


def target_row(kpi, value, *, dealer=None, region=None, month=None):
    return SimpleNamespace(kpi=kpi, dealer_id=dealer, region_id=region, month=month, value=D(value))


# --- definitions -------------------------------------------------------------------------------


def test_every_kpi_reads_only_fact_measures():
    from kpi.models import DealerDayFact

    columns = {f.name for f in DealerDayFact._meta.get_fields()}
    assert len(KPIS) == 26
    assert set(MEASURES) <= columns


def test_unknown_code_names_the_known_ones():
    with pytest.raises(KeyError, match="unknown KPI 'nope'"):
        get_kpi("nope")


# --- values ------------------------------------------------------------------------------------


def test_ratio_is_sum_over_sum_not_mean_of_ratios():
    # Dealer A: 9 of 10 on time (90 %); dealer B: 0 of 1 (0 %). Together 9 / 11 = 81.8 %, not (90 + 0) / 2.
    kpi = get_kpi("on_time_rate")
    a = sums(on_time_count=9, promised_count=10)
    b = sums(on_time_count=0, promised_count=1)
    together = sums(rows=2, on_time_count=9, promised_count=11)
    value = kpi_numbers(kpi, together)[2]
    mean = (kpi_numbers(kpi, a)[2] + kpi_numbers(kpi, b)[2]) / 2
    assert value == D(900) / D(11)
    assert mean == D(45)
    assert value != mean


def test_empty_denominator_gives_no_value_not_zero():
    numerator, denominator, value = kpi_numbers(get_kpi("gross_margin"), sums(gross_profit=0, output_value=0))
    assert (numerator, denominator, value) == (D(0), D(0), None)


def test_plain_total_is_zero_on_a_rolled_up_day_and_none_without_rows():
    ro_count = get_kpi("ro_count")
    assert kpi_numbers(ro_count, sums(delivered_count=0))[2] == D(0)
    assert kpi_numbers(ro_count, Sums.empty()) == (D(0), None, None)


def test_nps_subtracts_detractors_per_hundred_surveys():
    # 2 promoters, 1 detractor, 4 surveys: (2 − 1) / 4 × 100 = 25 points.
    assert kpi_numbers(get_kpi("nps"), sums(promoters=2, detractors=1, survey_count=4))[2] == D(25)


def test_value_compares_with_previous_and_last_year():
    kpi = get_kpi("on_time_rate")
    value = kpi_value(
        kpi,
        sums(on_time_count=9, promised_count=10),
        target=D(95),
        previous=sums(on_time_count=8, promised_count=10),
        last_year=sums(on_time_count=0, promised_count=0),
    )
    assert value.value == D(90)
    assert value.previous == D(80)
    assert value.change == D(10)
    assert value.last_year is None and value.change_last_year is None
    assert value.status == "red"  # 90 < 95 − 5 % of 95 = 90.25


@pytest.mark.parametrize(
    ("code", "value", "target", "status"),
    [
        ("csi", "96.5", "96.5", "green"),
        ("csi", "92", "96.5", "amber"),  # within 5 % of 96.5 (≥ 91.675)
        ("csi", "91", "96.5", "red"),
        ("avg_cycle_hours", "8", "8", "green"),  # lower is better
        ("avg_cycle_hours", "8.3", "8", "amber"),
        ("avg_cycle_hours", "9", "8", "red"),
        ("escalation_count", "0", "0", "green"),
        ("escalation_count", "1", "0", "red"),
        ("nev_share", "22", None, ""),
    ],
)
def test_status_follows_direction(code, value, target, status):
    assert get_kpi(code).status(D(value), D(target) if target else None) == status


# --- periods -----------------------------------------------------------------------------------


def test_previous_period_has_the_same_length():
    assert previous_period(dt.date(2025, 3, 1), dt.date(2025, 3, 31)) == (dt.date(2025, 1, 29), dt.date(2025, 2, 28))


def test_last_year_of_29_february_is_28_february():
    assert shift_years(dt.date(2024, 2, 29), -1) == dt.date(2023, 2, 28)
    assert last_year_period(dt.date(2024, 2, 1), dt.date(2024, 2, 29)) == (dt.date(2023, 2, 1), dt.date(2023, 2, 28))


def test_week_buckets_start_on_monday_and_cover_the_period():
    # 2025-03-05 is a Wednesday; the period ends on Monday 2025-03-24.
    assert bucket_starts(dt.date(2025, 3, 5), dt.date(2025, 3, 24), "week") == [
        dt.date(2025, 3, 3), dt.date(2025, 3, 10), dt.date(2025, 3, 17), dt.date(2025, 3, 24),
    ]


def test_month_buckets_cross_the_year():
    assert bucket_starts(dt.date(2024, 11, 15), dt.date(2025, 2, 1), "month") == [
        dt.date(2024, 11, 1), dt.date(2024, 12, 1), dt.date(2025, 1, 1), dt.date(2025, 2, 1),
    ]


def test_unknown_bucket_is_refused():
    with pytest.raises(ValueError, match="by must be one of day, week, month"):
        bucket_starts(dt.date(2025, 1, 1), dt.date(2025, 1, 2), "year")


def test_period_ending_before_it_starts_is_refused():
    with pytest.raises(ValueError, match="starts .* after it ends"):
        months_covered(dt.date(2025, 2, 1), dt.date(2025, 1, 1))


def test_months_covered_counts_days_in_each_month():
    assert months_covered(dt.date(2025, 3, 20), dt.date(2025, 4, 9)) == [
        (dt.date(2025, 3, 1), 12, 31), (dt.date(2025, 4, 1), 9, 30),
    ]


# --- targets -----------------------------------------------------------------------------------

REGIONS = {1: 10, 2: 10, 3: 20}  # dealers 1 and 2 in region 10, dealer 3 in region 20
MARCH = dt.date(2025, 3, 1)
APRIL = dt.date(2025, 4, 1)


def resolve(code, dealers, start, end, rows, last_year_value=None):
    return resolve_target(
        KPI_BY_CODE[code], dealer_ids=dealers, dealer_regions=REGIONS, start=start, end=end,
        table=TargetTable.build(rows), last_year_value=last_year_value,
    )


def test_budget_is_prorated_by_days_of_each_month():
    # Dealer 1: March budget 310 000 (10 000 a day), no April row but a standing monthly budget of 90 000
    # (3 000 a day). 20 March – 9 April: 12 March days × 10 000 + 9 April days × 3 000 = 147 000.
    rows = [target_row("output_value", 310000, dealer=1, month=MARCH), target_row("output_value", 90000, dealer=1)]
    assert resolve("output_value", [1], dt.date(2025, 3, 20), dt.date(2025, 4, 9), rows) == D(147000)


def test_budget_sums_dealers_and_needs_every_dealer():
    rows = [target_row("output_value", 310000, dealer=1, month=MARCH), target_row("output_value", 62000, dealer=2)]
    # One March day: 10 000 + 2 000.
    assert resolve("output_value", [1, 2], dt.date(2025, 3, 5), dt.date(2025, 3, 5), rows) == D(12000)
    # Dealer 3 has no budget: a partial sum would flatter the region, so there is none.
    assert resolve("output_value", [1, 2, 3], dt.date(2025, 3, 5), dt.date(2025, 3, 5), rows) is None


def test_absolute_target_most_specific_wins():
    rows = [
        target_row("csi", 95, region=10),
        target_row("csi", 94, region=10, month=MARCH),
        target_row("csi", 98, dealer=1),
        target_row("csi", 99, dealer=1, month=MARCH),
    ]
    march = (dt.date(2025, 3, 1), dt.date(2025, 3, 31))
    april = (dt.date(2025, 4, 1), dt.date(2025, 4, 30))
    assert resolve("csi", [1], *march, rows) == D(99)  # dealer + month
    assert resolve("csi", [1], *april, rows) == D(98)  # dealer
    assert resolve("csi", [2], *march, rows) == D(94)  # region + month
    assert resolve("csi", [2], *april, rows) == D(95)  # region
    assert resolve("csi", [3], *april, rows) == D("96.5")  # definition default


def test_several_dealers_with_different_overrides_take_the_region_target():
    rows = [target_row("csi", 95, region=10), target_row("csi", 98, dealer=1)]
    assert resolve("csi", [1, 2], dt.date(2025, 4, 1), dt.date(2025, 4, 30), rows) == D(95)
    same = [*rows, target_row("csi", 98, dealer=2)]
    assert resolve("csi", [1, 2], dt.date(2025, 4, 1), dt.date(2025, 4, 30), same) == D(98)
    # Dealers of two regions with different region targets: the default.
    assert resolve("csi", [1, 3], dt.date(2025, 4, 1), dt.date(2025, 4, 30), rows) == D("96.5")


def test_target_spanning_months_is_day_weighted():
    # 30 March – 2 April: 2 days at 90 (March override) and 2 days at the default 95 → 92.5.
    rows = [target_row("fill_rate", 90, region=10, month=MARCH)]
    assert resolve("fill_rate", [1], dt.date(2025, 3, 30), dt.date(2025, 4, 2), rows) == D("92.5")


def test_vs_last_year_target_applies_the_change_to_last_years_value():
    # Default −20 %: last year's 10 h becomes 8 h; a region override of −50 % on complaints makes 4 ‰ → 2 ‰.
    assert resolve("avg_cycle_hours", [1], MARCH, dt.date(2025, 3, 31), [], last_year_value=D(10)) == D(8)
    rows = [target_row("complaint_rate", -50, region=10)]
    assert resolve("complaint_rate", [1, 2], MARCH, dt.date(2025, 3, 31), rows, last_year_value=D(4)) == D(2)
    assert resolve("avg_cycle_hours", [1], MARCH, dt.date(2025, 3, 31), [], last_year_value=None) is None


def test_kpis_without_target_have_none():
    assert resolve("ro_count", [1], MARCH, APRIL, []) is None
    assert resolve("nev_share", [1], MARCH, APRIL, []) is None
