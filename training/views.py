"""Technicians and their certifications: lists, detail, create/edit, the expiring-soon list and the
HV-certification gap per dealer. Reads through training.selectors (scoped by dealers.policy: another
dealer's technician is a 404), writes through training.services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from dealers import policy
from dealers.policy import Action, Record
from parts.selectors import history_of

from . import selectors, services
from .filtersets import CertificationFilterSet, TechnicianFilterSet
from .forms import CertificationForm, TechnicianForm
from .models import Technician

PAGE_SIZE = 50
HISTORY_ROWS = 20


def _require_view(request: HttpRequest) -> None:
    # By role (dealer_id None): no query; the selectors then narrow the rows to the user's dealers.
    if not policy.can(request.user, Action.VIEW, Record.TECHNICIAN, None):
        raise PermissionDenied(_("You have no access to technicians."))


def _may_change(request: HttpRequest) -> bool:
    return policy.can(request.user, Action.CHANGE, Record.TECHNICIAN, None)


def _change_ids(request: HttpRequest) -> frozenset[int]:
    return policy.dealer_ids(request.user, Record.TECHNICIAN, Action.CHANGE)


def _page(request: HttpRequest, queryset, per_page: int = PAGE_SIZE):
    page = Paginator(queryset, per_page).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()


def _apply_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@login_required
def technician_list(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    filterset = TechnicianFilterSet(
        request.GET or None, queryset=selectors.technician_list(user=request.user), request=request
    )
    page, query = _page(request, filterset.qs)
    return render(
        request,
        "training/technician_list.html",
        {"filterset": filterset, "page": page, "query": query, "can_change": _may_change(request)},
    )


@login_required
def technician_detail(request: HttpRequest, pk: int) -> HttpResponse:
    technician = selectors.technician_get(user=request.user, pk=pk)
    return render(
        request,
        "training/technician_detail.html",
        {
            "technician": technician,
            "today": timezone.localdate(),
            "can_change": technician.dealer_id in _change_ids(request),
            "history": history_of(instance=technician, limit=HISTORY_ROWS),
        },
    )


@login_required
def technician_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    if pk is not None:
        technician = selectors.technician_get(user=request.user, pk=pk)
        if technician.dealer_id not in _change_ids(request):
            raise PermissionDenied(_("You may not change this technician."))
    else:
        if not _may_change(request):
            raise PermissionDenied(_("You may not add technicians."))
        technician = Technician()
    form = TechnicianForm(request.POST or None, instance=technician, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {name: data[name] for name in ("employee_code", "name", "level", "active", "hired_on", "left_on")}
        try:
            if pk is None:
                technician = services.technician_create(dealer=data["dealer"], by=request.user, **fields)
            else:
                technician = services.technician_update(technician=technician, by=request.user, **fields)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Technician %(name)s saved.") % {"name": technician.name})
            return redirect("training:technician_detail", pk=technician.pk)
    return render(request, "training/technician_form.html", {"form": form, "technician": technician if pk else None})


@login_required
def certification_list(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    filterset = CertificationFilterSet(
        request.GET or None, queryset=selectors.certification_list(user=request.user), request=request
    )
    page, query = _page(request, filterset.qs)
    return render(
        request,
        "training/certification_list.html",
        {"filterset": filterset, "page": page, "query": query, "today": timezone.localdate(),
         "can_change": _may_change(request)},
    )


@login_required
def certification_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    change_ids = _change_ids(request)
    technicians = selectors.technician_list(user=request.user).filter(dealer_id__in=change_ids)
    certification = None
    if pk is not None:
        certification = selectors.certification_get(user=request.user, pk=pk)
        if certification.technician.dealer_id not in change_ids:
            raise PermissionDenied(_("You may not change this certification."))
    elif not change_ids:
        raise PermissionDenied(_("You may not add certifications."))
    initial = {}
    if pk is None and request.GET.get("technician", "").isdigit():
        initial["technician"] = technicians.filter(pk=int(request.GET["technician"])).first()
    form = CertificationForm(request.POST or None, instance=certification, technicians=technicians, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if certification is None:
                certification = services.certification_create(
                    technician=data["technician"], type=data["type"], issued_on=data["issued_on"],
                    expires_on=data["expires_on"], certificate_number=data["certificate_number"], by=request.user,
                )
            else:
                certification = services.certification_update(
                    certification=certification, type=data["type"], issued_on=data["issued_on"],
                    expires_on=data["expires_on"], certificate_number=data["certificate_number"], by=request.user,
                )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Certification saved; it expires on %(date)s.") % {
                "date": certification.expires_on.isoformat()})
            return redirect("training:technician_detail", pk=certification.technician_id)
    return render(
        request,
        "training/certification_form.html",
        {"form": form, "certification": certification,
         "history": history_of(instance=certification, limit=HISTORY_ROWS) if certification else None},
    )


@login_required
def expiring_list(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    raw = request.GET.get("days", "")
    days = selectors.EXPIRING_DAYS
    error = None
    if raw:
        if raw.isdigit() and 0 < int(raw) <= 3650:
            days = int(raw)
        else:
            error = _("Days must be a whole number from 1 to 3650; showing %(days)s.") % {"days": days}
    queryset = selectors.certifications_expiring(user=request.user, within_days=days)
    page, query = _page(request, queryset)
    return render(
        request,
        "training/expiring_list.html",
        {"page": page, "query": query, "days": days, "error": error, "today": timezone.localdate()},
    )


@login_required
def hv_gap(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    rows = selectors.hv_gap(user=request.user)
    active = sum(r.active_technicians for r in rows)
    certified = sum(r.hv_certified for r in rows)
    missing = selectors.hv_missing(user=request.user)
    page, query = _page(request, missing)
    return render(
        request,
        "training/hv_gap.html",
        {
            "rows": rows,
            "active": active,
            "certified": certified,
            "coverage": (100 * certified / active) if active else None,
            "page": page,
            "query": query,
        },
    )
