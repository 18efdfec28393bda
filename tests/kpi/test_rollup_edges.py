"""The roll-up's edges: local days, late data, empty days, scope, bad input."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from kpi.models import DealerDayFact
from kpi.selectors import kpi_by_dealer, kpi_values
from kpi.services import RollupError, kpi_rollup, kpi_rollup_trailing
from tests.dealers.factories import DealerFactory, RegionFactory
from tests.workorders.factories import SurveyFactory, VehicleFactory, WorkOrderFactory
from workorders.choices import WorkOrderStatus

from .scenarios import D, day, delivered, local

pytestmark = pytest.mark.django_db
UTC = dt.UTC


def fact(dealer, when):
    return DealerDayFact.objects.get(dealer=dealer, day=when)


def test_delivery_at_2359_and_0001_shanghai_time_land_on_their_local_days(dealer):
    # 23:59 on D in Shanghai is 15:59 UTC on D; 00:01 on D+1 is 16:01 UTC on D: the same UTC day,
    # different local days.
    late = delivered(dealer, local(D, "09:00"), local(D, "23:59"), labour_amount=100)
    early = delivered(dealer, local(D, "09:00"), local(day(1), "00:01"), labour_amount=200)
    assert late.delivered_at.astimezone(UTC).date() == early.delivered_at.astimezone(UTC).date() == D
    kpi_rollup(start=D, end=day(1))
    assert (fact(dealer, D).delivered_count, fact(dealer, D).output_value) == (1, Decimal(100))
    assert (fact(dealer, day(1)).delivered_count, fact(dealer, day(1)).output_value) == (1, Decimal(200))


def test_days_follow_each_regions_time_zone():
    # 17:30 UTC on D is 01:30 on D+1 in Shanghai but 23:30 on D in Urumqi (UTC+6).
    east = DealerFactory(region=RegionFactory())
    west = DealerFactory(region=RegionFactory(code="west", name="西北区", timezone="Asia/Urumqi"))
    moment = dt.datetime.combine(D, dt.time(17, 30), tzinfo=UTC)
    for dealer in (east, west):
        delivered(dealer, moment - dt.timedelta(hours=5), moment)
    result = kpi_rollup(start=D, end=day(1))
    assert result.dealers == 2 and result.rows == 4
    assert (fact(east, D).delivered_count, fact(east, day(1)).delivered_count) == (0, 1)
    assert (fact(west, D).delivered_count, fact(west, day(1)).delivered_count) == (1, 0)


def test_late_survey_lands_on_its_answer_day_at_the_next_nightly_rollup(dealer):
    work_order = delivered(dealer, local(D, "09:00"), local(D, "15:00"))
    kpi_rollup_trailing(now=local(day(1), "02:00"))  # the night after delivery: no survey yet
    assert fact(dealer, D).survey_count == 0
    assert DealerDayFact.objects.filter(dealer=dealer, day__gt=D).count() == 0
    SurveyFactory(work_order=work_order, answered_at=local(day(10), "19:00"), recommend=10)
    kpi_rollup_trailing(now=local(day(11), "02:00"))  # 35 days ending D+10
    assert fact(dealer, D).survey_count == 0
    assert fact(dealer, D).delivered_count == 1
    assert (fact(dealer, day(10)).survey_count, fact(dealer, day(10)).promoters) == (1, 1)
    assert DealerDayFact.objects.filter(dealer=dealer, day__gte=day(10) - dt.timedelta(days=34)).count() == 35


def test_a_day_without_work_orders_has_no_value_not_zero(dealer):
    delivered(dealer, local(D, "09:00"), local(D, "15:00"), promised_at=local(D, "16:00"), labour_amount=100)
    kpi_rollup(start=D, end=day(1))
    empty = kpi_values(dealer_ids=[dealer.id], start=day(1), end=day(1), compare=False)
    # A plain count is 0 on a day that was rolled up; every ratio over that day has no value.
    assert empty["ro_count"].value == 0
    for code in ("gross_margin", "avg_cycle_hours", "on_time_rate", "csi", "first_time_fix_rate", "labour_efficiency"):
        assert empty[code].value is None, code
        assert empty[code].status == ""
    busy = kpi_values(dealer_ids=[dealer.id], start=D, end=D, compare=False)
    assert busy["on_time_rate"].value == 100


def test_region_value_is_sum_over_sum_not_the_mean_of_dealer_values(region):
    # Big dealer: 9 of 10 delivered on time (90 %). Small dealer: 0 of 1 (0 %).
    # Region: 9 / 11 = 81.8 %; the mean of the dealers' values would be 45 %.
    big, small = DealerFactory(region=region), DealerFactory(region=region)
    for _ in range(9):
        delivered(big, local(D, "09:00"), local(D, "12:00"), promised_at=local(D, "17:00"))
    delivered(big, local(D, "09:00"), local(D, "18:00"), promised_at=local(D, "17:00"))
    delivered(small, local(D, "09:00"), local(D, "18:00"), promised_at=local(D, "17:00"))
    kpi_rollup(start=D, end=D)
    region_value = kpi_values(dealer_ids=[big.id, small.id], start=D, end=D, codes=["on_time_rate"])["on_time_rate"]
    per_dealer = kpi_by_dealer(dealer_ids=[big.id, small.id], start=D, end=D, codes=["on_time_rate"])
    values = [per_dealer[d.id]["on_time_rate"].value for d in (big, small)]
    assert values == [90, 0]
    assert region_value.value == Decimal(900) / Decimal(11)
    assert region_value.value != sum(values) / 2


def test_rollup_writes_a_row_for_every_dealer_and_day(region):
    dealers = [DealerFactory(region=region) for _ in range(3)]
    result = kpi_rollup(start=D, end=day(6))
    assert (result.days, result.dealers, result.rows) == (7, 3, 21)
    assert DealerDayFact.objects.filter(dealer__in=dealers).count() == 21


def test_rerun_replaces_facts_when_the_source_changed(dealer):
    work_order = delivered(dealer, local(D, "09:00"), local(D, "15:00"), labour_amount=100)
    kpi_rollup(start=D, end=D)
    assert fact(dealer, D).output_value == 100
    work_order.status = WorkOrderStatus.CANCELLED
    work_order.save()
    kpi_rollup(start=D, end=D)
    assert (fact(dealer, D).delivered_count, fact(dealer, D).output_value, fact(dealer, D).opened_count) == (0, 0, 0)
    assert DealerDayFact.objects.filter(dealer=dealer, day=D).count() == 1


def test_rollup_for_some_dealers_leaves_the_others_alone(dealer, other_dealer):
    delivered(dealer, local(D, "09:00"), local(D, "15:00"))
    delivered(other_dealer, local(D, "09:00"), local(D, "15:00"))
    kpi_rollup(start=D, end=D)
    WorkOrderFactory(dealer=other_dealer, opened_at=local(D), status=WorkOrderStatus.IN_PROGRESS)
    result = kpi_rollup(start=D, end=D, dealer_ids=[dealer.id])
    assert (result.dealers, result.rows) == (1, 1)
    assert fact(other_dealer, D).opened_count == 1  # not rebuilt: still the first run's count


def test_comeback_at_another_dealer_counts(region):
    first, second = DealerFactory(region=region), DealerFactory(region=region)
    original = delivered(first, local(D, "09:00"), local(D, "15:00"))
    WorkOrderFactory(dealer=second, opened_at=local(day(5)), comeback_of=original, vehicle=original.vehicle,
                     status=WorkOrderStatus.IN_PROGRESS)
    kpi_rollup(start=D, end=D)
    assert (fact(first, D).ftf_eligible, fact(first, D).ftf_ok) == (1, 0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"start": day(1), "end": D}, "starts .* after it ends"),
        ({"start": D, "end": D, "dealer_ids": [999999]}, "unknown dealer ids: 999999"),
        ({"start": D, "end": D, "dealer_ids": ["x"]}, "dealer ids must be integers"),
        ({"start": "2025-03-10", "end": D}, "start and end must be dates"),
        ({"start": D, "end": D, "engine": "fast"}, "unknown roll-up engine 'fast'"),
    ],
)
def test_rollup_refuses_bad_input_with_a_clear_error(dealer, kwargs, message):
    with pytest.raises(RollupError, match=message):
        kpi_rollup(**kwargs)
    assert not DealerDayFact.objects.exists()


def test_region_with_an_unknown_time_zone_is_named(dealer):
    dealer.region.timezone = "Mars/Olympus"
    dealer.region.save()
    with pytest.raises(RollupError, match="'Mars/Olympus' is not a known time zone"):
        kpi_rollup(start=D, end=D)


def test_trailing_window_length_comes_from_settings(dealer, settings):
    settings.KPI_ROLLUP_TRAILING_DAYS = 3
    (result,) = kpi_rollup_trailing(now=local(D, "02:00"))
    assert (result.days, result.rows) == (3, 3)
    assert sorted(DealerDayFact.objects.values_list("day", flat=True)) == [day(-3), day(-2), day(-1)]


def test_a_29_february_registration_turns_three_on_1_march(dealer):
    # Registered 29 Feb 2020: under three years on 28 Feb 2023, three years old on 1 Mar 2023.
    vehicle = VehicleFactory(first_registered_on=dt.date(2020, 2, 29))
    for when in (dt.date(2023, 2, 28), dt.date(2023, 3, 1)):
        WorkOrderFactory(dealer=dealer, opened_at=local(when), vehicle=vehicle, status=WorkOrderStatus.IN_PROGRESS)
    kpi_rollup(start=dt.date(2023, 2, 28), end=dt.date(2023, 3, 1))
    assert fact(dealer, dt.date(2023, 2, 28)).ext_eligible == 1
    assert fact(dealer, dt.date(2023, 3, 1)).ext_eligible == 0


def _use_engine(engine: str, monkeypatch) -> str:
    """The engine's name for kpi_rollup; "postgresql-long" makes every window take the whole-table shape."""
    from kpi.rollup import postgres

    if engine != "orm":
        if connection.vendor != "postgresql":
            pytest.skip("the SQL engine runs on PostgreSQL only")
        if engine == "postgresql-long":
            monkeypatch.setattr(postgres, "SHORT_WINDOW_DAYS", 0)
            monkeypatch.setattr(postgres, "FEW_DEALERS", 0)
    return engine.split("-")[0]


