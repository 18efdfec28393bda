"""When each region's nightly roll-up is due: at KPI_ROLLUP_HOUR (02:00) of the region's own time zone.

Celery beat ticks every hour (see CELERY_BEAT_SCHEDULE); each tick rolls up the time zones whose night
run is due and not yet done. "Done" is read from the facts themselves — a fact of the zone's yesterday
computed since today's run time — so a tick that was missed or delivered late (worker down, broker
restarted) is made up by the next one, a tick delivered twice finds the work done, and no schedule state
lives anywhere but in the database the roll-up writes.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from .models import DealerDayFact
from .services import RollupResult, _dealer_zones, kpi_rollup


def zones_due(now: dt.datetime | None = None, *, hour: int | None = None) -> dict[str, tuple[int, ...]]:
    """Time zone → its dealers, for the zones whose local clock is past `hour` today and whose yesterday
    has not been rolled up since then."""
    now = now or timezone.now()
    hour = settings.KPI_ROLLUP_HOUR if hour is None else hour
    due: dict[str, tuple[int, ...]] = {}
    for tz_name, ids in _dealer_zones(None).items():
        local = now.astimezone(ZoneInfo(tz_name))
        if local.hour < hour:
            continue  # tonight's run time has not come yet in this zone
        run_time = local.replace(hour=hour, minute=0, second=0, microsecond=0)
        yesterday = local.date() - dt.timedelta(days=1)
        done = DealerDayFact.objects.filter(dealer_id__in=ids, day=yesterday, computed_at__gte=run_time).exists()
        if not done:
            due[tz_name] = ids
    return due


def rollup_due_zones(now: dt.datetime | None = None, *, days: int | None = None) -> list[RollupResult]:
    """Roll up the trailing `days` (KPI_ROLLUP_TRAILING_DAYS) ending yesterday for each zone that is due."""
    now = now or timezone.now()
    days = int(days if days is not None else settings.KPI_ROLLUP_TRAILING_DAYS)
    results = []
    for tz_name, ids in zones_due(now).items():
        yesterday = now.astimezone(ZoneInfo(tz_name)).date() - dt.timedelta(days=1)
        results.append(kpi_rollup(start=yesterday - dt.timedelta(days=days - 1), end=yesterday, dealer_ids=ids))
    return results
