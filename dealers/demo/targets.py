"""KPI targets: an output-value budget per dealer and calendar month.

Budgets are planned the way a region plans them: the month's expected work orders (season, weekday,
the dealer's size and trend) times the dealer's average ticket, with some ambition or caution per
month, so dealers land around 95–110 % of budget.
"""

from __future__ import annotations

import datetime as dt
import random

from kpi.models import KpiTarget

from . import story
from .clock import DAY, Clock
from .org import DealerPlan, ramp
from .rows import RowSink
from .workshop import Workshop

OUTPUT_VALUE = "output_value"


def write_budgets(*, rng: random.Random, clock: Clock, plans: list[DealerPlan], workshop: Workshop,
                  sink: RowSink) -> None:
    table = sink.table(KpiTarget, ["id", "kpi", "region", "dealer", "month", "value", "updated_at"])
    months = []
    month = clock.start.replace(day=1)
    while month <= clock.end:
        months.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    set_at = clock.ts(clock.day0 - 20 * DAY + 10 * 3600)
    for plan in plans:
        delivered = workshop.delivered.get(plan.index, 0)
        if not delivered:
            continue
        output = sum(v for (index, _y, _m), v in workshop.output.items() if index == plan.index)
        ticket = output / delivered  # cents per delivered work order
        for first in months:
            following = (first + dt.timedelta(days=32)).replace(day=1)
            expected = 0.0
            day = first
            while day < following:
                k = (day - clock.start).days
                f = min(1.0, max(0.0, clock.progress(k)))
                expected += (plan.daily_volume * story.MONTH_FACTOR[day.month] * story.WEEKDAY_FACTOR[day.weekday()]
                             * story.kind_trend(plan.kind, f) * ramp(plan, k))
                day += dt.timedelta(days=1)
            if expected <= 0:
                continue
            budget = expected * ticket / 100 / rng.uniform(*story.BUDGET_ACHIEVEMENT)
            budget = max(1000, round(budget / 1000) * 1000)  # budgets are set in thousands of yuan
            table.add((table.next_id(), OUTPUT_VALUE, None, plan.id, first.isoformat(), f"{budget}.0000", set_at))
