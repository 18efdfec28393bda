"""Stock-ledger checkpoints (kpi.models.StockCheckpoint), shared by both engines.

A checkpoint holds, for one dealer and local day, every part's balance and last issue day (if within
365 days) and the dealer's issue costs (cents) of the 89 days up to it. Both engines write one for the
first and the last day of each window (a long window also one before the next nightly run's window)
and start a window from the newest valid one before it, reading only the ledger rows dated after it. The JSON layout is the same whichever engine wrote it:
    parts:       [[part id, balance, "YYYY-MM-DD" or null], …]
    issue_costs: [["YYYY-MM-DD", cents], …]
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Count, Max, Min

from kpi.models import StockCheckpoint
from parts.models import Part, StockMovement

from .common import Window, local_midnight

# Checkpoint days kept per dealer: the nightly run needs the one its predecessor wrote; a few spare cover
# backfills in between.
KEPT = 6
# A long window (a rebuild) also leaves a checkpoint for the nightly run after it, which starts
# KPI_ROLLUP_TRAILING_DAYS - 1 days before the day after the window: this many days earlier still, so a
# night or a week late it is still before that run's window. Without it, the first night after a rebuild
# started from the rebuild's first day and read years of ledger.
NIGHTLY_SLACK_DAYS = 7
# Checkpoint days a window writes at most (days_to_write).
MAX_DAYS = 3


def usable(window: Window) -> dt.date | None:
    """The newest checkpoint day before the window that every dealer of it has and that is still valid.

    Stale when a ledger row dated on or before that day was recorded after the checkpoint (an id above
    `through_movement`), or when a part changed since (its cost values the stored issue costs).
    """
    row = (
        StockCheckpoint.objects.filter(dealer_id__in=window.dealer_ids, day__lt=window.start)
        .values("day")
        .annotate(dealers=Count("id"), through=Min("through_movement"), parts_changed_at=Max("parts_changed_at"))
        .filter(dealers=len(window.dealer_ids))
        .order_by("-day")
        .first()
    )
    if row is None:
        return None
    day = row["day"]
    late_movement = StockMovement.objects.filter(
        id__gt=row["through"],
        dealer_id__in=window.dealer_ids,
        at__lt=local_midnight(day + dt.timedelta(days=1), window.tz),
    ).exists()
    parts = Part.objects.all()
    if row["parts_changed_at"] is not None:
        parts = parts.filter(updated_at__gt=row["parts_changed_at"])
    if late_movement or parts.exists():
        return None
    return day


def days_to_write(window: Window) -> list[dt.date]:
    days = {window.start, window.end}
    before_nightly = window.end - dt.timedelta(days=int(settings.KPI_ROLLUP_TRAILING_DAYS) + NIGHTLY_SLACK_DAYS)
    if before_nightly > window.start:
        days.add(before_nightly)
    assert len(days) <= MAX_DAYS
    return sorted(days)


def clear(window: Window) -> None:
    """Drop the checkpoints this window is about to write."""
    StockCheckpoint.objects.filter(dealer_id__in=window.dealer_ids, day__in=days_to_write(window)).delete()


def prune(window: Window) -> None:
    """Keep the newest KEPT checkpoint days of the window's dealers."""
    days = list(
        StockCheckpoint.objects.filter(dealer_id__in=window.dealer_ids)
        .values_list("day", flat=True)
        .distinct()
        .order_by("-day")[KEPT - 1 : KEPT]
    )
    if days:
        StockCheckpoint.objects.filter(dealer_id__in=window.dealer_ids, day__lt=days[0]).delete()


def watermark() -> tuple[int, dt.datetime | None]:
    """The newest ledger row id and part change now: read before the ledger, so nothing slips between."""
    through = StockMovement.objects.aggregate(m=Max("id"))["m"] or 0
    parts_changed_at = Part.objects.aggregate(m=Max("updated_at"))["m"]
    return through, parts_changed_at
