"""The streamed inventory snapshot (kpi.rollup.inventory): pure, no database."""

import datetime as dt
from decimal import Decimal

from kpi.rollup.inventory import LedgerDay, snapshot

D = Decimal
DEALER = 7


def day(text):
    return dt.date.fromisoformat(text)


def row(part, when, quantity, *, cost, issue=0, issued=False):
    return LedgerDay(DEALER, part, day(when), quantity, issue, issued, D(cost))


# Part 1 (cost 10): +50 on 1 Jan 2024, 10 issued on 1 March.
# Part 2 (cost 100): +5 on 1 Jan 2024, never issued.
# Part 3 (cost 2): +100 on 1 Jan 2024, 20 issued on 29 July, 2 returned on 30 July.
LEDGER = [
    row(1, "2024-01-01", 50, cost=10),
    row(1, "2024-03-01", -10, cost=10, issue=10, issued=True),
    row(2, "2024-01-01", 5, cost=100),
    row(3, "2024-01-01", 100, cost=2),
    row(3, "2024-07-29", -20, cost=2, issue=20, issued=True),
    row(3, "2024-07-30", 2, cost=2, issue=-2),
]


def test_inventory_value_is_the_ledger_balance_at_part_cost():
    result = snapshot(LEDGER, dealer_ids=[DEALER], start=day("2024-07-29"), end=day("2024-07-30")).daily[DEALER]
    # 29 July: 40 × 10 + 5 × 100 + 80 × 2 = 1060; 30 July: part 3 back to 82 → 1064.
    assert result["inventory_value"] == [D(1060), D(1064)]
    # Issued: 20 × 2 = 40 on 29 July; the return of 2 takes 4 off on 30 July.
    assert result["issue_cost"] == [D(40), D(-4)]


def test_slow_moving_starts_on_the_180th_day_after_the_last_issue():
    # Part 1's last issue was 1 March 2024; 1 March + 180 days = 28 August. The 180 days ending 27 August
    # (1 March … 27 August) still hold the issue; those ending 28 August (2 March … 28 August) do not.
    result = snapshot(LEDGER, dealer_ids=[DEALER], start=day("2024-08-27"), end=day("2024-08-28")).daily[DEALER]
    # Part 2 (never issued, 500) is slow both days; part 1 (400) joins on 28 August; part 3 was issued in July.
    assert result["slow_moving_value"] == [D(500), D(900)]
    assert result["dead_stock_value"] == [D(500), D(500)]
    assert result["inventory_value"] == [D(1064), D(1064)]


def test_trailing_90_day_issue_cost_drops_issues_older_than_90_days():
    result = snapshot(LEDGER, dealer_ids=[DEALER], start=day("2024-05-30"), end=day("2024-05-31")).daily[DEALER]
    # The 90 days ending 29 May are 1 March … 29 May: part 1's issue of 1 March (100) is in; the 90 days
    # ending 30 May start on 2 March: it has dropped out.
    edge = snapshot(LEDGER, dealer_ids=[DEALER], start=day("2024-05-29"), end=day("2024-05-29")).daily[DEALER]
    assert edge["issue_cost_90d"] == [D(100)]
    assert result["issue_cost_90d"] == [D(0), D(0)]
    later = snapshot(LEDGER, dealer_ids=[DEALER], start=day("2024-08-28"), end=day("2024-08-28")).daily[DEALER]
    assert later["issue_cost_90d"] == [D(36)]  # 40 issued − 4 returned, both within 90 days


def test_dead_stock_starts_on_the_365th_day_after_the_last_issue():
    ledger = [row(4, "2023-01-01", 10, cost=1), row(4, "2023-06-01", -1, cost=1, issue=1, issued=True)]
    # 1 June 2023 + 365 days = 31 May 2024.
    result = snapshot(ledger, dealer_ids=[DEALER], start=day("2024-05-30"), end=day("2024-05-31")).daily[DEALER]
    assert result["dead_stock_value"] == [D(0), D(9)]
    assert result["slow_moving_value"] == [D(9), D(9)]


def test_parts_at_zero_and_other_dealers_count_nothing():
    ledger = [
        LedgerDay(DEALER, 1, day("2024-01-01"), 3, 0, False, D(5)),
        LedgerDay(DEALER, 1, day("2024-01-02"), -3, 3, True, D(5)),
        LedgerDay(8, 1, day("2024-01-01"), 2, 0, False, D(5)),
    ]
    result = snapshot(ledger, dealer_ids=[DEALER, 8], start=day("2024-01-01"), end=day("2024-01-03")).daily
    assert result[DEALER]["inventory_value"] == [D(15), D(0), D(0)]
    assert result[8]["inventory_value"] == [D(10), D(10), D(10)]
    assert result[DEALER]["issue_cost"] == [D(0), D(15), D(0)]


def test_empty_ledger_gives_zeros_for_every_day():
    result = snapshot([], dealer_ids=[DEALER], start=day("2024-01-01"), end=day("2024-01-03")).daily[DEALER]
    assert result == {name: [D(0)] * 3 for name in result}


def test_captured_state_restarts_the_snapshot_with_the_same_results():
    # Capture the states at 31 March 2024, then compute April to September from that checkpoint plus the
    # later rows only: the same daily values as from the whole ledger.
    march = day("2024-03-31")
    first = snapshot(LEDGER, dealer_ids=[DEALER], start=day("2024-03-01"), end=march, capture=[march])
    # P1 (cost 10): 40 left, last issued 1 March; P2 (100): 5, never issued; P3 (2): 100, never issued.
    assert sorted(first.parts[march][DEALER]) == [[1, 40, "2024-03-01"], [2, 5, None], [3, 100, None]]
    assert first.issue_costs[march][DEALER] == [["2024-03-01", 10000]]
    costs = {1: D(10), 2: D(100), 3: D(2)}
    restart = [
        LedgerDay(DEALER, part, march, balance, 0, False, costs[part], day(last) if last else None)
        for part, balance, last in sorted(first.parts[march][DEALER])
    ]
    later = [r for r in LEDGER if r.day > march]
    rows = sorted(restart + later, key=lambda r: (r.part_id, r.day))
    prior = {DEALER: {day(d): cents for d, cents in first.issue_costs[march][DEALER]}}
    resumed = snapshot(rows, dealer_ids=[DEALER], start=day("2024-04-01"), end=day("2024-09-30"), prior_issue_cents=prior)
    whole = snapshot(LEDGER, dealer_ids=[DEALER], start=day("2024-04-01"), end=day("2024-09-30"))
    assert resumed.daily == whole.daily


def test_capture_forgets_issues_older_than_a_year_and_parts_at_zero():
    ledger = [
        row(1, "2023-01-01", 10, cost=1),
        row(1, "2023-01-02", -2, cost=1, issue=2, issued=True),
        row(2, "2024-01-01", 1, cost=1),
        row(2, "2024-01-02", -1, cost=1, issue=1, issued=True),
        row(3, "2023-01-01", 1, cost=1),
        row(3, "2023-01-02", -1, cost=1, issue=1, issued=True),
    ]
    when = day("2024-06-30")
    parts = snapshot(ledger, dealer_ids=[DEALER], start=when, end=when, capture=[when]).parts[when][DEALER]
    # Part 1: issued over a year ago (no longer matters); part 2: at zero but issued in January (kept, a
    # receipt tomorrow would be slow-moving only from July); part 3: at zero, old issue: left out.
    assert sorted(parts) == [[1, 8, None], [2, 0, "2024-01-02"]]
