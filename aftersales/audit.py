"""Who the audit trail names when no person made the change.

django-simple-history records the request's user through HistoryRequestMiddleware. Celery tasks,
management commands and imports have no request: they pass `system_user()` as `by` to the services so
the history says "system" instead of leaving the actor blank.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser

SYSTEM_USERNAME = "system"


def system_user() -> AbstractBaseUser:
    """The inactive "system" account (created on first use). Inactive with an unusable password: nobody
    can log in as it, and dealers.policy gives inactive users no scope."""
    user_model = get_user_model()
    user, created = user_model._default_manager.get_or_create(
        **{user_model.USERNAME_FIELD: SYSTEM_USERNAME},
        defaults={"is_active": False},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user
