"""Housekeeping of the integration API's bookkeeping (thin Celery wrappers)."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def api_idempotency_purge_task() -> dict:
    """Drop Idempotency-Key records past their 24 hours (they are no longer replayed anyway)."""
    from aftersales.api.idempotency import idempotency_purge

    return {"deleted": idempotency_purge()}
