"""kpi.selectors on fact rows written directly (the roll-up is tested elsewhere)."""

import datetime as dt
from decimal import Decimal

import pytest

from kpi.definitions import KPIS, get_kpi
from kpi.models import DealerDayFact, KpiTarget
from kpi.selectors import kpi_by_dealer, kpi_series, kpi_target, kpi_values
from tests.dealers.factories import DealerFactory, RegionFactory

pytestmark = pytest.mark.django_db
Q = Decimal


def facts(dealer, first: dt.date, last: dt.date, **measures):
    day = first
    while day <= last:
        DealerDayFact.objects.create(dealer=dealer, day=day, **measures)
        day += dt.timedelta(days=1)


def test_values_sum_the_period_and_compare_with_previous_and_last_year(dealer):
    # March 2025: 31 days × 2 on time of 4 promised = 50 %. February (previous 31 days: 29 Jan – 28 Feb,
    # only February has rows): 28 × 3 of 4 = 75 %. March 2024: 31 × 1 of 4 = 25 %.
    facts(dealer, dt.date(2025, 3, 1), dt.date(2025, 3, 31), on_time_count=2, promised_count=4, output_value=100)
    facts(dealer, dt.date(2025, 2, 1), dt.date(2025, 2, 28), on_time_count=3, promised_count=4)
    facts(dealer, dt.date(2024, 3, 1), dt.date(2024, 3, 31), on_time_count=1, promised_count=4)
    values = kpi_values(dealer_ids=[dealer.id], start=dt.date(2025, 3, 1), end=dt.date(2025, 3, 31),
                        codes=["on_time_rate", "output_value"])
    on_time = values["on_time_rate"]
    assert (on_time.numerator, on_time.denominator, on_time.value) == (62, 124, 50)
    assert (on_time.previous, on_time.last_year) == (75, 25)
    assert (on_time.change, on_time.change_last_year) == (-25, 25)
    assert (on_time.target, on_time.status) == (95, "red")
    assert values["output_value"].value == 3100 and values["output_value"].denominator is None
    assert list(values) == ["on_time_rate", "output_value"]


def test_values_without_compare_leave_comparisons_empty(dealer):
    facts(dealer, dt.date(2025, 3, 1), dt.date(2025, 3, 2), on_time_count=1, promised_count=1)
    value = kpi_values(dealer_ids=[dealer.id], start=dt.date(2025, 3, 1), end=dt.date(2025, 3, 2), compare=False)
    assert set(value) == {kpi.code for kpi in KPIS}
    assert value["on_time_rate"].previous is None and value["on_time_rate"].change is None


def test_values_take_three_queries_whatever_the_number_of_kpis_and_dealers(region, django_assert_max_num_queries):
    dealers = [DealerFactory(region=region) for _ in range(5)]
    for dealer in dealers:
        facts(dealer, dt.date(2025, 3, 1), dt.date(2025, 3, 10), delivered_count=3, output_value=900)
    with django_assert_max_num_queries(3):
        values = kpi_values(dealer_ids=[d.id for d in dealers], start=dt.date(2025, 3, 1), end=dt.date(2025, 3, 10))
    assert values["ro_count"].value == 150
    with django_assert_max_num_queries(3):
        league = kpi_by_dealer(dealer_ids=[d.id for d in dealers], start=dt.date(2025, 3, 1), end=dt.date(2025, 3, 10),
                               compare=True)
    assert {dealer_id: v["ro_count"].value for dealer_id, v in league.items()} == {d.id: 30 for d in dealers}
    with django_assert_max_num_queries(1):
        kpi_series(dealer_ids=[d.id for d in dealers], start=dt.date(2025, 1, 1), end=dt.date(2025, 3, 31), by="week")


