"""Period semantics, without a database."""

import datetime as dt

import pytest
from django.utils import translation

from digests.choices import DigestFrequency
from digests.formatting import format_period
from digests.periods import Period, is_due, local_today, period_for, previous_period, trend_window
from digests.scopes import DigestScope, ScopeKeyError

D = dt.date


def test_daily_covers_yesterday_and_is_due_every_day():
    assert period_for("daily", D(2026, 11, 23)) == Period("daily", D(2026, 11, 22), D(2026, 11, 22))
    assert all(is_due("daily", D(2026, 11, 16) + dt.timedelta(days=i)) for i in range(7))


def test_weekly_covers_the_previous_iso_week_and_is_due_on_monday():
    assert period_for("weekly", D(2026, 11, 23)) == Period("weekly", D(2026, 11, 16), D(2026, 11, 22))
    # Any day of a week points at the week before it (the preview and --date use that).
    assert period_for("weekly", D(2026, 11, 26)) == Period("weekly", D(2026, 11, 16), D(2026, 11, 22))
    assert is_due("weekly", D(2026, 11, 23))
    assert not any(is_due("weekly", D(2026, 11, 24) + dt.timedelta(days=i)) for i in range(6))


def test_weekly_across_a_year_boundary():
    assert period_for("weekly", D(2026, 1, 5)) == Period("weekly", D(2025, 12, 29), D(2026, 1, 4))


def test_monthly_covers_the_previous_calendar_month_and_is_due_on_the_first():
    assert period_for("monthly", D(2026, 12, 1)) == Period("monthly", D(2026, 11, 1), D(2026, 11, 30))
    assert period_for("monthly", D(2026, 3, 1)) == Period("monthly", D(2026, 2, 1), D(2026, 2, 28))
    assert period_for("monthly", D(2026, 1, 1)) == Period("monthly", D(2025, 12, 1), D(2025, 12, 31))
    assert is_due("monthly", D(2026, 12, 1)) and not is_due("monthly", D(2026, 12, 2))


def test_unknown_frequency_is_refused_by_name():
    with pytest.raises(ValueError, match="hourly"):
        period_for("hourly", D(2026, 11, 23))


def test_due_day_is_the_region_date_not_the_server_date():
    # 2026-11-22 17:30 UTC is already Monday 01:30 in Shanghai.
    now = dt.datetime(2026, 11, 22, 17, 30, tzinfo=dt.UTC)
    assert local_today(now, "Asia/Shanghai") == D(2026, 11, 23)
    assert local_today(now, "Europe/London") == D(2026, 11, 22)


def test_previous_period_has_the_same_length_as_kpi_selectors_compare():
    assert previous_period(Period("weekly", D(2026, 11, 16), D(2026, 11, 22))) == Period(
        "weekly", D(2026, 11, 9), D(2026, 11, 15)
    )
    assert previous_period(Period("monthly", D(2026, 11, 1), D(2026, 11, 30))) == Period(
        "monthly", D(2026, 10, 2), D(2026, 10, 31)
    )


def test_trend_windows_end_with_the_period():
    assert trend_window(Period("daily", D(2026, 11, 22), D(2026, 11, 22))) == (D(2026, 11, 9), D(2026, 11, 22), "day")
    assert trend_window(Period("weekly", D(2026, 11, 16), D(2026, 11, 22))) == (D(2026, 9, 28), D(2026, 11, 22), "week")
    assert trend_window(Period("monthly", D(2026, 11, 1), D(2026, 11, 30))) == (D(2026, 6, 1), D(2026, 11, 30), "month")


@pytest.mark.parametrize(
    ("period", "zh", "en"),
    [
        (Period("weekly", D(2026, 11, 16), D(2026, 11, 22)), "2026-11-16 – 2026-11-22", "16–22 Nov 2026"),
        (Period("weekly", D(2026, 11, 30), D(2026, 12, 6)), "2026-11-30 – 2026-12-06", "30 Nov – 6 Dec 2026"),
        (Period("weekly", D(2025, 12, 29), D(2026, 1, 4)), "2025-12-29 – 2026-01-04", "29 Dec 2025 – 4 Jan 2026"),
        (Period("daily", D(2026, 11, 22), D(2026, 11, 22)), "2026-11-22", "22 Nov 2026"),
        (Period("monthly", D(2026, 11, 1), D(2026, 11, 30)), "2026年11月", "November 2026"),
    ],
)
def test_period_is_written_the_way_each_language_writes_it(period, zh, en):
    with translation.override("zh-hans"):
        assert format_period(period) == zh
    with translation.override("en"):
        assert format_period(period) == en


def test_scope_keys_round_trip_and_bad_keys_say_what_is_wrong():
    for scope in (DigestScope.region(3), DigestScope.tier(3, 2), DigestScope.dealer(17)):
        assert DigestScope.parse(scope.key) == scope
    for bad, message in (("region:x", "whole numbers"), ("tier:1:9", "1 to 4"), ("city:1", "not one of"), ("", "not one of")):
        with pytest.raises(ScopeKeyError, match=message):
            DigestScope.parse(bad)


def test_frequencies_are_the_three_of_the_issue():
    assert set(DigestFrequency.values) == {"daily", "weekly", "monthly"}
