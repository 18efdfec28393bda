"""API tokens: `Authorization: Bearer <prefix>.<secret>` (or `Token …`).

Only sha256(raw token) is stored. A token is looked up by its prefix and compared in constant time; a
revoked or expired token, an unknown prefix or a wrong secret is a 401 and a security event. The last use
is written at most once a minute (a conditional UPDATE), so a busy client does not write on every call.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from .security import security_event

KEYWORDS = ("bearer", "token")
PREFIX_BYTES = 4  # 8 hex characters: enough to tell tokens apart, useless to guess the secret
SECRET_BYTES = 32
LAST_USED_EVERY = dt.timedelta(minutes=1)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def split_token(raw: str) -> tuple[str, str]:
    prefix, _dot, secret = raw.partition(".")
    return prefix, secret


def api_token_assign_secret(*, token: Any) -> str:
    """Give an unsaved token its prefix, hash and service account; returns the raw token (shown once)."""
    from dealers.models import ApiToken

    while True:
        prefix = secrets.token_hex(PREFIX_BYTES)
        if not ApiToken.objects.filter(prefix=prefix).exists():
            break
    raw = f"{prefix}.{secrets.token_urlsafe(SECRET_BYTES)}"
    user = get_user_model().objects.create(username=f"api.{prefix}", first_name=(token.name or "")[:150])
    user.set_unusable_password()  # the service account never logs in: it only carries history
    user.save(update_fields=["password"])
    token.prefix, token.key_hash, token.user = prefix, hash_token(raw), user
    return raw


def api_token_issue(
    *,
    name: str,
    region: Any,
    access: str,
    scope: str,
    dealers: list[Any] | tuple[Any, ...] = (),
    expires_at: dt.datetime | None = None,
    by: Any = None,
) -> tuple[Any, str]:
    """Create a token and its service account; returns (token, raw token). The raw token is not kept."""
    from dealers.models import ApiToken

    with transaction.atomic():
        token = ApiToken(
            name=name, region=region, access=access, scope=scope, expires_at=expires_at,
            created_by=by if getattr(by, "is_authenticated", False) else None,
        )
        raw = api_token_assign_secret(token=token)
        token.save()
        if dealers:
            token.dealers.set(dealers)
    return token, raw


def api_token_rotate(*, token: Any) -> str:
    """A new secret under the same prefix (and scope); the old raw token stops working. Returns the new one."""
    raw = f"{token.prefix}.{secrets.token_urlsafe(SECRET_BYTES)}"
    token.key_hash = hash_token(raw)
    token.save(update_fields=["key_hash"])
    return raw


def api_token_revoke(*, token: Any) -> Any:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_token_touch(*, token: Any, now: dt.datetime | None = None) -> None:
    """Record the token's last use, at most once a minute."""
    from dealers.models import ApiToken

    now = now or timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_EVERY:
        return
    ApiToken.objects.filter(pk=token.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_EVERY)
    ).update(last_used_at=now)
    token.last_used_at = now


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """DRF authentication for DMS clients; sessions stay for the browser."""

    def authenticate(self, request):  # noqa: ANN001, ANN201 — DRF's signature
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode(errors="replace").lower() not in KEYWORDS:
            return None
        if len(header) != 2:
            self._fail(request, "", "malformed_header", _("Invalid Authorization header: expected 'Bearer <token>'."))
        try:
            raw = header[1].decode("ascii")
        except UnicodeDecodeError:
            self._fail(request, "", "malformed_token", _("Invalid token."))
        prefix, secret = split_token(raw)
        if not prefix or not secret or len(prefix) > 16:
            self._fail(request, prefix[:16], "malformed_token", _("Invalid token."))
        return self._authenticate_raw(request, raw, prefix)

    def _authenticate_raw(self, request, raw: str, prefix: str):  # noqa: ANN001, ANN202
        from dealers.models import ApiToken

        token = ApiToken.objects.select_related("user", "region").filter(prefix=prefix).first()
        if token is None or not hmac.compare_digest(token.key_hash, hash_token(raw)):
            self._fail(request, prefix, "auth_failed", _("Invalid token."))
        now = timezone.now()
        if token.revoked_at is not None:
            self._fail(request, prefix, "token_revoked", _("This token has been revoked."))
        if token.expires_at is not None and token.expires_at <= now:
            self._fail(request, prefix, "token_expired", _("This token has expired."))
        user = token.user
        if user is None or not user.is_active:
            self._fail(request, prefix, "token_account_disabled", _("This token's account is disabled."))
        api_token_touch(token=token, now=now)
        user.api_token = token
        return user, token

    def _fail(self, request, prefix: str, event: str, message: Any):  # noqa: ANN001, ANN202
        security_event(event, request=request, token_prefix=prefix)
        raise exceptions.AuthenticationFailed(message)

    def authenticate_header(self, request) -> str:  # noqa: ANN001
        return 'Bearer realm="api"'