@pytest.mark.parametrize("engine", ["orm", "postgresql-short", "postgresql-long"])
def test_several_ledger_rows_of_one_part_on_one_day(dealer, engine, monkeypatch):
    # Cost 10: +5 at 08:00, −2 and +4 both at 12:00, −1 at 18:00 on 1 Jan 2024 → 6 left (60), 30 issued
    # that day. Last issue 1 Jan: slow-moving from 1 Jan + 180 days = 29 June. The SQL engine's window
    # runs in time order: the day's balance is the last row's (and the two rows at 12:00 are one step).
    # The second roll-up starts from the checkpoint the first left on 1 Jan.
    from tests.parts.factories import PartFactory

    from .scenarios import _move

    name = _use_engine(engine, monkeypatch)
    part = PartFactory(cost=10)
    moves = (("08:00", "receipt", 5), ("12:00", "issue", -2), ("12:00", "receipt", 4), ("18:00", "issue", -1))
    for hhmm, kind, quantity in moves:
        _move(dealer, part, dt.date(2024, 1, 1), kind, quantity, hhmm)
    kpi_rollup(start=dt.date(2024, 1, 1), end=dt.date(2024, 1, 1), engine=name)
    kpi_rollup(start=dt.date(2024, 6, 28), end=dt.date(2024, 6, 29), engine=name)
    first = fact(dealer, dt.date(2024, 1, 1))
    assert (first.inventory_value, first.issue_cost, first.slow_moving_value) == (60, 30, 0)
    assert fact(dealer, dt.date(2024, 6, 28)).slow_moving_value == 0
    assert (fact(dealer, dt.date(2024, 6, 29)).slow_moving_value, fact(dealer, dt.date(2024, 6, 29)).inventory_value) == (60, 60)


