"""Subscriptions (scope validation, role defaults) and the exactly-once delivery cycle."""

import datetime as dt
import smtplib

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.mail.backends.locmem import EmailBackend
from django.utils import timezone

from digests.choices import DeliveryStatus
from digests.models import DigestDelivery, Subscription
from digests.scopes import DigestScope
from digests.selectors import due_digests
from digests.services import (
    digest_delivery_send,
    digests_send_due,
    subscription_create,
    subscription_defaults_ensure,
    subscription_unsubscribe,
    subscription_update,
)

from .conftest import FIRST, MONDAY


def _subscribe(user, scope, frequency="weekly", language="en"):
    return subscription_create(user=user, frequency=frequency, scope=scope, language=language)


# ---- scope validation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "scope_of"),
    [
        ("service_manager", lambda w: DigestScope.region(w.region.pk)),
        ("service_manager", lambda w: DigestScope.tier(w.region.pk, 2)),
        ("service_manager", lambda w: DigestScope.dealer(w.b.pk)),
        ("advisor", lambda w: DigestScope.dealer(w.b.pk)),
        ("clerk", lambda w: DigestScope.region(w.region.pk)),
        ("technician", lambda w: DigestScope.dealer(w.a.pk)),  # technicians see no KPIs
        ("manager", lambda w: DigestScope.region(w.other_region.pk)),
        ("manager", lambda w: DigestScope.dealer(w.elsewhere.pk)),
    ],
)
def test_nobody_subscribes_to_a_scope_they_may_not_see(world, role, scope_of):
    with pytest.raises(ValidationError) as error:
        _subscribe(getattr(world, role), scope_of(world))
    assert "scope" in error.value.message_dict
    assert not Subscription.objects.exists()


@pytest.mark.parametrize(
    ("role", "scope_of"),
    [
        ("service_manager", lambda w: DigestScope.dealer(w.a.pk)),
        ("advisor", lambda w: DigestScope.dealer(w.a.pk)),
        ("clerk", lambda w: DigestScope.dealer(w.a.pk)),
        ("manager", lambda w: DigestScope.region(w.region.pk)),
        ("manager", lambda w: DigestScope.tier(w.region.pk, 3)),
        ("manager", lambda w: DigestScope.dealer(w.d.pk)),
    ],
)
def test_users_subscribe_to_what_they_see(world, role, scope_of):
    subscription = _subscribe(getattr(world, role), scope_of(world))
    assert subscription.active and subscription.scope == scope_of(world)


def test_bad_frequency_language_and_missing_scope_are_named(world):
    with pytest.raises(ValidationError) as error:
        subscription_create(user=world.manager, frequency="hourly", scope=DigestScope.dealer(999999), language="fr")
    assert set(error.value.message_dict) == {"frequency", "language", "scope"}


def test_subscribing_twice_is_refused_and_resubscribing_reactivates(world):
    subscription = _subscribe(world.manager, DigestScope.region(world.region.pk))
    with pytest.raises(ValidationError):
        _subscribe(world.manager, DigestScope.region(world.region.pk))
    subscription_unsubscribe(subscription=subscription)
    again = _subscribe(world.manager, DigestScope.region(world.region.pk), language="zh-hans")
    assert again.pk == subscription.pk and again.active and again.language == "zh-hans"


# ---- role defaults ------------------------------------------------------------------------------


def test_role_defaults_weekly_region_for_managers_daily_dealer_for_service_managers(world):
    created = subscription_defaults_ensure(user=world.manager)
    assert [(s.frequency, s.scope) for s in created] == [("weekly", DigestScope.region(world.region.pk))]
    created = subscription_defaults_ensure(user=world.service_manager)
    assert [(s.frequency, s.scope) for s in created] == [("daily", DigestScope.dealer(world.a.pk))]
    assert subscription_defaults_ensure(user=world.advisor) == []  # other roles opt in


def test_defaults_are_idempotent_and_a_turned_off_default_stays_off(world):
    first = subscription_defaults_ensure(user=world.manager, language="en")
    assert subscription_defaults_ensure(user=world.manager) == []
    subscription_unsubscribe(subscription=first[0])
    assert subscription_defaults_ensure(user=world.manager) == []
    assert Subscription.objects.get(user=world.manager).active is False


def test_turning_on_again_rechecks_the_scope(world):
    subscription = _subscribe(world.service_manager, DigestScope.dealer(world.a.pk))
    subscription_update(subscription=subscription, active=False)
    world.service_manager.memberships.all().delete()
    with pytest.raises(ValidationError):
        subscription_update(subscription=Subscription.objects.get(pk=subscription.pk), active=True)


# ---- what is due ----------------------------------------------------------------------------------


def test_due_is_evaluated_in_the_region_time_zone(world):
    _subscribe(world.manager, DigestScope.region(world.region.pk), frequency="weekly")
    sunday_evening_utc = dt.datetime(2026, 11, 22, 17, 30, tzinfo=dt.UTC)  # Monday 01:30 in Shanghai
    assert [d.period.start for d in due_digests(now=sunday_evening_utc)] == [dt.date(2026, 11, 16)]
    world.region.timezone = "Europe/London"  # still Sunday there
    world.region.save()
    assert due_digests(now=sunday_evening_utc) == []


