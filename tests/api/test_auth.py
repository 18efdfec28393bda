"""Tokens: hashed at rest, read-only vs read-write, revocation, expiry, last use, security events, admin issue."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging

import pytest
from django.utils import timezone

from aftersales.api.authentication import api_token_revoke
from dealers.models import ApiToken, ApiTokenAccess
from tests.api.conftest import client_for, issue, work_order_payload

pytestmark = pytest.mark.django_db


def _events(caplog):
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "aftersales.security"]


def test_only_the_hash_of_the_token_is_stored(token_a):
    token, raw = token_a
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw.startswith(stored.prefix + ".") and raw not in json.dumps(list(ApiToken.objects.values()),
                                                                         default=str)


def test_no_credentials_is_401_with_a_bearer_challenge(client, caplog):
    with caplog.at_level(logging.INFO, logger="aftersales.security"):
        response = client.get("/api/v1/work-orders/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert _events(caplog)[0]["event"] == "auth_missing"


@pytest.mark.parametrize("header", ["Bearer nope", "Bearer abcd.wrong-secret", "Bearer", "Token a b"])
def test_bad_tokens_are_401_and_logged(client, token_a, header, caplog):
    with caplog.at_level(logging.INFO, logger="aftersales.security"):
        response = client.get("/api/v1/work-orders/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    event = _events(caplog)[0]
    assert event["event"] in {"auth_failed", "malformed_token", "malformed_header"}
    assert event["path"] == "/api/v1/work-orders/" and "ip" in event
    assert "wrong-secret" not in json.dumps(event)  # secrets never reach the log


def test_a_wrong_secret_with_a_real_prefix_is_refused(client, token_a, caplog):
    token, raw = token_a
    with caplog.at_level(logging.INFO, logger="aftersales.security"):
        response = client.get("/api/v1/dealers/", HTTP_AUTHORIZATION=f"Bearer {token.prefix}.guess")
    assert response.status_code == 401
    assert _events(caplog)[0] == {**_events(caplog)[0], "event": "auth_failed", "token_prefix": token.prefix}


def test_revoked_token_is_401(token_a, caplog):
    token, raw = token_a
    api_token_revoke(token=token)
    with caplog.at_level(logging.INFO, logger="aftersales.security"):
        response = client_for(raw).get("/api/v1/dealers/")
    assert response.status_code == 401
    assert _events(caplog)[0]["event"] == "token_revoked"


def test_expired_token_is_401(region, dealer, caplog):
    _token, raw = issue(region, dealers=[dealer], expires_at=timezone.now() - dt.timedelta(seconds=1))
    with caplog.at_level(logging.INFO, logger="aftersales.security"):
        assert client_for(raw).get("/api/v1/dealers/").status_code == 401
    assert _events(caplog)[0]["event"] == "token_expired"
    _token, raw = issue(region, dealers=[dealer], expires_at=timezone.now() + dt.timedelta(days=1))
    assert client_for(raw).get("/api/v1/dealers/").status_code == 200


def test_read_only_token_reads_but_every_write_is_403(read_only_api, dealer, catalogue, caplog):
    assert read_only_api.get("/api/v1/work-orders/").status_code == 200
    with caplog.at_level(logging.INFO, logger="aftersales.security"):
        for path, body in [("/api/v1/work-orders/", work_order_payload(dealer.code)),
                           ("/api/v1/work-orders/bulk/", [work_order_payload(dealer.code)]),
                           ("/api/v1/stock-movements/", {"dealer": dealer.code, "part": "OF-100", "kind": "receipt",
                                                         "quantity": 1}),
                           ("/api/v1/technicians/", {"dealer": dealer.code, "employee_code": "X", "name": "x"})]:
            response = read_only_api.post(path, body, format="json")
            assert response.status_code == 403, path
    assert {e["event"] for e in _events(caplog)} == {"read_only_token_write", "permission_denied"}
    assert not dealer.work_orders.exists()


def test_last_use_is_recorded_at_most_once_a_minute(token_a, django_assert_num_queries):
    token, raw = token_a
    api = client_for(raw)
    api.get("/api/v1/dealers/")
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first is not None
    api.get("/api/v1/dealers/")
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - dt.timedelta(minutes=2))
    api.get("/api/v1/dealers/")
    assert ApiToken.objects.get(pk=token.pk).last_used_at > first


def test_token_history_names_its_service_account(token_a, dealer, catalogue, technicians):
    token, raw = token_a
    body = client_for(raw).post("/api/v1/work-orders/", work_order_payload(dealer.code), format="json").json()
    from workorders.models import WorkOrder

    history = WorkOrder.objects.get(pk=body["id"]).history.first()
    assert history.history_user == token.user
    assert token.user.username == f"api.{token.prefix}" and not token.user.has_usable_password()


def test_admin_issues_a_token_showing_the_raw_value_once(client, superuser, region, dealer):
    client.force_login(superuser)
    response = client.post("/admin/dealers/apitoken/add/", {
        "name": "DMS-A", "region": region.pk, "scope": "dealers", "dealers": [dealer.pk], "access": "read_write",
    }, follow=True)
    assert response.status_code == 200
    token = ApiToken.objects.get(name="DMS-A")
    shown = [str(m) for m in response.context["messages"]]
    raw = next(part for m in shown for part in m.split() if part.startswith(token.prefix + "."))
    assert hashlib.sha256(raw.encode()).hexdigest() == token.key_hash
    assert list(token.dealers.all()) == [dealer]
    assert client_for(raw).get("/api/v1/dealers/").status_code == 200
    # Never again: the change page does not show it.
    page = client.get(f"/admin/dealers/apitoken/{token.pk}/change/").content.decode()
    assert raw not in page
    client.post("/admin/dealers/apitoken/", {"action": "revoke_tokens", "_selected_action": [token.pk]})
    assert client_for(raw).get("/api/v1/dealers/").status_code == 401


def test_admin_refuses_a_dealer_token_without_dealers(client, superuser, region):
    client.force_login(superuser)
    response = client.post("/admin/dealers/apitoken/add/", {"name": "x", "region": region.pk, "scope": "dealers",
                                                            "access": "read"})
    assert response.status_code == 200 and not ApiToken.objects.exists()


def test_read_write_token_with_access_changed_to_read_is_refused(token_a, dealer):
    token, raw = token_a
    ApiToken.objects.filter(pk=token.pk).update(access=ApiTokenAccess.READ)
    response = client_for(raw).post("/api/v1/work-orders/", work_order_payload(dealer.code), format="json")
    assert response.status_code == 403


def test_admin_rotates_a_secret_and_the_old_one_stops_working(client, superuser, token_a):
    token, old = token_a
    client.force_login(superuser)
    response = client.post("/admin/dealers/apitoken/", {"action": "rotate_secret", "_selected_action": [token.pk]},
                           follow=True)
    shown = " ".join(str(m) for m in response.context["messages"])
    new = next(part for part in shown.split() if part.startswith(token.prefix + "."))
    assert client_for(old).get("/api/v1/dealers/").status_code == 401
    assert client_for(new).get("/api/v1/dealers/").status_code == 200


def test_reading_another_dealers_record_is_logged_as_refused(api, world, caplog):
    with caplog.at_level(logging.INFO, logger="aftersales.security"):
        assert api.get(f"/api/v1/work-orders/{world['b']['work_order'].pk}/").status_code == 404
        assert api.get("/api/v1/work-orders/999999999/").status_code == 404
    events = _events(caplog)
    assert [e["event"] for e in events] == ["scope_refused"]  # the missing record is just missing
    assert events[0]["object"] == str(world["b"]["work_order"].pk)
