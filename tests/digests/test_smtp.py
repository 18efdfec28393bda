"""Digests through a real Celery worker to a real SMTP server (aiosmtpd), parsed back with the email package.

Runs in the services pass of .ci/run (AFTERSALES_SERVICES=1, PostgreSQL, Redis)."""

import email
import socket
import time
from email import policy
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller

from digests.choices import DeliveryStatus
from digests.models import DigestDelivery, Subscription
from digests.scopes import DigestScope
from digests.services import digests_send_due, subscription_create

from .conftest import MONDAY

pytestmark = pytest.mark.services


class _Inbox:
    """Accepts every message but the first: that one gets a temporary failure, as a busy server answers."""

    def __init__(self):
        self.messages: list[bytes] = []
        self.refused = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        if not self.refused:
            self.refused += 1
            return "451 4.3.0 Try again later"
        self.messages.append(envelope.original_content or envelope.content)
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_inbox():
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


@pytest.fixture
def smtp_worker(transactional_db, smtp_inbox, monkeypatch, settings, request):
    """The Celery worker, started after the SMTP settings are in the environment it copies.

    transactional_db is named here (not only inside celery_worker_process, which is requested late) so
    the test's rows are committed and visible to the worker."""
    inbox, port = smtp_inbox
    smtp = {"EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend", "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(port), "EMAIL_USE_TLS": "0"}
    for key, value in smtp.items():
        monkeypatch.setenv(key, value)
    settings.EMAIL_BACKEND, settings.EMAIL_HOST, settings.EMAIL_PORT = smtp["EMAIL_BACKEND"], "127.0.0.1", port
    request.getfixturevalue("celery_worker_process")
    return inbox


def _wait_for(condition, timeout=90.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.25)
    return False


def test_digests_reach_a_real_smtp_server_once_in_both_languages(smtp_worker, world, client):
    inbox = smtp_worker
    zh = subscription_create(user=world.manager, frequency="weekly", scope=DigestScope.region(world.region.pk),
                             language="zh-hans")
    en = subscription_create(user=world.service_manager, frequency="daily", scope=DigestScope.dealer(world.a.pk),
                             language="en")

    result = digests_send_due(today=MONDAY)
    assert len(result.claimed) == 2
    assert _wait_for(lambda: DigestDelivery.objects.filter(status=DeliveryStatus.SENT).count() == 2), \
        list(DigestDelivery.objects.values("status", "attempts", "last_error"))
    assert _wait_for(lambda: len(inbox.messages) == 2)
    # The refused one was retried by the task (exponential backoff) and went out on its second attempt.
    assert inbox.refused == 1
    assert sorted(DigestDelivery.objects.values_list("attempts", flat=True)) == [1, 2]

    # A re-run through the worker sends nothing more.
    assert digests_send_due(today=MONDAY).claimed == []
    time.sleep(1)
    assert len(inbox.messages) == 2

    parsed = {}
    for raw in inbox.messages:
        message = email.message_from_bytes(raw, policy=policy.default)
        parsed[message["To"]] = message
    assert set(parsed) == {"rm@example.com", "sm@example.com"}
    for address, message in parsed.items():
        assert message.get_content_type() == "multipart/alternative"
        text = message.get_body(preferencelist=("plain",)).get_content()
        html = message.get_body(preferencelist=("html",)).get_content()
        assert text.strip() and "<table" in html and "<script" not in html
        delivery = DigestDelivery.objects.get(recipient=address)
        assert message["Message-ID"].strip() == delivery.message_id
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    zh_mail, en_mail = parsed["rm@example.com"], parsed["sm@example.com"]
    # Non-ASCII subjects travel as folded encoded-words; decoded, only the folding space is left over.
    zh_subject, en_subject = zh_mail["Subject"].strip(), en_mail["Subject"].strip()
    assert "华东区" in zh_subject and "2026-11-16 – 2026-11-22" in zh_subject
    assert en_subject == f"Daily KPI digest · {world.a.name} · 22 Nov 2026"
    assert zh_subject == DigestDelivery.objects.get(recipient="rm@example.com").subject
    assert "Headline KPIs" in en_mail.get_body(preferencelist=("plain",)).get_content()

    # The unsubscribe link in the mail works (one-click POST, as a mail provider sends it).
    link = en_mail["List-Unsubscribe"].strip().strip("<>")
    assert link in en_mail.get_body(preferencelist=("plain",)).get_content()
    response = client.post(urlsplit(link).path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert Subscription.objects.get(pk=en.pk).active is False
    assert Subscription.objects.get(pk=zh.pk).active is True
