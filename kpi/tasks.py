"""Celery wrappers around the roll-up services; no business rule lives here.

Both tasks are safe to redo: a roll-up replaces its dealer-day rows in one transaction, so a worker killed
mid-run (acks_late + reject_on_worker_lost: the message goes back to the queue) or a retry after a
database error ends with the same facts.
"""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.apps import apps
from django.db import InterfaceError, OperationalError, close_old_connections, connections

from .services import RollupError, kpi_rollup, kpi_rollup_trailing

logger = logging.getLogger(__name__)

RETRY = {
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 5,
    "acks_late": True,
    "reject_on_worker_lost": True,
}


def _refresh_connections() -> None:
    """Drop broken or expired connections before and after the work (CONN_HEALTH_CHECKS does the probing).

    Skipped when the task runs eagerly inside a caller's transaction: closing would abort that transaction.
    """
    if not any(conn.in_atomic_block for conn in connections.all(initialized_only=True)):
        close_old_connections()


def _parse_day(value: str, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise RollupError(f"{name}: {value!r} is not an ISO date (YYYY-MM-DD)") from None


@shared_task(**RETRY)
def kpi_rollup_task(start: str, end: str, dealer_ids: list[int] | None = None) -> dict:
    """Roll up [start, end] (ISO dates, inclusive) for the dealers given, or all of them."""
    _refresh_connections()
    try:
        result = kpi_rollup(start=_parse_day(start, "start"), end=_parse_day(end, "end"), dealer_ids=dealer_ids)
    finally:
        _refresh_connections()
    _queue_warm_up()
    return {"start": start, "end": end, **result.as_dict()}


@shared_task(**RETRY)
def nightly_rollup_task(due_only: bool = False) -> dict:
    """The trailing KPI_ROLLUP_TRAILING_DAYS days ending yesterday (region time); then the dashboards'
    warm-up and the digests.

    Beat calls it every hour with `due_only`: only the time zones whose 02:00 (KPI_ROLLUP_HOUR) has come
    and whose night run is not done yet (kpi.schedule); an hour with none due does nothing. Called without
    it (by hand, or a test), every zone is rolled up now.
    """
    from .schedule import rollup_due_zones

    _refresh_connections()
    try:
        results = rollup_due_zones() if due_only else kpi_rollup_trailing()
    finally:
        _refresh_connections()
    if due_only and not results:
        return {"windows": 0, "days": 0, "dealers": 0, "rows": 0, "seconds": 0.0}  # no region's night yet
    summary = {
        "windows": len(results),
        "days": max((r.days for r in results), default=0),
        "dealers": sum(r.dealers for r in results),
        "rows": sum(r.rows for r in results),
        "seconds": round(sum(r.seconds for r in results), 3),
    }
    _queue_warm_up()
    if apps.is_installed("digests"):
        _send_digests()
    return summary


@shared_task(acks_late=True, reject_on_worker_lost=True, max_retries=0)
def warm_dashboards_task() -> dict:
    """Render the region dashboards for the new facts (kpi.warmup), so the first views are cached."""
    from .warmup import warm_dashboards

    _refresh_connections()
    try:
        return warm_dashboards().as_dict()
    finally:
        _refresh_connections()


def _queue_warm_up() -> None:
    try:
        warm_dashboards_task.delay()
    except Exception:
        # As with the digests: the facts are committed; without the warm-up the first views are only slower.
        logger.exception("kpi roll-up done, but queueing the dashboards' warm-up failed")


def _send_digests() -> None:
    # Imported lazily: the digests app is optional and imports the KPI selectors itself.
    from digests.tasks import send_due_digests_task

    try:
        send_due_digests_task.delay()
    except Exception:
        # The facts are committed; a failure to queue the digests must not make the roll-up run again.
        logger.exception("kpi nightly roll-up done, but queueing the digests failed")