@pytest.mark.parametrize("engine", ["orm", "postgresql-short", "postgresql-long"])
def test_a_daylight_saving_region_keeps_local_days_and_a_365_times_24_hour_returning_window(engine, monkeypatch):
    """Berlin moves to summer time (UTC+2) on 30 March 2025, a day after 30 March 2024 was still UTC+1.

    - Delivered 00:30 on 31 March, summer time (22:30 UTC on 30 March): local day 31 March.
    - Returning: delivered 30 March 2025 10:00 UTC; the same customer's earlier delivery at 10:30 UTC on
      30 March 2024 is 8,759.5 h before (counts, < 365 × 24 h), another customer's at 09:30 UTC is
      8,760.5 h before (does not). Counted in local calendar days, "365 days before" would be 11:00 UTC
      (noon, winter time) and miss the first.
    """
    name = _use_engine(engine, monkeypatch)
    berlin = ZoneInfo("Europe/Berlin")
    dealer = DealerFactory(region=RegionFactory(code="eu", name="Europe", timezone="Europe/Berlin"))
    after_midnight = delivered(dealer, local(dt.date(2025, 3, 30), "20:00", berlin),
                               local(dt.date(2025, 3, 31), "00:30", berlin))
    assert after_midnight.delivered_at.astimezone(UTC) == dt.datetime(2025, 3, 30, 22, 30, tzinfo=UTC)
    now = dt.datetime(2025, 3, 30, 10, 0, tzinfo=UTC)
    for earlier in (dt.datetime(2024, 3, 30, 10, 30, tzinfo=UTC), dt.datetime(2024, 3, 30, 9, 30, tzinfo=UTC)):
        first = delivered(dealer, earlier - dt.timedelta(hours=2), earlier)
        delivered(dealer, now - dt.timedelta(hours=2), now, customer=first.customer, vehicle=first.vehicle)
    kpi_rollup(start=dt.date(2025, 3, 29), end=dt.date(2025, 3, 31), engine=name)
    assert (fact(dealer, dt.date(2025, 3, 30)).delivered_count, fact(dealer, dt.date(2025, 3, 30)).returning_count) == (2, 1)
    assert fact(dealer, dt.date(2025, 3, 31)).delivered_count == 1