def test_week_series_has_every_bucket_and_empty_ones_have_no_value(dealer):
    # Wednesday 5 March to Monday 24 March 2025: weeks of 3, 10, 17 and 24 March. Rows only on 5–9 March
    # (3 surveys a day, CSI 90) and 24 March.
    facts(dealer, dt.date(2025, 3, 5), dt.date(2025, 3, 9), survey_count=3, csi_sum=270)
    facts(dealer, dt.date(2025, 3, 24), dt.date(2025, 3, 24), survey_count=1, csi_sum=80)
    series = kpi_series(dealer_ids=[dealer.id], start=dt.date(2025, 3, 5), end=dt.date(2025, 3, 24),
                        codes=["csi", "ro_count"], by="week")
    assert [p.start for p in series["csi"]] == [dt.date(2025, 3, 3), dt.date(2025, 3, 10), dt.date(2025, 3, 17),
                                               dt.date(2025, 3, 24)]
    assert [p.value for p in series["csi"]] == [90, None, None, 80]
    assert [p.denominator for p in series["csi"]] == [15, 0, 0, 1]
    # A count with nothing rolled up in the bucket: no value either (not a zero that was never measured).
    assert [p.value for p in series["ro_count"]] == [0, None, None, 0]


def test_month_series_crosses_the_year_and_day_series_lists_every_day(dealer):
    facts(dealer, dt.date(2024, 12, 30), dt.date(2025, 1, 2), delivered_count=2)
    months = kpi_series(dealer_ids=[dealer.id], start=dt.date(2024, 11, 15), end=dt.date(2025, 2, 10),
                        codes=["ro_count"], by="month")["ro_count"]
    assert [(p.start, p.value) for p in months] == [
        (dt.date(2024, 11, 1), None), (dt.date(2024, 12, 1), 4), (dt.date(2025, 1, 1), 4), (dt.date(2025, 2, 1), None),
    ]
    days = kpi_series(dealer_ids=[dealer.id], start=dt.date(2024, 12, 29), end=dt.date(2025, 1, 3),
                      codes=["ro_count"])["ro_count"]
    assert [p.value for p in days] == [None, 2, 2, 2, 2, None]


def test_league_lists_every_dealer_asked_for_even_without_facts(dealer, other_dealer):
    facts(dealer, dt.date(2025, 3, 1), dt.date(2025, 3, 1), on_time_count=1, promised_count=2)
    league = kpi_by_dealer(dealer_ids=[dealer.id, other_dealer.id], start=dt.date(2025, 3, 1),
                           end=dt.date(2025, 3, 1), codes=["on_time_rate"])
    assert league[dealer.id]["on_time_rate"].value == 50
    assert league[other_dealer.id]["on_time_rate"].value is None


def test_targets_resolve_from_the_database(region):
    # Budgets: dealer A 310 000 for March 2025 and 90 000 a month otherwise; dealer B 62 000 for March.
    # 20 March – 9 April for A: 12 × 10 000 + 9 × 3 000 = 147 000.
    # CSI: region 95; dealer A 98. A alone → 98; B alone → 95; A and B → 95 (different dealer targets).
    a, b = DealerFactory(region=region), DealerFactory(region=region)
    march = dt.date(2025, 3, 1)
    KpiTarget.objects.create(kpi="output_value", dealer=a, month=march, value=310000)
    KpiTarget.objects.create(kpi="output_value", dealer=a, value=90000)
    KpiTarget.objects.create(kpi="output_value", dealer=b, month=march, value=62000)
    KpiTarget.objects.create(kpi="csi", region=region, value=95)
    KpiTarget.objects.create(kpi="csi", dealer=a, value=98)
    KpiTarget.objects.create(kpi="csi", region=RegionFactory(code="north", name="北区"), value=50)  # other region
    start, end = dt.date(2025, 3, 20), dt.date(2025, 4, 9)
    assert kpi_target(kpi=get_kpi("output_value"), dealer_ids=[a.id], start=start, end=end) == 147000
    # B has no April budget: no region budget either.
    assert kpi_target(kpi=get_kpi("output_value"), dealer_ids=[a.id, b.id], start=start, end=end) is None
    # Both in March only: 10 × 10 000 + 10 × 2 000.
    assert kpi_target(kpi=get_kpi("output_value"), dealer_ids=[a.id, b.id], start=dt.date(2025, 3, 1),
                      end=dt.date(2025, 3, 10)) == 120000
    csi = get_kpi("csi")
    assert kpi_target(kpi=csi, dealer_ids=[a.id], start=start, end=end) == 98
    assert kpi_target(kpi=csi, dealer_ids=[b.id], start=start, end=end) == 95
    assert kpi_target(kpi=csi, dealer_ids=[a.id, b.id], start=start, end=end) == 95
    league = kpi_by_dealer(dealer_ids=[a.id, b.id], start=start, end=end, codes=["csi", "output_value"])
    assert (league[a.id]["csi"].target, league[b.id]["csi"].target) == (98, 95)
    assert (league[a.id]["output_value"].target, league[b.id]["output_value"].target) == (147000, None)


