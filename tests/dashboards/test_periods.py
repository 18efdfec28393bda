"""The period picker's parameters: what each kind of period covers, the default, and bad input falling back
with a clear message. Pure: no database."""

import datetime as dt

from django.http import QueryDict
from django.utils import translation

from kpi.periods import Period, bounds, default_period, parse_period, spark_window

TODAY = dt.date(2025, 5, 27)  # data ends yesterday, 26 May


def parse(query: str, today: dt.date = TODAY):
    with translation.override("en"):
        return parse_period(QueryDict(query), today=today)


def test_default_is_the_month_to_date_ending_yesterday():
    period, problems = parse("")
    assert problems == []
    assert (period.kind, period.start, period.end, period.truncated) == ("month", dt.date(2025, 5, 1), dt.date(2025, 5, 26), True)


def test_on_the_first_of_a_month_the_default_is_the_whole_previous_month():
    period = default_period(dt.date(2025, 6, 1))
    assert (period.start, period.end, period.truncated) == (dt.date(2025, 5, 1), dt.date(2025, 5, 31), False)


def test_each_kind_covers_its_calendar_period():
    on = dt.date(2025, 2, 12)  # a Wednesday
    assert bounds("day", on) == (on, on)
    assert bounds("week", on) == (dt.date(2025, 2, 10), dt.date(2025, 2, 16))
    assert bounds("month", on) == (dt.date(2025, 2, 1), dt.date(2025, 2, 28))
    assert bounds("quarter", on) == (dt.date(2025, 1, 1), dt.date(2025, 3, 31))
    assert bounds("year", on) == (dt.date(2025, 1, 1), dt.date(2025, 12, 31))


def test_a_quarter_in_progress_is_cut_at_yesterday():
    period, problems = parse("period=quarter&on=2025-04-15")
    assert problems == []
    assert (period.start, period.end, period.truncated) == (dt.date(2025, 4, 1), dt.date(2025, 5, 26), True)


def test_custom_range_is_taken_as_given():
    period, problems = parse("period=custom&start=2025-01-10&end=2025-03-05")
    assert problems == []
    assert (period.kind, period.start, period.end) == ("custom", dt.date(2025, 1, 10), dt.date(2025, 3, 5))
    assert period.params() == {"period": "custom", "start": "2025-01-10", "end": "2025-03-05"}


def test_the_parameters_round_trip():
    period, _ = parse("period=week&on=2025-03-12")
    again, problems = parse(period.querystring())
    assert problems == [] and again == period


def test_unknown_kind_says_so_and_falls_back_to_the_default():
    period, problems = parse("period=fortnight")
    assert period == default_period(TODAY)
    assert any("Period" in p and "fortnight" in p for p in problems)
    assert problems[-1].startswith("Showing ")


def test_malformed_date_names_the_field():
    period, problems = parse("period=month&on=2025-13-01")
    assert period == default_period(TODAY)
    assert any(p.startswith("Date:") for p in problems)


def test_end_before_start_is_refused_with_both_dates_in_the_message():
    period, problems = parse("period=custom&start=2025-03-05&end=2025-01-10")
    assert period == default_period(TODAY)
    assert any("2025-01-10" in p and "2025-03-05" in p for p in problems)


def test_custom_range_needs_both_ends():
    _, problems = parse("period=custom&start=2025-03-05")
    assert any("both a start and an end" in p for p in problems)


def test_a_period_entirely_after_the_data_is_refused():
    period, problems = parse("period=month&on=2025-06-10")
    assert period == default_period(TODAY)
    assert any("no data after 2025-05-26" in p for p in problems)


def test_a_huge_custom_range_is_refused():
    _, problems = parse("period=custom&start=2010-01-01&end=2025-01-01")
    assert any("at most" in p for p in problems)


def test_previous_and_next_periods_step_by_the_kind_and_stop_at_the_data():
    period = Period("month", dt.date(2025, 3, 1), dt.date(2025, 3, 31))
    last = dt.date(2025, 5, 26)
    assert period.shifted(-1, last_day=last) == Period("month", dt.date(2025, 2, 1), dt.date(2025, 2, 28))
    assert period.shifted(2, last_day=last) == Period("month", dt.date(2025, 5, 1), dt.date(2025, 5, 26), truncated=True)
    assert period.shifted(3, last_day=last) is None
    custom = Period("custom", dt.date(2025, 1, 1), dt.date(2025, 1, 10))
    assert custom.shifted(-1, last_day=last) == Period("custom", dt.date(2024, 12, 22), dt.date(2024, 12, 31))


def test_labels_are_localised():
    period = Period("month", dt.date(2025, 5, 1), dt.date(2025, 5, 31))
    with translation.override("en"):
        assert period.label() == "May 2025"
    with translation.override("zh-hans"):
        assert period.label() == "2025年5月"


def test_sparkline_window_gives_enough_points():
    month = Period("month", dt.date(2025, 5, 1), dt.date(2025, 5, 26), truncated=True)
    assert spark_window(month) == (dt.date(2024, 6, 1), dt.date(2025, 5, 26), "month")
    day = Period("day", dt.date(2025, 5, 26), dt.date(2025, 5, 26))
    assert spark_window(day) == (dt.date(2025, 4, 27), dt.date(2025, 5, 26), "day")
    week = Period("week", dt.date(2025, 5, 19), dt.date(2025, 5, 25))
    start, end, by = spark_window(week)
    assert by == "week" and start.weekday() == 0 and (end - start).days // 7 == 11