def test_inactive_users_users_without_email_and_unsubscribed_digests_are_not_due(world):
    _subscribe(world.manager, DigestScope.region(world.region.pk))
    _subscribe(world.service_manager, DigestScope.dealer(world.a.pk))
    off = _subscribe(world.other_manager, DigestScope.dealer(world.b.pk))
    subscription_unsubscribe(subscription=off)
    world.manager.email = ""
    world.manager.save()
    world.service_manager.is_active = False
    world.service_manager.save()
    assert due_digests(today=MONDAY) == []


# ---- exactly once -----------------------------------------------------------------------------


@pytest.fixture
def subscribed(world):
    """Four subscriptions due on MONDAY, two languages."""
    return [
        _subscribe(world.manager, DigestScope.region(world.region.pk), "weekly", "zh-hans"),
        _subscribe(world.service_manager, DigestScope.dealer(world.a.pk), "daily", "en"),
        _subscribe(world.other_manager, DigestScope.dealer(world.b.pk), "daily", "zh-hans"),
        _subscribe(world.advisor, DigestScope.dealer(world.a.pk), "weekly", "en"),
    ]


def _run(capture, **kwargs):
    with capture(execute=True):
        return digests_send_due(today=MONDAY, **kwargs)


def _mails_per_recipient():
    counts = {}
    for message in mail.outbox:
        for to in message.to:
            counts[to] = counts.get(to, 0) + 1
    return counts


def test_each_due_digest_is_sent_once_and_logged(subscribed, django_capture_on_commit_callbacks):
    result = _run(django_capture_on_commit_callbacks)
    assert result.due == 4 and len(result.claimed) == 4
    assert _mails_per_recipient() == {"rm@example.com": 1, "sm@example.com": 1, "sm2@example.com": 1, "sa@example.com": 1}
    deliveries = DigestDelivery.objects.all()
    assert {d.status for d in deliveries} == {DeliveryStatus.SENT}
    assert all(d.sent_at and d.attempts == 1 and d.message_id.startswith("<") for d in deliveries)
    message = next(m for m in mail.outbox if m.to == ["rm@example.com"])
    delivery = DigestDelivery.objects.get(user__username="rm")
    assert message.extra_headers["Message-ID"] == delivery.message_id
    assert message.subject == delivery.subject
    assert message.alternatives[0][1] == "text/html"


def test_a_rerun_sends_nothing_again(subscribed, django_capture_on_commit_callbacks):
    _run(django_capture_on_commit_callbacks)
    again = _run(django_capture_on_commit_callbacks)
    assert again.due == 4 and again.claimed == []
    assert len(mail.outbox) == 4 and DigestDelivery.objects.count() == 4


