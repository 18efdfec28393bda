"""Who may call at all: authenticated principals; writes only with a read-write token (or a user)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from .scope import token_of
from .security import security_event


class ApiAccess(BasePermission):
    message = _("This token is read-only.")

    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if request.method in SAFE_METHODS:
            return True
        token = token_of(user)
        if token is not None and not token.read_write:
            security_event("read_only_token_write", request=request)
            return False
        return True
