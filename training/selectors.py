"""Reads of the training app, scoped by dealers.policy (Record.TECHNICIAN): technicians, certifications,
the expiring-soon list and the HV-certification gap per dealer.

Validity: a certification counts on day d when issued_on ≤ d < expires_on (on its expiry day it no longer
counts). An active technician on day d: flagged active, hired on or before d (if known), not left by d.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from dealers import policy
from dealers.models import Dealer
from dealers.policy import Record

from .choices import HV_CERTIFICATION_CODE
from .models import Attendance, Certification, Technician

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

EXPIRING_DAYS = 60


def _today() -> dt.date:
    return timezone.localdate()


def valid_on_q(on: dt.date, prefix: str = "") -> Q:
    """Certifications valid on `on` (prefix e.g. "certifications__" from technicians)."""
    return Q(**{f"{prefix}issued_on__lte": on, f"{prefix}expires_on__gt": on})


def active_on_q(on: dt.date, prefix: str = "") -> Q:
    return (
        Q(**{f"{prefix}active": True})
        & (Q(**{f"{prefix}hired_on__isnull": True}) | Q(**{f"{prefix}hired_on__lte": on}))
        & (Q(**{f"{prefix}left_on__isnull": True}) | Q(**{f"{prefix}left_on__gt": on}))
    )


def valid_hv_exists(on: dt.date) -> Exists:
    """Exists(a valid HV certification of the outer technician on `on`)."""
    return Exists(
        Certification.objects.filter(technician=OuterRef("pk"), type__code=HV_CERTIFICATION_CODE).filter(valid_on_q(on))
    )


def technician_list(*, user: AbstractBaseUser, on: dt.date | None = None) -> QuerySet[Technician]:
    """Technicians the user may see, each with `has_valid_hv` (as of `on`, default today)."""
    on = on or _today()
    return (
        policy.scope(Technician.objects.all(), user, Record.TECHNICIAN)
        .select_related("dealer")
        .annotate(has_valid_hv=valid_hv_exists(on))
        .order_by("dealer__code", "employee_code")
    )


def technician_get(*, user: AbstractBaseUser, pk: int) -> Technician:
    qs = technician_list(user=user).prefetch_related(
        Prefetch("certifications", queryset=Certification.objects.select_related("type").order_by("-expires_on")),
        Prefetch(
            "attendances",
            queryset=Attendance.objects.select_related("course__certification_type").order_by("-course__starts_on"),
        ),
    )
    try:
        return qs.get(pk=pk)
    except Technician.DoesNotExist:
        raise Http404(_("No such technician.")) from None


def certification_list(*, user: AbstractBaseUser) -> QuerySet[Certification]:
    return (
        policy.scope(Certification.objects.all(), user, Record.TECHNICIAN, dealer_field="technician__dealer")
        .select_related("technician__dealer", "type")
        .order_by("expires_on", "technician__employee_code")
    )


def certification_get(*, user: AbstractBaseUser, pk: int) -> Certification:
    try:
        return certification_list(user=user).get(pk=pk)
    except Certification.DoesNotExist:
        raise Http404(_("No such certification.")) from None


def certifications_expiring(
    *, user: AbstractBaseUser, within_days: int = EXPIRING_DAYS, today: dt.date | None = None
) -> QuerySet[Certification]:
    """Certifications of active technicians that are valid today and expire within `within_days` days,
    unless the technician already holds a later certification of the same type (renewed)."""
    today = today or _today()
    renewed = Certification.objects.filter(
        technician=OuterRef("technician"), type=OuterRef("type"), expires_on__gt=OuterRef("expires_on")
    )
    return (
        certification_list(user=user)
        .filter(valid_on_q(today), expires_on__lte=today + dt.timedelta(days=within_days))
        .filter(active_on_q(today, prefix="technician__"))
        .exclude(Exists(renewed))
    )


@dataclass(frozen=True)
class HvGapRow:
    dealer: Dealer
    active_technicians: int
    hv_certified: int

    @property
    def missing(self) -> int:
        return self.active_technicians - self.hv_certified

    @property
    def coverage(self) -> Decimal | None:
        """Active technicians with a valid HV certification / active technicians, in % (hv_cert_coverage)."""
        if not self.active_technicians:
            return None
        return Decimal(100) * self.hv_certified / self.active_technicians

    @property
    def gap(self) -> Decimal | None:
        return None if self.coverage is None else Decimal(100) - self.coverage


def hv_gap(*, user: AbstractBaseUser, on: dt.date | None = None) -> list[HvGapRow]:
    """Per visible dealer (with at least one active technician or none): active technicians and how many
    hold a valid HV certification on `on`. One aggregate query plus the dealers."""
    on = on or _today()
    ids = policy.dealer_ids(user, Record.TECHNICIAN)
    counts = {
        row["dealer_id"]: row
        for row in Technician.objects.filter(dealer_id__in=ids)
        .filter(active_on_q(on))
        .values("dealer_id")
        .annotate(active=Count("id"), hv=Count("id", filter=Q(valid_hv_exists(on))))
    }
    rows = []
    for dealer in Dealer.objects.filter(id__in=ids, active=True).order_by("code"):
        row = counts.get(dealer.pk, {"active": 0, "hv": 0})
        rows.append(HvGapRow(dealer=dealer, active_technicians=row["active"], hv_certified=row["hv"]))
    return rows


def hv_missing(*, user: AbstractBaseUser, on: dt.date | None = None) -> QuerySet[Technician]:
    """Active technicians without a valid HV certification on `on`."""
    on = on or _today()
    return technician_list(user=user, on=on).filter(active_on_q(on)).filter(has_valid_hv=False)
