"""Per-client request rates: one bucket per API token, one per browser user.

Rates come from settings.API_THROTTLE_RATES at each request (not at import), so a test can lower them;
a refusal is a 429 whose Retry-After header says when to try again (DRF's Throttled).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from .scope import token_of


class _SettingsRateThrottle(SimpleRateThrottle):
    def get_rate(self) -> str | None:
        return getattr(settings, "API_THROTTLE_RATES", {}).get(self.scope)


class ApiTokenThrottle(_SettingsRateThrottle):
    scope = "token"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        token = token_of(request.user)
        if token is None:
            return None
        # The prefix, not the id: unique for the token's life and never reused by a later token.
        return self.cache_format % {"scope": self.scope, "ident": token.prefix}


class ApiUserThrottle(_SettingsRateThrottle):
    scope = "user"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        user = request.user
        if token_of(user) is not None or not getattr(user, "is_authenticated", False):
            return None
        return self.cache_format % {"scope": self.scope, "ident": user.pk}


class ApiAnonThrottle(_SettingsRateThrottle):
    """Unauthenticated callers (the schema, failed logins) by address: a cheap brake on token guessing."""

    scope = "anon"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        if getattr(request.user, "is_authenticated", False):
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
