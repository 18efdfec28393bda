"""Writes of the digests app: subscriptions, and the claim → send → log cycle of each digest.

Exactly once per user, scope, frequency and period:
1. digests_send_due() claims each due digest by INSERTing its DigestDelivery row (status "sending")
   inside a transaction. The unique constraint makes the insert fail for a digest someone already
   claimed: IntegrityError → skip. Only the claimer queues send_digest_task(delivery_id).
2. digest_delivery_send() starts an attempt with a conditional UPDATE (only a "sending" row with no
   attempt in flight), sends, then marks the row "sent" with the time; its Message-ID was fixed at
   the claim. A duplicate task (Celery redelivery, a re-run) finds the row sent or busy and does nothing.
3. SMTP errors are retried by the task with exponential backoff; after the last retry the row is
   "failed" (attempts, last_error). A later run on the same due day claims failed rows again.
4. Lease: a worker that dies mid-attempt leaves the row "sending". A re-run takes such a row over only
   once DIGEST_SEND_LEASE_MINUTES (default 30) have passed since its claim and since its last attempt
   began — far longer than the retry schedule (~1 min) — so a live worker is never raced. The one
   window left is a crash after the SMTP server accepted the mail but before the row was marked sent:
   that digest goes out again after the lease, with the same Message-ID so clients can fold it.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from collections.abc import Collection
from dataclasses import dataclass, field
from email.utils import make_msgid, parseaddr

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dealers.choices import Role

from .choices import DeliveryStatus, DigestFrequency, ScopeKind, language_choices
from .content import build_digest, render_digest
from .models import DigestDelivery, Subscription
from .periods import Period
from .scopes import DigestScope
from .selectors import DueDigest, due_digests, scope_is_visible, scope_resolve
from .tokens import unsubscribe_token

logger = logging.getLogger(__name__)

SMTP_ERRORS = (smtplib.SMTPException, OSError)


def send_lease() -> dt.timedelta:
    return dt.timedelta(minutes=getattr(settings, "DIGEST_SEND_LEASE_MINUTES", 30))


# ---- subscriptions --------------------------------------------------------------------------------


def _scope_fields(scope: DigestScope) -> dict:
    return {
        "scope_kind": scope.kind,
        "region_id": scope.region_id if scope.kind != ScopeKind.DEALER else None,
        "city_tier": scope.city_tier if scope.kind == ScopeKind.TIER else None,
        "dealer_id": scope.dealer_id if scope.kind == ScopeKind.DEALER else None,
    }


def subscription_validate(*, user, frequency: str, scope: DigestScope, language: str) -> None:
    """ValidationError naming the field when the user may not have this digest."""
    errors = {}
    if frequency not in DigestFrequency.values:
        errors["frequency"] = _("Unknown frequency %(value)r; choose daily, weekly or monthly.") % {"value": frequency}
    if language not in dict(language_choices()):
        errors["language"] = _("Unknown language %(value)r.") % {"value": language}
    if scope_resolve(scope=scope) is None:
        errors["scope"] = _("The region or dealer of scope %(scope)s does not exist.") % {"scope": scope.key}
    elif not scope_is_visible(user=user, scope=scope):
        # dealers.policy decides: dealer staff get their own dealer only; regions and tiers need a region role.
        errors["scope"] = _("You may not subscribe to a digest about %(scope)s.") % {"scope": scope.key}
    if errors:
        raise ValidationError(errors)


def _find(*, user, frequency: str, scope: DigestScope) -> Subscription | None:
    fields = _scope_fields(scope)
    return Subscription.objects.filter(user=user, frequency=frequency, **fields).first()


def subscription_create(*, user, frequency: str, scope: DigestScope, language: str) -> Subscription:
    """Subscribe; turning an unsubscribed digest of the same frequency and scope back on is a re-subscribe."""
    subscription_validate(user=user, frequency=frequency, scope=scope, language=language)
    with transaction.atomic():
        existing = _find(user=user, frequency=frequency, scope=scope)
        if existing is not None:
            if existing.active:
                raise ValidationError({"scope": _("You already get this digest.")})
            existing.active, existing.unsubscribed_at, existing.language = True, None, language
            existing.save(update_fields=["active", "unsubscribed_at", "language", "updated_at"])
            return existing
        try:
            with transaction.atomic():
                return Subscription.objects.create(user=user, frequency=frequency, language=language, **_scope_fields(scope))
        except IntegrityError:
            raise ValidationError({"scope": _("You already get this digest.")}) from None


def subscription_update(*, subscription: Subscription, active: bool | None = None, language: str | None = None) -> Subscription:
    changed = []
    if language is not None:
        if language not in dict(language_choices()):
            raise ValidationError({"language": _("Unknown language %(value)r.") % {"value": language}})
        subscription.language = language
        changed.append("language")
    if active is not None and active != subscription.active:
        if active:
            # Re-checked: the user may have lost access since they unsubscribed.
            subscription_validate(user=subscription.user, frequency=subscription.frequency,
                                  scope=subscription.scope, language=subscription.language)
        subscription.active = active
        subscription.unsubscribed_at = None if active else timezone.now()
        changed += ["active", "unsubscribed_at"]
    if changed:
        subscription.save(update_fields=[*changed, "updated_at"])
    return subscription


def subscription_unsubscribe(*, subscription: Subscription) -> Subscription:
    """Idempotent: a second click (or a mail client's one-click POST after the user's) changes nothing."""
    if subscription.active:
        Subscription.objects.filter(pk=subscription.pk).update(active=False, unsubscribed_at=timezone.now(),
                                                               updated_at=timezone.now())
        subscription.refresh_from_db()
    return subscription


def subscription_defaults(*, user) -> list[tuple[str, DigestScope]]:
    """What each role gets unless they turn it off: a regional manager the weekly digest of each of
    their regions, a dealer service manager the daily digest of their dealer. Other roles opt in."""
    defaults: list[tuple[str, DigestScope]] = []
    for role, region_id, dealer_id in user.memberships.values_list("role", "region_id", "dealer_id").order_by("id"):
        if role == Role.REGIONAL_MANAGER and region_id is not None:
            defaults.append((DigestFrequency.WEEKLY, DigestScope.region(region_id)))
        elif role == Role.SERVICE_MANAGER and dealer_id is not None:
            defaults.append((DigestFrequency.DAILY, DigestScope.dealer(dealer_id)))
    return list(dict.fromkeys(defaults))


def subscription_defaults_ensure(*, user, language: str | None = None) -> list[Subscription]:
    """Create the role defaults the user does not have yet; returns the ones created (idempotent).

    A default the user turned off stays off (the row exists, inactive). Called from the manage page,
    from `send_digests --ensure-defaults` and from the demo seed; never from the send task, so a digest
    is only ever sent to someone who had the chance to see and change their subscriptions.
    """
    if not user.is_active:
        return []
    language = language if language in dict(language_choices()) else settings.LANGUAGE_CODE
    created = []
    with transaction.atomic():
        for frequency, scope in subscription_defaults(user=user):
            if _find(user=user, frequency=frequency, scope=scope) is not None:
                continue
            if not scope_is_visible(user=user, scope=scope):
                continue
            try:
                with transaction.atomic():
                    created.append(Subscription.objects.create(
                        user=user, frequency=frequency, language=language, **_scope_fields(scope)
                    ))
            except IntegrityError:
                continue  # created concurrently (two tabs): the other one won
    return created


# ---- delivery -------------------------------------------------------------------------------------


def _message_id() -> str:
    # Short enough that the header is never folded (some clients trip over a folded Message-ID).
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "aftersales.localhost"
    return make_msgid(idstring="digest", domain=domain)


def unsubscribe_url(*, subscription: Subscription) -> str:
    path = reverse("digests:unsubscribe", args=(unsubscribe_token(subscription=subscription),))
    return settings.PORTAL_BASE_URL.rstrip("/") + path


def digest_delivery_claim(*, due: DueDigest, now: dt.datetime | None = None) -> DigestDelivery | None:
    """Insert the delivery row for a due digest; None when someone else holds it (sent, or in flight).

    A row that failed, or that is still "sending" long after its lease ran out (a crashed worker), is
    taken over with a conditional UPDATE, so two concurrent runs cannot both take it.
    """
    now = now or timezone.now()
    subscription, period = due.subscription, due.period
    key = {"user_id": subscription.user_id, "scope_key": subscription.scope.key, "frequency": subscription.frequency,
           "period_start": period.start, "period_end": period.end}
    try:
        with transaction.atomic():
            return DigestDelivery.objects.create(
                **key, subscription=subscription, language=subscription.language, recipient=subscription.user.email,
                status=DeliveryStatus.SENDING, claimed_at=now,
                message_id=_message_id(),
            )
    except IntegrityError:
        pass
    stale = now - send_lease()
    taken = (
        DigestDelivery.objects.filter(**key)
        .filter(
            Q(status=DeliveryStatus.FAILED)
            | (Q(status=DeliveryStatus.SENDING, claimed_at__lt=stale)
               & (Q(attempt_started_at__isnull=True) | Q(attempt_started_at__lt=stale)))
        )
        .update(status=DeliveryStatus.SENDING, claimed_at=now, attempt_started_at=None, subscription=subscription,
                language=subscription.language, recipient=subscription.user.email, updated_at=now)
    )
    return DigestDelivery.objects.get(**key) if taken else None


@dataclass
class SendDueResult:
    due: int = 0
    claimed: list[int] = field(default_factory=list)

    @property
    def skipped(self) -> int:
        return self.due - len(self.claimed)

    def as_dict(self) -> dict:
        return {"due": self.due, "claimed": len(self.claimed), "skipped": self.skipped}


def digests_send_due(
    *,
    now: dt.datetime | None = None,
    today: dt.date | None = None,
    frequencies: Collection[str] | None = None,
    usernames: Collection[str] | None = None,
) -> SendDueResult:
    """Claim every digest due now (region time) and queue one send task per claim."""
    from .tasks import send_digest_task

    now = now or timezone.now()
    result = SendDueResult()
    for due in due_digests(now=now, today=today, frequencies=frequencies, usernames=usernames):
        result.due += 1
        delivery = digest_delivery_claim(due=due, now=now)
        if delivery is None:
            continue
        result.claimed.append(delivery.pk)
        # After the claim commits (the worker must see the row); robust: with eager tasks (demo, tests)
        # one failed send must not stop the batch — the row records the failure.
        transaction.on_commit(lambda pk=delivery.pk: send_digest_task.delay(pk), robust=True)
    logger.info("digests due: %s", result.as_dict())
    return result


def _finish(delivery_id: int, **fields) -> None:
    DigestDelivery.objects.filter(pk=delivery_id).update(attempt_started_at=None, updated_at=timezone.now(), **fields)


def _skip_reason(delivery: DigestDelivery) -> str:
    subscription, user = delivery.subscription, delivery.user
    if subscription is None:
        return "the subscription was deleted"
    if not subscription.active:
        return "unsubscribed before the digest went out"
    if not user.is_active:
        return "the user is inactive"
    if not delivery.recipient:
        return "the user has no e-mail address"
    if not scope_is_visible(user=user, scope=DigestScope.parse(delivery.scope_key)):
        return f"the user may no longer see {delivery.scope_key}"
    return ""


def digest_message(*, delivery: DigestDelivery, subject: str, text: str, html: str, unsubscribe: str) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=[delivery.recipient],
        headers={
            "Message-ID": delivery.message_id,
            # RFC 2369 / RFC 8058: mail clients show an unsubscribe button that POSTs to this URL.
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
            "X-Auto-Response-Suppress": "OOF, AutoReply",
        },
    )
    message.attach_alternative(html, "text/html")
    return message


def digest_delivery_send(*, delivery_id: int, final_attempt: bool = True) -> str:
    """One attempt at sending a claimed digest: "sent", "skipped" or "not_ours" (sent already, or another
    attempt is in flight). SMTP errors are recorded and re-raised for the task to retry; on the
    final attempt the row becomes "failed"."""
    now = timezone.now()
    stale = now - send_lease()
    started = (
        DigestDelivery.objects.filter(pk=delivery_id, status=DeliveryStatus.SENDING)
        .filter(Q(attempt_started_at__isnull=True) | Q(attempt_started_at__lt=stale))
        .update(attempt_started_at=now, attempts=F("attempts") + 1, updated_at=now)
    )
    if not started:
        logger.info("digest delivery %s: already sent, skipped or in flight elsewhere", delivery_id)
        return "not_ours"
    delivery = DigestDelivery.objects.select_related("user", "subscription").get(pk=delivery_id)
    reason = _skip_reason(delivery)
    if reason:
        logger.info("digest delivery %s skipped: %s", delivery_id, reason)
        _finish(delivery_id, status=DeliveryStatus.SKIPPED, last_error=reason)
        return "skipped"
    try:
        digest = build_digest(
            user=delivery.user, scope=DigestScope.parse(delivery.scope_key),
            period=Period(delivery.frequency, delivery.period_start, delivery.period_end),
            language=delivery.language, unsubscribe_url=unsubscribe_url(subscription=delivery.subscription),
        )
        rendered = render_digest(digest)
        message = digest_message(delivery=delivery, subject=rendered.subject, text=rendered.text, html=rendered.html,
                                 unsubscribe=digest.unsubscribe_url)
    except Exception as exc:
        logger.exception("digest delivery %s: could not build the digest", delivery_id)
        _finish(delivery_id, status=DeliveryStatus.FAILED, last_error=f"building the digest: {type(exc).__name__}: {exc}")
        raise
    try:
        message.send()
    except SMTP_ERRORS as exc:
        logger.warning("digest delivery %s to %s: attempt %s failed: %s", delivery_id, delivery.recipient,
                       delivery.attempts, exc)
        _finish(delivery_id, status=DeliveryStatus.FAILED if final_attempt else DeliveryStatus.SENDING,
                last_error=f"{type(exc).__name__}: {exc}", subject=rendered.subject[:255])
        raise
    _finish(delivery_id, status=DeliveryStatus.SENT, sent_at=timezone.now(), subject=rendered.subject[:255], last_error="")
    logger.info("digest delivery %s sent to %s (%s)", delivery_id, delivery.recipient, delivery.message_id)
    return "sent"
