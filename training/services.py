"""Writes of the training app: technicians and their certifications.

A certification is valid from `issued_on` (inclusive) until `expires_on` (exclusive): on its expiry day it
no longer counts (training.selectors.valid_certifications). Without an explicit expiry date, a
certification expires `validity_months` of its type after issue.
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from .models import Certification, CertificationType, Technician

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from dealers.models import Dealer

TECHNICIAN_FIELDS = ("employee_code", "name", "level", "active", "hired_on", "left_on", "user")
CERTIFICATION_FIELDS = ("type", "issued_on", "expires_on", "certificate_number")


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` plus whole months; the 31st becomes the month's last day (2025-01-31 + 1 → 2025-02-28)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def certification_default_expiry(*, type: CertificationType, issued_on: dt.date) -> dt.date:  # noqa: A002
    return add_months(issued_on, type.validity_months)


def _attach_history_user(instance: Any, by: AbstractBaseUser | None) -> None:
    if by is not None and getattr(by, "is_authenticated", False):
        instance._history_user = by


def _check_technician(technician: Technician) -> None:
    technician.employee_code = (technician.employee_code or "").strip()
    technician.name = (technician.name or "").strip()
    errors: dict[str, list[str]] = {}
    if not technician.employee_code:
        errors.setdefault("employee_code", []).append(_("Enter the employee code."))
    if not technician.name:
        errors.setdefault("name", []).append(_("Enter the name."))
    if technician.hired_on and technician.left_on and technician.left_on < technician.hired_on:
        errors.setdefault("left_on", []).append(_("The leaving date cannot be before the hiring date."))
    if technician.employee_code and technician.dealer_id:
        clash = Technician.objects.filter(dealer_id=technician.dealer_id, employee_code=technician.employee_code)
        if clash.exclude(pk=technician.pk).exists():
            errors.setdefault("employee_code", []).append(
                _("Employee code %(code)s is already used at this dealer.") % {"code": technician.employee_code}
            )
    if technician.user_id:
        clash = Technician.objects.filter(user_id=technician.user_id).exclude(pk=technician.pk)
        if clash.exists():
            errors.setdefault("user", []).append(_("This user account already belongs to another technician."))
    if errors:
        raise ValidationError(errors)


def _save_technician(technician: Technician, by: AbstractBaseUser | None) -> Technician:
    _check_technician(technician)
    _attach_history_user(technician, by)
    try:
        with transaction.atomic():
            technician.save()
    except IntegrityError:
        # A concurrent save took the same code between the check and the write.
        raise ValidationError(
            {"employee_code": [_("Employee code %(code)s is already used at this dealer.") % {"code": technician.employee_code}]}
        ) from None
    return technician


def technician_create(
    *,
    dealer: Dealer,
    employee_code: str,
    name: str,
    level: str,
    by: AbstractBaseUser | None = None,
    active: bool = True,
    hired_on: dt.date | None = None,
    left_on: dt.date | None = None,
    user: AbstractBaseUser | None = None,
) -> Technician:
    technician = Technician(
        dealer=dealer, employee_code=employee_code, name=name, level=level, active=active,
        hired_on=hired_on, left_on=left_on, user=user,
    )
    return _save_technician(technician, by)


def technician_update(*, technician: Technician, by: AbstractBaseUser | None = None, **changes: Any) -> Technician:
    """Change a technician's fields (not the dealer: a move to another dealer is a new employment)."""
    unknown = set(changes) - set(TECHNICIAN_FIELDS)
    if unknown:
        raise ValidationError(_("These fields cannot be changed here: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    for name, value in changes.items():
        setattr(technician, name, value)
    return _save_technician(technician, by)


def _check_certification(certification: Certification) -> None:
    certification.certificate_number = (certification.certificate_number or "").strip()
    if certification.issued_on is None:
        raise ValidationError({"issued_on": [_("Enter the date of issue.")]})
    if certification.expires_on is None:
        certification.expires_on = certification_default_expiry(
            type=certification.type, issued_on=certification.issued_on
        )
    if certification.expires_on <= certification.issued_on:
        raise ValidationError(
            {"expires_on": [_("The expiry date must be after the date of issue (%(issued)s).")
                            % {"issued": certification.issued_on.isoformat()}]}
        )


def certification_create(
    *,
    technician: Technician,
    type: CertificationType,  # noqa: A002 — the model's field name
    issued_on: dt.date,
    expires_on: dt.date | None = None,
    certificate_number: str = "",
    by: AbstractBaseUser | None = None,
) -> Certification:
    """Record a certification; without `expires_on` it expires after its type's validity."""
    certification = Certification(
        technician=technician, type=type, issued_on=issued_on, expires_on=expires_on,
        certificate_number=certificate_number,
    )
    _check_certification(certification)
    _attach_history_user(certification, by)
    certification.save()
    return certification


def certification_update(
    *, certification: Certification, by: AbstractBaseUser | None = None, **changes: Any
) -> Certification:
    """Change a certification; `expires_on=None` recomputes the expiry from the type's validity."""
    unknown = set(changes) - set(CERTIFICATION_FIELDS)
    if unknown:
        raise ValidationError(_("These fields cannot be changed here: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    for name, value in changes.items():
        setattr(certification, name, value)
    _check_certification(certification)
    _attach_history_user(certification, by)
    certification.save()
    return certification