@pytest.mark.parametrize("engine", ["orm", "postgresql-short", "postgresql-long"])
def test_parts_lines_count_on_their_local_day_across_a_daylight_saving_change(engine, monkeypatch):
    """Berlin: 30 March 2025 has 23 hours (02:00 → 03:00). Lines at 23:30 on 29 March (22:30 UTC), 00:30
    and 23:30 on 30 March (23:30 UTC on the 29th, 21:30 UTC) and 00:30 on 31 March (22:30 UTC on the 30th):
    one, two and one per local day. A line of a cancelled work order on 30 March counts nowhere."""
    from tests.workorders.factories import PartsLineFactory

    name = _use_engine(engine, monkeypatch)
    berlin = ZoneInfo("Europe/Berlin")
    dealer = DealerFactory(region=RegionFactory(code="eu", name="Europe", timezone="Europe/Berlin"))
    work_order = WorkOrderFactory(dealer=dealer, opened_at=local(dt.date(2025, 3, 29), "08:00", berlin),
                                  status=WorkOrderStatus.IN_PROGRESS)
    for when, hhmm in ((dt.date(2025, 3, 29), "23:30"), (dt.date(2025, 3, 30), "00:30"),
                       (dt.date(2025, 3, 30), "23:30"), (dt.date(2025, 3, 31), "00:30")):
        PartsLineFactory(work_order=work_order, requested_at=local(when, hhmm, berlin), filled_from_stock=True)
    gone = WorkOrderFactory(dealer=dealer, opened_at=local(dt.date(2025, 3, 29), "08:00", berlin),
                            status=WorkOrderStatus.CANCELLED)
    PartsLineFactory(work_order=gone, requested_at=local(dt.date(2025, 3, 30), "12:00", berlin))
    kpi_rollup(start=dt.date(2025, 3, 29), end=dt.date(2025, 3, 31), engine=name)
    assert [(fact(dealer, dt.date(2025, 3, d)).parts_lines_requested, fact(dealer, dt.date(2025, 3, d)).parts_lines_filled)
            for d in (29, 30, 31)] == [(1, 1), (2, 2), (1, 1)]


@pytest.mark.parametrize("engine", ["orm", "postgresql-short", "postgresql-long"])
def test_a_returning_customer_needs_a_strictly_earlier_delivery(dealer, engine, monkeypatch):
    """One customer, two work orders delivered at the same instant on D and a third a day later: the first
    two have no earlier delivery (the same instant is not before), the third has → 0 returning on D, 1 on
    D+1. Another customer's delivery a microsecond before does not count for the first."""
    name = _use_engine(engine, monkeypatch)
    at = local(D, "10:00")
    first = delivered(dealer, at - dt.timedelta(hours=2), at)
    delivered(dealer, at - dt.timedelta(hours=1), at, customer=first.customer, vehicle=first.vehicle)
    delivered(dealer, at, at + dt.timedelta(days=1), customer=first.customer, vehicle=first.vehicle)
    delivered(dealer, at - dt.timedelta(hours=3), at - dt.timedelta(microseconds=1))
    kpi_rollup(start=D, end=day(1), engine=name)
    assert (fact(dealer, D).delivered_count, fact(dealer, D).returning_count) == (3, 0)
    assert (fact(dealer, day(1)).delivered_count, fact(dealer, day(1)).returning_count) == (1, 1)


