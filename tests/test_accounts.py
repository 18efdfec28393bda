"""Accounts: brute-force lockout per user and per address, sessions end on logout and password change,
and the production settings pass `check --deploy`."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from tests.dealers.factories import UserFactory

PASSWORD = "pass-word-123"


def _login(client, username, password, ip="10.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


@pytest.mark.django_db
def test_login_page_renders_in_both_languages(client):
    zh = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    en = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en")
    assert zh.status_code == en.status_code == 200
    assert "Log in" in en.content.decode()
    assert "登录" in zh.content.decode()


@pytest.mark.django_db
def test_user_is_locked_out_after_five_failures_even_with_the_right_password(client):
    UserFactory(username="advisor")
    for _ in range(5):
        _login(client, "advisor", "wrong")
    response = _login(client, "advisor", PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_lockout_of_one_user_does_not_lock_another_user_from_another_address(client):
    UserFactory(username="victim")
    UserFactory(username="colleague")
    for _ in range(5):
        _login(client, "victim", "wrong", ip="10.0.0.9")
    response = _login(client, "colleague", PASSWORD, ip="10.0.0.10")
    assert response.status_code == 302


@pytest.mark.django_db
def test_address_is_locked_out_after_failures_across_usernames(client):
    for n in range(5):
        _login(client, f"guess{n}", "wrong", ip="10.0.0.66")
    UserFactory(username="someone")
    assert _login(client, "someone", PASSWORD, ip="10.0.0.66").status_code == 429
    assert _login(client, "someone", PASSWORD, ip="10.0.0.67").status_code == 302


@pytest.mark.django_db
def test_logout_ends_the_session(client):
    UserFactory(username="advisor")
    assert _login(client, "advisor", PASSWORD).status_code == 302
    client.post(reverse("logout"))
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("home")).status_code == 302  # back to the login page


@pytest.mark.django_db
def test_password_change_signs_out_other_sessions(client, django_user_model):
    from django.test import Client

    UserFactory(username="advisor")
    other_device = Client()
    assert _login(other_device, "advisor", PASSWORD, ip="10.0.0.2").status_code == 302
    assert _login(client, "advisor", PASSWORD).status_code == 302
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "another-Secret-987", "new_password2": "another-Secret-987"},
    )
    assert response.status_code == 302
    assert client.get(reverse("password_change_done")).status_code == 200  # this session survives
    assert other_device.get(reverse("home")).status_code == 302  # the other one is signed out


def _deploy_check(env_overrides):
    root = Path(__file__).resolve().parent.parent
    # Browser test modules set DJANGO_ALLOW_ASYNC_UNSAFE for Playwright; a deployment never has it.
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING",
         "--settings", "aftersales.settings.production"],
        cwd=root, env=env, capture_output=True, text=True, timeout=120,
    )


def test_production_settings_pass_check_deploy():
    result = _deploy_check({"SECRET_KEY": "x" * 20 + "-production-secret-key-for-the-deploy-check-0123456789",
                            "ALLOWED_HOSTS": "aftersales.example"})
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_settings_refuse_to_start_without_a_secret_key():
    result = _deploy_check({"SECRET_KEY": "", "ALLOWED_HOSTS": "aftersales.example"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.django_db
def test_behind_a_proxy_each_client_address_is_locked_separately(client, settings):
    """With PROXY_COUNT=1 the client address comes from X-Forwarded-For, so one attacker behind the
    proxy does not lock out everyone else who shares the proxy's address."""
    settings.AXES_IPWARE_PROXY_COUNT = 1
    UserFactory(username="colleague")
    for n in range(5):
        client.post(reverse("login"), {"username": f"guess{n}", "password": "x"},
                    REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="203.0.113.5, 192.0.2.1")
    locked = client.post(reverse("login"), {"username": "colleague", "password": PASSWORD},
                         REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="203.0.113.5, 192.0.2.1")
    assert locked.status_code == 429
    other = client.post(reverse("login"), {"username": "colleague", "password": PASSWORD},
                        REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="198.51.100.7, 192.0.2.1")
    assert other.status_code == 302
