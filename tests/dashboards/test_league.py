"""The league table's pure parts: robust outliers (median/MAD), sorting, columns, number formatting."""

from dataclasses import dataclass
from decimal import Decimal

from django.utils import translation

from dealers.models import Dealer
from kpi.definitions import HEADLINE_KPIS, Direction, get_kpi
from kpi.league import LeagueRow, league_columns, league_rows, parse_sort, robust_outliers, sort_rows
from kpi.templatetags.kpi_format import change_tone, format_change, format_cny, format_value


def test_a_dealer_far_below_the_others_is_an_outlier():
    values = {1: 95, 2: 94, 3: 96, 4: 95.5, 5: 93.5, 6: 70}
    assert robust_outliers(values, direction=Direction.HIGHER) == {6}


def test_for_lower_is_better_the_outlier_is_far_above():
    values = {1: 8, 2: 9, 3: 7.5, 4: 8.5, 5: 30, 6: 1}
    # 1 is far below, but below is good for slow-moving stock: only 5 is flagged.
    assert robust_outliers(values, direction=Direction.LOWER) == {5}


def test_hand_computed_threshold():
    # Six dealers 8, 9, 10, 10, 11, 12 and one more, x: the median is 10, the absolute deviations
    # 0, 0, 1, 1, 2, 2, |x−10| have median 1, so one robust deviation is 1.4826 and the line is
    # 10 − 2 × 1.4826 = 7.0348.
    base = {"a": 8, "b": 9, "c": 10, "d": 10, "e": 11, "f": 12}
    assert robust_outliers({**base, "x": 7.1}) == set()
    assert robust_outliers({**base, "x": 7.0}) == {"x"}


def test_missing_values_take_no_part_and_few_dealers_give_no_outliers():
    assert robust_outliers({1: 90, 2: None, 3: 10}) == set()
    assert robust_outliers({1: 90, 2: 10}) == set()


def test_no_spread_no_outliers_but_a_lone_bad_dealer_still_stands_out():
    assert robust_outliers({1: 5, 2: 5, 3: 5, 4: 5}) == set()
    # MAD is 0 (most dealers identical); the mean absolute deviation takes over.
    assert robust_outliers({1: 100, 2: 100, 3: 100, 4: 100, 5: 100, 6: 100, 7: 40}) == {7}


def test_decimals_are_accepted():
    values = {i: Decimal("95.0") + Decimal(i) / 10 for i in range(8)}
    values[99] = Decimal("60.0")
    assert robust_outliers(values) == {99}


@dataclass(frozen=True)
class FakeValue:
    value: Decimal | None


def _dealer(pk, code, tier=1):
    return Dealer(pk=pk, code=code, name=f"店{code}", kind="4s", city="杭州", city_tier=tier)


def test_rows_mark_outliers_per_kpi_and_sort_puts_missing_values_last():
    csi = get_kpi("csi")
    dealers = [_dealer(i, f"D{i}") for i in range(1, 7)]
    values = {i: {"csi": FakeValue(Decimal(v) if v is not None else None)}
              for i, v in zip(range(1, 7), [96, 95, 97, 96.5, 60, None], strict=True)}
    rows = league_rows(dealers, values, [csi])
    assert {row.dealer.pk for row in rows if "csi" in row.outliers} == {5}
    ordered = sort_rows(rows, "csi", descending=True)
    assert [row.dealer.pk for row in ordered] == [3, 4, 1, 2, 5, 6]
    ordered = sort_rows(rows, "csi")
    assert [row.dealer.pk for row in ordered] == [5, 2, 1, 4, 3, 6]


def test_sorting_by_dealer_columns():
    rows = [LeagueRow(_dealer(1, "B", tier=3), {}), LeagueRow(_dealer(2, "A", tier=1), {})]
    assert [r.dealer.code for r in sort_rows(rows, "code")] == ["A", "B"]
    assert [r.dealer.code for r in sort_rows(rows, "tier", descending=True)] == ["B", "A"]


def test_sort_parameter_is_checked():
    columns = league_columns(HEADLINE_KPIS)
    assert parse_sort("-fill_rate", columns) == ("fill_rate", True, None)
    assert parse_sort(None, columns) == ("code", False, None)
    key, descending, error = parse_sort("-password", columns)
    assert (key, descending) == ("code", False) and "password" in error


def test_columns_name_the_unit():
    with translation.override("en"):
        labels = [column.label for column in league_columns(HEADLINE_KPIS)]
    assert labels[:5] == ["Code", "Dealer", "Kind", "City tier", "City"]
    assert "Output value (CNY)" in labels and "Parts fill rate (%)" in labels
    assert len(labels) == 5 + len(HEADLINE_KPIS)


def test_money_is_written_the_way_each_language_writes_it():
    with translation.override("en"):
        assert format_cny(Decimal("1234567.4")) == "¥1,234,567"
    with translation.override("zh-hans"):
        assert format_cny(Decimal("1234567.5")) == "1,234,568 元"
        assert format_cny(Decimal("-5")) == "−5 元"


def test_values_are_formatted_by_unit_rounding_half_up():
    with translation.override("en"):
        assert format_value(Decimal("92.25"), get_kpi("first_time_fix_rate")) == "92.3%"
        assert format_value(Decimal("6.125"), get_kpi("parts_turnover")) == "6.13 turns/yr"
        assert format_value(Decimal("1.234"), get_kpi("complaint_rate")) == "1.23‰"
        assert format_value(None, get_kpi("csi")) == "–"
        assert format_value(Decimal("12345"), get_kpi("ro_count")) == "12,345"


def test_changes_are_points_for_rates_and_relative_for_money():
    rate, money = get_kpi("fill_rate"), get_kpi("output_value")
    with translation.override("en"):
        assert format_change(Decimal("1.24"), rate) == "+1.2 pp"
        assert format_change(Decimal("-0.04"), rate) == "±0.0 pp"
        assert format_change(Decimal("-50"), money, Decimal("200")) == "−25.0%"
        assert format_change(Decimal("50"), money, Decimal("0")) == "–"
    assert change_tone(Decimal("1"), rate) == "good"
    assert change_tone(Decimal("1"), get_kpi("slow_moving_share")) == "bad"
    assert change_tone(Decimal("1"), get_kpi("nev_share")) == ""
    assert change_tone(Decimal("50"), money, Decimal("0")) == ""
