"""python manage.py send_digests."""

from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from digests.models import DigestDelivery, Subscription
from digests.scopes import DigestScope
from digests.services import subscription_create

from .conftest import MONDAY


@pytest.fixture
def subscribed(world):
    subscription_create(user=world.manager, frequency="weekly", scope=DigestScope.region(world.region.pk), language="en")
    subscription_create(user=world.service_manager, frequency="daily", scope=DigestScope.dealer(world.a.pk), language="zh-hans")


def _call(*args):
    out = StringIO()
    call_command("send_digests", *args, stdout=out)
    return out.getvalue()


def test_dry_run_prints_what_would_be_sent_and_writes_nothing(subscribed):
    out = _call("--dry-run", "--date", MONDAY.isoformat())
    assert "would send: rm <rm@example.com> · weekly" in out and "Weekly KPI digest · 华东区 · 16–22 Nov 2026" in out
    assert "would send: sm <sm@example.com> · daily" in out
    assert "2 digest(s) due; nothing written" in out
    assert not DigestDelivery.objects.exists() and mail.outbox == []


def test_send_filters_by_user_and_frequency_and_is_idempotent(subscribed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        out = _call("--date", MONDAY.isoformat(), "--user", "sm")
    assert "claimed and queued: 1" in out and [m.to for m in mail.outbox] == [["sm@example.com"]]
    with django_capture_on_commit_callbacks(execute=True):
        out = _call("--date", MONDAY.isoformat(), "--frequency", "weekly")
    assert "claimed and queued: 1" in out and len(mail.outbox) == 2
    with django_capture_on_commit_callbacks(execute=True):
        out = _call("--date", MONDAY.isoformat())
    assert "claimed and queued: 0" in out and "already sent or in flight: 2" in out and len(mail.outbox) == 2
    assert "already sent" in _call("--dry-run", "--date", MONDAY.isoformat())


def test_ensure_defaults_creates_the_role_subscriptions(world):
    out = _call("--ensure-defaults", "--dry-run", "--date", MONDAY.isoformat())
    assert not Subscription.objects.exists() and "not creating" in out
    _call("--ensure-defaults", "--date", "2026-11-24", "--frequency", "monthly")
    assert set(Subscription.objects.values_list("user__username", "frequency")) == {
        ("rm", "weekly"), ("sm", "daily"), ("sm2", "daily"),
    }


@pytest.mark.parametrize(("args", "message"), [
    (["--date", "23.11.2026"], "YYYY-MM-DD"),
    (["--user", "nobody"], "nobody"),
])
def test_bad_arguments_say_what_is_wrong(world, args, message):
    with pytest.raises(CommandError, match=message):
        _call(*args)


def test_a_bad_date_names_the_option_and_sends_nothing(subscribed):
    with pytest.raises(CommandError, match=r"--date: '2026-02-30' is not a date; use YYYY-MM-DD"):
        _call("--date", "2026-02-30")
    assert not mail.outbox and not DigestDelivery.objects.exists()
