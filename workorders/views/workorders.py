"""Work order pages: list, booking, the workbench (detail), edits, lifecycle steps, signature,
comeback and the service manager's correction."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dealers import policy
from dealers.policy import Action, Record

from .. import selectors, services
from ..choices import OPEN_STATUSES, WorkOrderStatus
from ..filtersets import WorkOrderFilterSet
from ..forms import (
    ComebackForm,
    LabourLineForm,
    PartsLineForm,
    SignatureForm,
    TransitionForm,
    WorkOrderCorrectForm,
    WorkOrderCreateForm,
    WorkOrderUpdateForm,
    apply_errors,
)
from ..models import LabourLine, WorkOrder
from ._base import filtered, get_visible, may_change, paginate, query_without_page, require_change

LOCKED = frozenset({WorkOrderStatus.DELIVERED, WorkOrderStatus.CANCELLED})


@login_required
@require_GET
def workorder_list(request: HttpRequest) -> HttpResponse:
    filterset = WorkOrderFilterSet(request.GET or None, queryset=selectors.workorder_list(user=request.user),
                                   request=request)
    queryset = filtered(filterset)
    late = Q(promised_at__lt=timezone.now(), status__in=list(OPEN_STATUSES))
    queryset = queryset.annotate(is_late=ExpressionWrapper(late, output_field=BooleanField()))
    page = paginate(request, queryset.order_by("-opened_at", "-id"))
    return render(request, "workorders/workorder_list.html", {
        "filter": filterset,
        "page": page,
        "query": query_without_page(request),
        "can_create": bool(policy.dealer_ids(request.user, Record.WORK_ORDER, Action.CHANGE)),
    })


@login_required
def workorder_create(request: HttpRequest) -> HttpResponse:
    if not policy.dealer_ids(request.user, Record.WORK_ORDER, Action.CHANGE):
        raise PermissionDenied
    initial = {}
    if request.method == "GET":
        customer_id = request.GET.get("customer")
        if customer_id and customer_id.isdigit():
            customer = selectors.customer_list(user=request.user, action=Action.CHANGE).filter(pk=customer_id).first()
            if customer is not None:
                initial = {"customer": customer.pk, "dealer": customer.dealer_id}
                vehicle = customer.vehicles.order_by("-updated_at").first()
                if vehicle is not None:
                    initial.update(vin=vehicle.vin, plate=vehicle.plate)
    form = WorkOrderCreateForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        work_order = _book(request, form)
        if work_order is not None:
            messages.success(request, _("Work order %(number)s booked.") % {"number": work_order.number})
            return redirect("workorders:workorder_detail", pk=work_order.pk)
    selected = form["customer"].value()
    chosen = None
    if selected and str(selected).isdigit():
        chosen = form.fields["customer"].queryset.filter(pk=selected).first()
    return render(request, "workorders/workorder_form.html", {"form": form, "chosen_customer": chosen})


def _book(request: HttpRequest, form: WorkOrderCreateForm) -> WorkOrder | None:
    """Customer, vehicle and work order in one transaction: a refused work order leaves no orphans."""
    data = form.cleaned_data
    dealer = data["dealer"]
    try:
        with transaction.atomic():
            customer = data["customer"]
            if customer is None:
                try:
                    customer = services.customer_create(
                        dealer=dealer, by=request.user, name=data["new_customer_name"],
                        phone=data["new_customer_phone"], kind=data["new_customer_kind"],
                    )
                except ValidationError as error:
                    apply_errors(form, error, form.CUSTOMER_FIELDS)
                    raise
            vehicle = form.existing_vehicle
            if vehicle is None:
                try:
                    vehicle = services.vehicle_create(
                        by=request.user, vin=data["vin"], plate=data["plate"], brand=data["brand"],
                        model=data["model"], powertrain=data["powertrain"], model_year=data["model_year"],
                        owner=customer, mileage_km=data["mileage_km"] or 0,
                    )
                except ValidationError as error:
                    apply_errors(form, error, form.VEHICLE_FIELDS)
                    raise
            elif data["plate"] and not vehicle.plate:
                services.vehicle_update(vehicle=vehicle, by=request.user, plate=data["plate"])
            return services.workorder_create(
                dealer=dealer, by=request.user, customer=customer, vehicle=vehicle, type=data["type"],
                channel=data["channel"], promised_at=data["promised_at"], concern=data["concern"],
                mileage_km=data["mileage_km"],
            )
    except ValidationError as error:
        if not form.errors:
            apply_errors(form, error)
        return None


def _locked(work_order: WorkOrder) -> bool:
    return work_order.status in LOCKED


def detail_context(request: HttpRequest, work_order: WorkOrder, **overrides: Any) -> dict[str, Any]:
    user = request.user
    locked = _locked(work_order)
    can_change = may_change(user, Record.WORK_ORDER, work_order.dealer_id)
    labour, parts = selectors.workorder_lines(work_order=work_order)
    if not locked:
        own = set(
            policy.labour_lines_scope(LabourLine.objects.filter(work_order=work_order), user, Action.CHANGE)
            .values_list("id", flat=True)
        )
        for line in labour:
            line.can_record_hours = line.pk in own
    next_steps = selectors.workorder_next_steps(work_order=work_order) if can_change else []
    survey = selectors.survey_list(user=user).filter(work_order=work_order).first()
    context = {
        "work_order": work_order,
        "labour_lines": labour,
        "parts_lines": parts,
        "timeline": selectors.workorder_timeline(work_order=work_order),
        "history": selectors.workorder_history(work_order=work_order),
        "locked": locked,
        "can_change": can_change and not locked,
        "can_correct": work_order.status == WorkOrderStatus.DELIVERED
        and services.is_service_manager(user, work_order.dealer_id),
        "next_steps": [(step, services.transition_problems(work_order, step)) for step in next_steps],
        "transition_form": TransitionForm(work_order=work_order),
        "labour_form": LabourLineForm(dealer_id=work_order.dealer_id, prefix="labour"),
        "parts_form": PartsLineForm(prefix="parts"),
        "signature_form": SignatureForm(),
        "comeback_form": ComebackForm(work_order=work_order, initial={"comeback_of": work_order.comeback_of_id}),
        "comeback_visible": work_order.comeback_of_id is not None
        and policy.can(user, Action.VIEW, Record.WORK_ORDER, work_order.comeback_of.dealer_id),
        "complaints": selectors.complaint_list(user=user).filter(work_order=work_order),
        "survey": survey,
        "can_survey": work_order.status == WorkOrderStatus.DELIVERED and survey is None
        and may_change(user, Record.SURVEY, work_order.dealer_id),
        "can_complain": may_change(user, Record.COMPLAINT, work_order.dealer_id),
        # technicians and parts clerks see the work order, not the customer file behind it
        "customer_visible": policy.can(user, Action.VIEW, Record.CUSTOMER, work_order.dealer_id),
        "progress_url": request.build_absolute_uri(reverse("progress:page", args=[work_order.progress_token])),
    }
    context.update(overrides)
    return context


def _visible_work_order(request: HttpRequest, pk: int) -> WorkOrder:
    return get_visible(selectors.workorder_detail_queryset(user=request.user), pk)


def _changeable_work_order(request: HttpRequest, pk: int) -> WorkOrder:
    work_order = _visible_work_order(request, pk)
    require_change(request.user, Record.WORK_ORDER, work_order.dealer_id)
    return work_order


def _render_detail(request: HttpRequest, work_order: WorkOrder, **overrides: Any) -> HttpResponse:
    work_order.refresh_from_db()
    return render(request, "workorders/workorder_detail.html", detail_context(request, work_order, **overrides))


@login_required
@require_GET
def workorder_detail(request: HttpRequest, pk: int) -> HttpResponse:
    work_order = _visible_work_order(request, pk)
    return render(request, "workorders/workorder_detail.html", detail_context(request, work_order))


@login_required
def workorder_update(request: HttpRequest, pk: int) -> HttpResponse:
    work_order = _changeable_work_order(request, pk)
    if _locked(work_order):
        messages.error(request, _("Work order %(number)s is locked.") % {"number": work_order.number})
        return redirect("workorders:workorder_detail", pk=pk)
    form = WorkOrderUpdateForm(request.POST or None, initial=WorkOrderUpdateForm.initial_for(work_order))
    if request.method == "POST" and form.is_valid():
        try:
            services.workorder_update(work_order=work_order, by=request.user,
                                      **{name: form.cleaned_data[name] for name in form.changed_data})
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Work order %(number)s saved.") % {"number": work_order.number})
            return redirect("workorders:workorder_detail", pk=pk)
    return render(request, "workorders/workorder_edit.html", {"form": form, "work_order": work_order})


@login_required
@require_POST
def workorder_transition(request: HttpRequest, pk: int) -> HttpResponse:
    work_order = _changeable_work_order(request, pk)
    form = TransitionForm(request.POST, work_order=work_order)
    if form.is_valid():
        to = WorkOrderStatus(form.cleaned_data["to"])
        try:
            with transaction.atomic():
                mileage = form.cleaned_data["mileage_km"]
                if mileage is not None and mileage != work_order.mileage_km and not _locked(work_order):
                    services.workorder_update(work_order=work_order, by=request.user, mileage_km=mileage)
                services.workorder_transition(work_order=work_order, to=to, by=request.user,
                                              note=form.cleaned_data["note"])
        except ValidationError as error:
            apply_errors(form, error, {"at": "to"})
        else:
            messages.success(request, _("Work order %(number)s: %(status)s.")
                             % {"number": work_order.number, "status": to.label})
            return redirect("workorders:workorder_detail", pk=pk)
    if not form.is_bound or "to" not in form.data:
        form.add_error("to", _("Choose the next status."))
    return _render_detail(request, work_order, transition_form=form)


@login_required
@require_POST
def workorder_sign(request: HttpRequest, pk: int) -> HttpResponse:
    work_order = _changeable_work_order(request, pk)
    form = SignatureForm(request.POST)
    if form.is_valid():
        deliver = "deliver" in request.POST
        try:
            with transaction.atomic():
                services.workorder_sign(work_order=work_order, by=request.user, signature_png=form.cleaned_data["signature"])
                if deliver:
                    services.workorder_transition(work_order=work_order, to=WorkOrderStatus.DELIVERED, by=request.user)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            if deliver:
                messages.success(request, _("Signed and delivered."))
            else:
                messages.success(request, _("Signature saved."))
            return redirect("workorders:workorder_detail", pk=pk)
    return _render_detail(request, work_order, signature_form=form)


@login_required
@require_GET
def workorder_signature(request: HttpRequest, pk: int) -> HttpResponse:
    """The signature image, only to users who may see the work order (never a public media URL)."""
    work_order = _visible_work_order(request, pk)
    if not work_order.signature:
        raise Http404
    try:
        handle = work_order.signature.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    response = FileResponse(handle, content_type="image/png")
    response["Cache-Control"] = "private, max-age=300"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def workorder_comeback(request: HttpRequest, pk: int) -> HttpResponse:
    work_order = _changeable_work_order(request, pk)
    form = ComebackForm(request.POST, work_order=work_order)
    if form.is_valid():
        try:
            services.workorder_mark_comeback(work_order=work_order, by=request.user,
                                             comeback_of=form.cleaned_data["comeback_of"])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Comeback saved."))
            return redirect("workorders:workorder_detail", pk=pk)
    return _render_detail(request, work_order, comeback_form=form)


@login_required
def workorder_correct(request: HttpRequest, pk: int) -> HttpResponse:
    work_order = _visible_work_order(request, pk)
    if not services.is_service_manager(request.user, work_order.dealer_id):
        raise PermissionDenied
    if work_order.status != WorkOrderStatus.DELIVERED:
        messages.error(request, _("Only delivered work orders are corrected."))
        return redirect("workorders:workorder_detail", pk=pk)
    form = WorkOrderCorrectForm(request.POST or None, work_order=work_order)
    if request.method == "POST" and form.is_valid():
        try:
            services.workorder_correct(work_order=work_order, by=request.user, reason=form.cleaned_data["reason"],
                                       changes=form.changes())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Correction saved with its reason."))
            return redirect("workorders:workorder_detail", pk=pk)
    return render(request, "workorders/workorder_correct.html", {"form": form, "work_order": work_order})