@pytest.mark.parametrize("engine", ["orm", "postgresql-short", "postgresql-long"])
def test_extended_warranty_eligibility_ends_on_the_calendar_date_three_years_on(dealer, engine, monkeypatch):
    """Eligible while the vehicle is under three years old at opening (glossary: ext_warranty_rate).

    - Registered 29 Feb 2020: 29 Feb 2023 does not exist, so the third birthday is 1 March → opened 28 Feb
      2023 eligible, 1 March 2023 not.
    - Registered 1 March 2021: opened 29 Feb 2024 eligible (a day before the birthday), 1 March 2024 not.
    - No registration, model year 2021: eligible through 2023 (≥ opening year − 2), not on 1 Jan 2024.
    """
    name = _use_engine(engine, monkeypatch)
    cases = (
        (dt.date(2020, 2, 29), None, dt.date(2023, 2, 28), 1), (dt.date(2020, 2, 29), None, dt.date(2023, 3, 1), 0),
        (dt.date(2021, 3, 1), None, dt.date(2024, 2, 29), 1), (dt.date(2021, 3, 1), None, dt.date(2024, 3, 1), 0),
        (None, 2021, dt.date(2023, 12, 31), 1), (None, 2021, dt.date(2024, 1, 1), 0),
    )
    for registered, model_year, opened_on, _eligible in cases:
        vehicle = VehicleFactory(first_registered_on=registered, model_year=model_year or 2019)
        WorkOrderFactory(dealer=dealer, opened_at=local(opened_on, "10:00"), vehicle=vehicle,
                         status=WorkOrderStatus.IN_PROGRESS)
    for first, last in ((dt.date(2023, 2, 28), dt.date(2023, 3, 1)), (dt.date(2023, 12, 31), dt.date(2024, 1, 1)),
                        (dt.date(2024, 2, 29), dt.date(2024, 3, 1))):
        kpi_rollup(start=first, end=last, engine=name)
    for _registered, _model_year, opened_on, eligible in cases:
        assert (fact(dealer, opened_on).opened_count, fact(dealer, opened_on).ext_eligible) == (1, eligible), opened_on


@pytest.mark.parametrize("ids", [(1, 2, 3), (2, 3, 7)], ids=["dense-ids", "ids-with-gaps"])
@pytest.mark.parametrize("engine", ["orm", "postgresql-short", "postgresql-long"])
def test_each_work_order_reads_its_own_vehicle_whatever_the_vehicle_ids(dealer, engine, ids, monkeypatch):
    """The long shape reads a vehicle's flags from an array at its id: ids 1–3 fill it, 2, 3, 7 leave 1
    and 4–6 without a vehicle (deleted, or a rolled-back insert), which must shift nothing.

    On D (10 March 2025), one work order opened and delivered per vehicle:
    - a BEV registered 1 Jan 2024: NEV, eligible (under three years);
    - an ICE of model year 2015, no registration: neither;
    - a PHEV registered 10 March 2022: NEV; three years old on D, so not eligible.
    → delivered 3, NEV 2; opened 3, eligible 1.
    """
    from workorders.choices import Powertrain

    name = _use_engine(engine, monkeypatch)
    vehicles = (
        VehicleFactory(id=ids[0], powertrain=Powertrain.BEV, first_registered_on=dt.date(2024, 1, 1)),
        VehicleFactory(id=ids[1], powertrain=Powertrain.ICE, model_year=2015),
        VehicleFactory(id=ids[2], powertrain=Powertrain.PHEV, first_registered_on=dt.date(2022, 3, 10)),
    )
    for vehicle in vehicles:
        delivered(dealer, local(D, "09:00"), local(D, "17:00"), vehicle=vehicle)
    kpi_rollup(start=D, end=D, engine=name)
    row = fact(dealer, D)
    assert (row.delivered_count, row.nev_count, row.opened_count, row.ext_eligible) == (3, 2, 3, 1)


def test_deleting_a_dealer_deletes_its_facts(dealer, other_dealer):
    # The facts' dealer column has no database constraint (kpi.models): Django's CASCADE does the work.
    kpi_rollup(start=D, end=day(1))
    assert DealerDayFact.objects.filter(dealer=dealer).count() == 2
    dealer.delete()
    assert not DealerDayFact.objects.filter(dealer_id=dealer.id).exists()
    assert DealerDayFact.objects.filter(dealer=other_dealer).count() == 2
