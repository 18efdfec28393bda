"""Helpers shared by the workshop services: locking, the audit actor, time and number checks."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from ..choices import WorkOrderStatus

if TYPE_CHECKING:
    from ..models import WorkOrder

M = TypeVar("M", bound=models.Model)

# A client's clock may run a little ahead of ours; anything further in the future is a mistake.
CLOCK_SKEW = dt.timedelta(minutes=5)
LOCKED_STATUSES = frozenset({WorkOrderStatus.DELIVERED, WorkOrderStatus.CANCELLED})


def lock(instance: M) -> M:
    """The row again, locked for the rest of the transaction (PostgreSQL: SELECT … FOR UPDATE;
    SQLite serialises writers anyway). Callers change the fresh copy, so a stale form never wins."""
    fresh = type(instance)._default_manager.select_for_update().get(pk=instance.pk)
    return fresh


def stamp(instance: models.Model, by: Any, reason: str | None = None) -> None:
    """Name the actor (and the reason) in the history record the next save writes.

    Inside a request HistoryRequestMiddleware already knows the user; tasks and imports pass `by`
    (aftersales.audit.system_user() for the system)."""
    if by is not None:
        instance._history_user = by
    if reason is not None:
        instance._change_reason = reason
    elif hasattr(instance, "_change_reason"):
        del instance._change_reason


def resolve_time(at: dt.datetime | None, *, field: str, not_before: dt.datetime | None = None,
                 not_before_label: str = "") -> dt.datetime:
    """`at` or now; aware, not in the future, not before `not_before`."""
    now = timezone.now()
    if at is None:
        at = now
    if timezone.is_naive(at):
        raise ValidationError({field: _("The time must include a time zone.")})
    if at > now + CLOCK_SKEW:
        raise ValidationError({field: _("The time cannot be in the future.")})
    if not_before is not None and at < not_before:
        raise ValidationError(
            {field: _("The time cannot be before %(what)s (%(when)s).")
             % {"what": not_before_label, "when": timezone.localtime(not_before).strftime("%Y-%m-%d %H:%M")}}
        )
    return at


def decimal_value(value: Any, *, field: str, label: str, max_digits: int, places: int = 2,
                  minimum: Decimal = Decimal(0)) -> Decimal:
    """A non-negative decimal that fits the column, or a ValidationError naming the field."""
    try:
        number = Decimal(str(value)).quantize(Decimal(1).scaleb(-places))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({field: _("%(label)s must be a number.") % {"label": label}}) from None
    if not number.is_finite():
        raise ValidationError({field: _("%(label)s must be a number.") % {"label": label}})
    if number < minimum:
        raise ValidationError({field: _("%(label)s cannot be negative.") % {"label": label}})
    if len(number.as_tuple().digits) > max_digits or abs(number) >= Decimal(10) ** (max_digits - places):
        raise ValidationError({field: _("%(label)s is too large.") % {"label": label}})
    return number


def ensure_editable(work_order: WorkOrder) -> None:
    """Delivered and cancelled work orders are locked: only a service manager's correction
    (workorder_correct) changes a delivered one."""
    if work_order.status in LOCKED_STATUSES:
        raise ValidationError(
            _("Work order %(number)s is %(status)s and locked; a service manager can correct it with a reason.")
            % {"number": work_order.number, "status": work_order.get_status_display()},
            code="locked",
        )
