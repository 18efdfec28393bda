"""Celery tasks: thin wrappers around digests.services.

send_due_digests_task runs after the nightly KPI roll-up (kpi.tasks.nightly_rollup_task queues it on
success), so a digest never reports a day the roll-up has not finished.
"""

from __future__ import annotations

from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval

from .services import SMTP_ERRORS, digest_delivery_send, digests_send_due

# Retries on SMTP errors with exponential backoff and full jitter: at most 2, 4, 8, 16, 32 s — about a
# minute in all, far inside the send lease (services.send_lease), so a re-run never takes over a delivery
# whose retries are still pending.
MAX_RETRIES = 5
BACKOFF_FACTOR = 2
BACKOFF_MAX = 600


def retry_countdown(retries: int) -> int:
    return get_exponential_backoff_interval(BACKOFF_FACTOR, retries, BACKOFF_MAX, full_jitter=True)


@shared_task(bind=True, max_retries=MAX_RETRIES, acks_late=True)
def send_digest_task(self, delivery_id: int) -> str:
    """One claimed digest. The retry is written out rather than `autoretry_for`: run eagerly (the demo
    without a broker, tests) Celery's retry surfaces as an error instead of running again, so there
    the attempts follow each other in-process, counted the same way."""
    final = self.request.retries >= self.max_retries
    try:
        return digest_delivery_send(delivery_id=delivery_id, final_attempt=final)
    except SMTP_ERRORS as exc:
        if final:
            raise  # the row says "failed"; a later run on the due day claims it again
        if self.request.is_eager:
            return self.apply(args=(delivery_id,), retries=self.request.retries + 1, throw=True).get()
        raise self.retry(exc=exc, countdown=retry_countdown(self.request.retries)) from exc


@shared_task
def send_due_digests_task() -> dict:
    return digests_send_due().as_dict()
