"""`Idempotency-Key` on POST: the first answer is replayed to the same client for 24 hours.

A record (client, key) is inserted before the request runs, holding a hash of method, path and parsed
body; a retry with the same key and body gets the stored answer (header `Idempotent-Replayed: true`), a
different body gets 422, and a retry while the first is still running gets 409. A 5xx or a crash drops the
record so the client may retry for real.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from .scope import client_key

HEADER = "Idempotency-Key"
TTL = dt.timedelta(hours=24)
MAX_KEY_LENGTH = 255


class IdempotencyKeyReused(APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = _("This Idempotency-Key was already used with a different request.")
    default_code = "idempotency_key_reused"


class IdempotencyInProgress(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("A request with this Idempotency-Key is still being processed; retry later.")
    default_code = "idempotency_in_progress"


class IdempotentReplay(Exception):  # noqa: N818 — control flow, not an error
    def __init__(self, record: Any) -> None:
        self.record = record

    def response(self) -> Response:
        body = json.loads(self.record.response_body) if self.record.response_body else None
        return Response(body, status=self.record.status_code, headers={"Idempotent-Replayed": "true"})


def _request_hash(request: Any) -> str:
    body = json.dumps(request.data, sort_keys=True, cls=JSONEncoder, separators=(",", ":"))
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def idempotency_begin(request: Any) -> Any | None:
    """Claim the request's key; None when the request has none (or is not a POST). May raise IdempotentReplay."""
    from dealers.models import IdempotencyRecord

    key = request.headers.get(HEADER)
    if request.method != "POST" or key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH or "\x00" in key:
        raise ValidationError({HEADER: [_("Give a key of 1 to %(max)s characters.") % {"max": MAX_KEY_LENGTH}]})
    client = client_key(request.user)
    digest = _request_hash(request)
    now = timezone.now()
    IdempotencyRecord.objects.filter(client=client, key=key, created_at__lt=now - TTL).delete()
    try:
        with transaction.atomic():
            return IdempotencyRecord.objects.create(
                client=client, key=key, method=request.method, path=request.path[:500], request_hash=digest,
                created_at=now,
            )
    except IntegrityError:
        existing = IdempotencyRecord.objects.filter(client=client, key=key).first()
        if existing is None:  # expired and deleted by a concurrent request in between
            raise IdempotencyInProgress() from None
    if existing.request_hash != digest:
        raise IdempotencyKeyReused()
    if existing.status_code is None:
        raise IdempotencyInProgress()
    raise IdempotentReplay(existing)


def idempotency_finish(record: Any, response: Any) -> None:
    """Keep the answer for replays; a server error or a conflict frees the key for a real retry."""
    if response.status_code >= 500 or response.status_code in (409, 429):
        idempotency_abandon(record)
        return
    body = json.dumps(response.data, cls=JSONEncoder) if getattr(response, "data", None) is not None else ""
    record.status_code = response.status_code
    record.response_body = body
    record.save(update_fields=["status_code", "response_body"])


def idempotency_abandon(record: Any) -> None:
    type(record).objects.filter(pk=record.pk).delete()


def idempotency_purge(*, older_than: dt.timedelta = TTL) -> int:
    """Delete expired records (called by the nightly clean-up; replays past 24 h are not honoured anyway)."""
    from dealers.models import IdempotencyRecord

    deleted, _counts = IdempotencyRecord.objects.filter(created_at__lt=timezone.now() - older_than).delete()
    return deleted