def test_vs_last_year_target_comes_from_last_years_facts(dealer):
    # Cycle time March 2024: 40 h over 4 deliveries = 10 h; default target −20 % → 8 h. March 2025 is 9 h.
    facts(dealer, dt.date(2024, 3, 1), dt.date(2024, 3, 1), cycle_hours=40, delivered_count=4)
    facts(dealer, dt.date(2025, 3, 1), dt.date(2025, 3, 1), cycle_hours=36, delivered_count=4)
    start, end = dt.date(2025, 3, 1), dt.date(2025, 3, 31)
    value = kpi_values(dealer_ids=[dealer.id], start=start, end=end, codes=["avg_cycle_hours"], compare=False)
    assert (value["avg_cycle_hours"].value, value["avg_cycle_hours"].target) == (9, 8)
    assert value["avg_cycle_hours"].status == "red"  # lower is better; 9 > 8 + 5 %
    assert kpi_target(kpi=get_kpi("avg_cycle_hours"), dealer_ids=[dealer.id], start=start, end=end) == 8
    KpiTarget.objects.create(kpi="avg_cycle_hours", region=dealer.region, value=-10)
    assert kpi_target(kpi=get_kpi("avg_cycle_hours"), dealer_ids=[dealer.id], start=start, end=end) == 9


def test_selectors_refuse_bad_arguments(dealer):
    with pytest.raises(KeyError, match="unknown KPI 'nope'"):
        kpi_values(dealer_ids=[dealer.id], start=dt.date(2025, 3, 1), end=dt.date(2025, 3, 1), codes=["nope"])
    with pytest.raises(ValueError, match="after it ends"):
        kpi_values(dealer_ids=[dealer.id], start=dt.date(2025, 3, 2), end=dt.date(2025, 3, 1))
    with pytest.raises(ValueError, match="by must be one of"):
        kpi_series(dealer_ids=[dealer.id], start=dt.date(2025, 3, 1), end=dt.date(2025, 3, 1), by="quarter")
    with pytest.raises(TypeError, match="dealer_ids must be integers"):
        kpi_values(dealer_ids=["x"], start=dt.date(2025, 3, 1), end=dt.date(2025, 3, 1))


def test_no_dealers_gives_no_values_without_querying(django_assert_num_queries):
    with django_assert_num_queries(0):
        values = kpi_values(dealer_ids=[], start=dt.date(2025, 3, 1), end=dt.date(2025, 3, 1))
    assert values["ro_count"].value is None and values["csi"].target == Q("96.5")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kpi": "nope"}, "Unknown KPI"),
        ({"kpi": "ro_count"}, "has no target"),
        ({"kpi": "output_value"}, "budgets are set per dealer"),
        ({"kpi": "csi", "month": dt.date(2025, 3, 2)}, "first day"),
    ],
)
def test_target_rows_are_checked_against_the_definitions(region, fields, message):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match=message):
        KpiTarget(region=region, value=1, **fields).full_clean()
    KpiTarget(region=region, kpi="csi", value=95).full_clean()  # a region override of an absolute target
