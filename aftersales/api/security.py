"""Structured security events on the "aftersales.security" logger.

Every authentication failure and every refused access is one event: a JSON message (for plain log files)
and the same fields in `extra` (for structured handlers). Secrets are never logged, only token prefixes.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django.http import HttpRequest

logger = logging.getLogger("aftersales.security")


def client_ip(request: HttpRequest) -> str:
    # Behind the configured number of proxies the client is the right-most untrusted X-Forwarded-For entry
    # (the same rule django-axes uses for logins); without proxies, REMOTE_ADDR.
    from django.conf import settings

    proxies = getattr(settings, "AXES_IPWARE_PROXY_COUNT", 0) or 0
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def security_event(event: str, *, request: HttpRequest | None, token_prefix: str = "", **fields: Any) -> None:
    """Log one security event: `event` names it (auth_failed, scope_refused, permission_denied…)."""
    record: dict[str, Any] = {"event": event, "token_prefix": token_prefix}
    if request is not None:
        record["path"] = request.path
        record["method"] = request.method
        record["ip"] = client_ip(request)
        # A DRF request still authenticating has no user yet: asking for one would authenticate again.
        user = request.__dict__.get("_user") if hasattr(request, "_request") else getattr(request, "user", None)
        if user is not None and getattr(user, "is_authenticated", False) and not token_prefix:
            token = getattr(user, "api_token", None)
            record["token_prefix"] = token.prefix if token is not None else ""
            record["user"] = user.get_username()
    record.update(fields)
    logger.warning(json.dumps(record, default=str, ensure_ascii=False), extra={"security": record, **{
        k: v for k, v in record.items() if k in {"event", "token_prefix", "path", "ip"}
    }})