def test_a_send_that_fails_once_is_retried_by_the_task(subscribed, django_capture_on_commit_callbacks, monkeypatch):
    original, calls = EmailBackend.send_messages, []

    def flaky(self, messages):
        calls.append(messages[0].to[0])
        if len(calls) == 2:  # the second send of the batch hits a broken connection
            raise smtplib.SMTPServerDisconnected("connection dropped")
        return original(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", flaky)
    _run(django_capture_on_commit_callbacks)
    assert set(_mails_per_recipient().values()) == {1} and len(mail.outbox) == 4
    retried = DigestDelivery.objects.get(recipient=calls[1])
    assert retried.status == DeliveryStatus.SENT and retried.attempts == 2


def test_a_failure_halfway_through_a_batch_then_a_rerun_gives_everyone_exactly_one_mail(
    subscribed, django_capture_on_commit_callbacks, monkeypatch
):
    original, calls = EmailBackend.send_messages, []
    victim = {}

    def broken_for_one(self, messages):
        to = messages[0].to[0]
        calls.append(to)
        victim.setdefault("to", calls[1] if len(calls) >= 2 else None)
        if len(calls) >= 2 and to == calls[1] and victim.get("broken", True):
            raise smtplib.SMTPRecipientsRefused({to: (451, b"try again later")})
        return original(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", broken_for_one)
    first = _run(django_capture_on_commit_callbacks)
    assert len(first.claimed) == 4
    failed = DigestDelivery.objects.get(status=DeliveryStatus.FAILED)
    assert failed.recipient == calls[1] and failed.attempts == 6  # the first try and five retries
    assert "451" in failed.last_error
    assert len(mail.outbox) == 3  # the batch went on past the failure

    victim["broken"] = False  # the mail server is back
    second = _run(django_capture_on_commit_callbacks)
    assert second.claimed == [failed.pk]
    assert _mails_per_recipient() == {"rm@example.com": 1, "sm@example.com": 1, "sm2@example.com": 1, "sa@example.com": 1}
    assert set(DigestDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}


def test_a_row_stuck_sending_is_taken_over_only_after_the_lease(subscribed, django_capture_on_commit_callbacks, settings):
    settings.DIGEST_SEND_LEASE_MINUTES = 30
    with django_capture_on_commit_callbacks(execute=False):  # claimed, then the worker "crashes"
        digests_send_due(today=MONDAY, usernames=["rm"])
    assert mail.outbox == []
    stuck = DigestDelivery.objects.get()
    assert stuck.status == DeliveryStatus.SENDING

    assert _run(django_capture_on_commit_callbacks, usernames=["rm"]).claimed == []  # within the lease
    DigestDelivery.objects.filter(pk=stuck.pk).update(claimed_at=timezone.now() - dt.timedelta(minutes=31))
    assert _run(django_capture_on_commit_callbacks, usernames=["rm"]).claimed == [stuck.pk]
    assert len(mail.outbox) == 1
    assert DigestDelivery.objects.get().message_id == stuck.message_id  # same Message-ID on the resend


def test_a_duplicate_task_for_a_delivery_sends_nothing(subscribed, django_capture_on_commit_callbacks):
    _run(django_capture_on_commit_callbacks, usernames=["rm"])
    delivery = DigestDelivery.objects.get()
    assert digest_delivery_send(delivery_id=delivery.pk) == "not_ours"
    assert len(mail.outbox) == 1


def test_an_attempt_in_flight_blocks_a_second_attempt(subscribed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        digests_send_due(today=MONDAY, usernames=["rm"])
    delivery = DigestDelivery.objects.get()
    DigestDelivery.objects.filter(pk=delivery.pk).update(attempt_started_at=timezone.now())
    assert digest_delivery_send(delivery_id=delivery.pk) == "not_ours"
    assert mail.outbox == []


def test_unsubscribing_between_claim_and_send_skips_the_mail(subscribed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        digests_send_due(today=MONDAY, usernames=["rm"])
    subscription_unsubscribe(subscription=subscribed[0])
    delivery = DigestDelivery.objects.get()
    assert digest_delivery_send(delivery_id=delivery.pk) == "skipped"
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SKIPPED and "unsubscribed" in delivery.last_error
    assert mail.outbox == []


def test_losing_access_before_the_send_skips_the_mail(subscribed, world, django_capture_on_commit_callbacks):
    from dealers import policy

    world.other_manager.memberships.all().delete()
    policy.forget(world.other_manager)
    _run(django_capture_on_commit_callbacks, usernames=["sm2"])
    delivery = DigestDelivery.objects.get()
    assert delivery.status == DeliveryStatus.SKIPPED and "no longer see" in delivery.last_error
    assert mail.outbox == []


def test_weekly_and_monthly_are_not_due_on_other_days(subscribed, world, django_capture_on_commit_callbacks):
    _subscribe(world.manager, DigestScope.region(world.region.pk), "monthly", "en")
    with django_capture_on_commit_callbacks(execute=True):
        tuesday = digests_send_due(today=MONDAY + dt.timedelta(days=1))
    assert tuesday.due == 2  # the two daily ones
    with django_capture_on_commit_callbacks(execute=True):
        first = digests_send_due(today=FIRST, frequencies=["monthly"])
    assert first.due == 1
    monthly = DigestDelivery.objects.get(frequency="monthly")
    assert (monthly.period_start, monthly.period_end) == (dt.date(2026, 11, 1), dt.date(2026, 11, 30))


def test_the_mail_carries_one_click_unsubscribe_headers(subscribed, django_capture_on_commit_callbacks, settings):
    settings.PORTAL_BASE_URL = "https://portal.example"
    _run(django_capture_on_commit_callbacks, usernames=["sm"])
    message = mail.outbox[0]
    header = message.extra_headers["List-Unsubscribe"]
    assert header.startswith("<https://portal.example/digests/unsubscribe/") and header.endswith("/>")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert header[1:-1] in message.body and header[1:-1] in message.alternatives[0][0]


def test_the_nightly_roll_up_queues_the_digests(db, monkeypatch):
    """kpi.tasks.nightly_rollup_task chains send_due_digests_task once the facts are in."""
    import digests.tasks
    from kpi.tasks import nightly_rollup_task

    queued = []
    monkeypatch.setattr(digests.tasks.send_due_digests_task, "delay", lambda *a, **k: queued.append((a, k)))
    nightly_rollup_task.apply()
    assert queued == [((), {})]


def test_send_due_digests_task_claims_and_sends(subscribed, django_capture_on_commit_callbacks, monkeypatch):
    import digests.tasks
    from digests.tasks import send_due_digests_task

    real = digests.tasks.digests_send_due  # as if the task ran on MONDAY
    monkeypatch.setattr(digests.tasks, "digests_send_due", lambda **kw: real(today=MONDAY, **kw))
    with django_capture_on_commit_callbacks(execute=True):
        assert send_due_digests_task.apply().get() == {"due": 4, "claimed": 4, "skipped": 0}
    assert len(mail.outbox) == 4
