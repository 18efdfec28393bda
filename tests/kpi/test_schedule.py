"""kpi.schedule: each region's night run at 02:00 of its own time zone, made up when a tick is missed,
never run twice for the same night."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from kpi import tasks
from kpi.models import DealerDayFact
from kpi.schedule import rollup_due_zones, zones_due
from tests.dealers.factories import DealerFactory, RegionFactory

pytestmark = pytest.mark.django_db
SH, BERLIN = ZoneInfo("Asia/Shanghai"), ZoneInfo("Europe/Berlin")


@pytest.fixture
def two_zones():
    east = DealerFactory(region=RegionFactory(code="east", timezone="Asia/Shanghai"))
    europe = DealerFactory(region=RegionFactory(code="eu", timezone="Europe/Berlin"))
    return east, europe


def at(zone: ZoneInfo, day: str, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour, minute), tzinfo=zone)


def test_each_zone_is_due_from_its_own_two_in_the_morning(two_zones):
    east, europe = two_zones
    # Nothing rolled up yet: each zone is due once its local clock has passed 02:00 of its day. 01:59 in
    # Shanghai is 18:59 the evening before in Berlin (UTC+8 vs UTC+1 in winter), long past Berlin's 02:00.
    assert zones_due(at(SH, "2026-11-20", 1, 59)) == {"Europe/Berlin": (europe.pk,)}
    assert zones_due(at(SH, "2026-11-20", 2, 0)) == {"Asia/Shanghai": (east.pk,), "Europe/Berlin": (europe.pk,)}
    # 01:59 in Berlin is 08:59 in Shanghai.
    assert zones_due(at(BERLIN, "2026-11-20", 1, 59)) == {"Asia/Shanghai": (east.pk,)}


def test_a_zone_is_not_due_before_its_hour_even_when_the_other_is(two_zones, settings):
    east, europe = two_zones
    settings.KPI_ROLLUP_HOUR = 4
    assert "Asia/Shanghai" not in zones_due(at(SH, "2026-11-20", 3, 59))
    assert "Asia/Shanghai" in zones_due(at(SH, "2026-11-20", 4, 0))


def test_a_zone_rolled_up_tonight_is_not_due_again_until_the_next_night(two_zones, settings):
    settings.KPI_ROLLUP_TRAILING_DAYS = 3
    east, _europe = two_zones
    tick = at(SH, "2026-11-20", 2, 0)
    results = rollup_due_zones(tick)
    assert sorted((r.dealers, r.days) for r in results) == [(1, 3), (1, 3)]  # Berlin's evening is due too
    assert set(DealerDayFact.objects.filter(dealer=east).values_list("day", flat=True)) == {
        dt.date(2026, 11, 17), dt.date(2026, 11, 18), dt.date(2026, 11, 19)}
    # Later the same night (a tick delivered twice, or the next hour): done, nothing rolled up. The facts'
    # computed_at is the real clock, which is after this fake tick's run time only if we pretend so:
    DealerDayFact.objects.update(computed_at=tick + dt.timedelta(minutes=5))
    assert "Asia/Shanghai" not in zones_due(at(SH, "2026-11-20", 3, 0))
    assert "Asia/Shanghai" in zones_due(at(SH, "2026-11-21", 2, 0))  # the next night


def test_a_missed_tick_is_made_up_by_the_next_one(two_zones):
    """Facts of yesterday computed before tonight's 02:00 (an on-demand run at 01:00) do not count."""
    east, _europe = two_zones
    DealerDayFact.objects.create(dealer=east, day=dt.date(2026, 11, 19))
    DealerDayFact.objects.update(computed_at=at(SH, "2026-11-20", 1, 0))
    assert zones_due(at(SH, "2026-11-20", 5, 0))["Asia/Shanghai"] == (east.pk,)


def test_the_hourly_tick_with_nothing_due_does_nothing(two_zones, monkeypatch):
    from kpi import schedule

    queued = []
    monkeypatch.setattr(schedule, "zones_due", lambda now=None, hour=None: {})
    monkeypatch.setattr(tasks.warm_dashboards_task, "delay", lambda: queued.append("warm"))
    assert tasks.nightly_rollup_task.apply(kwargs={"due_only": True}).get()["windows"] == 0
    assert not DealerDayFact.objects.exists() and queued == []


def test_the_hourly_tick_rolls_up_the_due_zone_only(two_zones, monkeypatch, settings):
    from kpi import schedule

    settings.KPI_ROLLUP_TRAILING_DAYS = 2
    east, europe = two_zones
    monkeypatch.setattr(schedule, "zones_due", lambda now=None, hour=None: {"Europe/Berlin": (europe.pk,)})
    monkeypatch.setattr(tasks.warm_dashboards_task, "delay", lambda: None)
    summary = tasks.nightly_rollup_task.apply(kwargs={"due_only": True}).get()
    assert (summary["windows"], summary["dealers"], summary["rows"]) == (1, 1, 2)
    assert set(DealerDayFact.objects.values_list("dealer_id", flat=True)) == {europe.pk}
