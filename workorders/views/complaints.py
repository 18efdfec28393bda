"""Complaints (intake, response, resolution, closure, escalation, the 48 h clock) and surveys."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dealers import policy
from dealers.policy import Action, Record

from .. import selectors, services
from ..choices import WorkOrderStatus
from ..filtersets import ComplaintFilterSet, SurveyFilterSet
from ..forms import ComplaintForm, ComplaintResolveForm, SurveyForm, apply_errors
from ._base import filtered, get_visible, may_change, paginate, query_without_page, require_change


@login_required
@require_GET
def complaint_list(request: HttpRequest) -> HttpResponse:
    filterset = ComplaintFilterSet(request.GET or None, queryset=selectors.complaint_list(user=request.user),
                                   request=request)
    queryset = filtered(filterset)
    page = paginate(request, queryset.order_by("-opened_at", "-id"))
    now = timezone.now()
    for complaint in page.object_list:
        complaint.clock = selectors.complaint_clock(complaint, now)
        complaint.state = selectors.complaint_state(complaint)
    return render(request, "workorders/complaint_list.html", {
        "filter": filterset, "page": page, "query": query_without_page(request),
        "can_create": bool(policy.dealer_ids(request.user, Record.COMPLAINT, Action.CHANGE)),
    })


@login_required
def complaint_create(request: HttpRequest) -> HttpResponse:
    if not policy.dealer_ids(request.user, Record.COMPLAINT, Action.CHANGE):
        raise PermissionDenied
    initial = {}
    work_order_id = request.GET.get("work_order", "")
    if work_order_id.isdigit():
        work_order = selectors.workorder_list(user=request.user).filter(pk=work_order_id).first()
        if work_order is not None:
            initial = {"work_order_number": work_order.number, "dealer": work_order.dealer_id,
                       "customer": work_order.customer_id}
    customer_id = request.GET.get("customer", "")
    if customer_id.isdigit():
        initial["customer"] = customer_id
    form = ComplaintForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            complaint = services.complaint_open(
                dealer=data["dealer"], by=request.user, channel=data["channel"], category=data["category"],
                severity=data["severity"], description=data["description"], customer=data["customer"],
                work_order=data["work_order"],
            )
        except ValidationError as error:
            apply_errors(form, error, {"work_order": "work_order_number"})
        else:
            messages.success(request, _("Complaint recorded: the 48 h clock is running."))
            return redirect("workorders:complaint_detail", pk=complaint.pk)
    return render(request, "workorders/complaint_form.html", {"form": form, "chosen_customer": _chosen(form)})


@login_required
@require_GET
def complaint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = get_visible(selectors.complaint_list(user=request.user), pk)
    return _render_complaint(request, complaint)


def _render_complaint(request: HttpRequest, complaint, resolve_form=None) -> HttpResponse:
    return render(request, "workorders/complaint_detail.html", {
        "complaint": complaint,
        "clock": selectors.complaint_clock(complaint),
        "state": selectors.complaint_state(complaint),
        "history": selectors.complaint_history(complaint=complaint),
        "can_change": may_change(request.user, Record.COMPLAINT, complaint.dealer_id),
        "resolve_form": resolve_form or ComplaintResolveForm(),
        "work_order_visible": complaint.work_order_id is not None
        and policy.can(request.user, Action.VIEW, Record.WORK_ORDER, complaint.dealer_id),
    })


@login_required
def complaint_update(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = get_visible(selectors.complaint_list(user=request.user), pk)
    require_change(request.user, Record.COMPLAINT, complaint.dealer_id)
    form = ComplaintForm(request.POST or None, user=request.user, complaint=complaint)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data if name != "work_order_number"}
        if "work_order_number" in form.changed_data:
            changes["work_order"] = form.cleaned_data["work_order"]
        try:
            services.complaint_update(complaint=complaint, by=request.user, **changes)
        except ValidationError as error:
            apply_errors(form, error, {"work_order": "work_order_number"})
        else:
            messages.success(request, _("Complaint saved."))
            return redirect("workorders:complaint_detail", pk=pk)
    return render(request, "workorders/complaint_form.html",
                  {"form": form, "complaint": complaint, "chosen_customer": _chosen(form)})


def _chosen(form: ComplaintForm):
    """The customer picked in the form (to show by name), if the user may change that customer."""
    value = form["customer"].value()
    if value and str(value).isdigit():
        return form.fields["customer"].queryset.filter(pk=value).first()
    return None


ACTIONS = {
    "respond": (services.complaint_respond, _("First response recorded.")),
    "close": (services.complaint_close, _("Complaint closed.")),
    "escalate": (services.complaint_escalate, _("Complaint escalated to headquarters.")),
}


@login_required
@require_POST
def complaint_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    complaint = get_visible(selectors.complaint_list(user=request.user), pk)
    require_change(request.user, Record.COMPLAINT, complaint.dealer_id)
    if action == "resolve":
        form = ComplaintResolveForm(request.POST)
        if not form.is_valid():
            return _render_complaint(request, complaint, resolve_form=form)
        try:
            services.complaint_resolve(complaint=complaint, by=request.user, resolution=form.cleaned_data["resolution"])
        except ValidationError as error:
            apply_errors(form, error)
            return _render_complaint(request, complaint, resolve_form=form)
        messages.success(request, _("Complaint resolved."))
        return redirect("workorders:complaint_detail", pk=pk)
    if action not in ACTIONS:
        raise PermissionDenied
    service, done = ACTIONS[action]
    try:
        service(complaint=complaint, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)
    return redirect("workorders:complaint_detail", pk=pk)


# ------------------------------------------------------------------------------------------ surveys


@login_required
@require_GET
def survey_list(request: HttpRequest) -> HttpResponse:
    filterset = SurveyFilterSet(request.GET or None, queryset=selectors.survey_list(user=request.user),
                                request=request)
    queryset = filtered(filterset)
    page = paginate(request, queryset.order_by("-answered_at", "-id"))
    return render(request, "workorders/survey_list.html", {
        "filter": filterset, "page": page, "query": query_without_page(request),
    })


@login_required
def survey_create(request: HttpRequest, work_order_pk: int) -> HttpResponse:
    work_order = get_visible(selectors.workorder_list(user=request.user), work_order_pk)
    require_change(request.user, Record.SURVEY, work_order.dealer_id)
    if work_order.status != WorkOrderStatus.DELIVERED:
        messages.error(request, _("A survey is recorded after delivery."))
        return redirect("workorders:workorder_detail", pk=work_order.pk)
    form = SurveyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            survey = services.survey_record(work_order=work_order, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Survey recorded."))
            return redirect("workorders:survey_detail", pk=survey.pk)
    return render(request, "workorders/survey_form.html", {"form": form, "work_order": work_order})


@login_required
@require_GET
def survey_detail(request: HttpRequest, pk: int) -> HttpResponse:
    survey = get_visible(selectors.survey_list(user=request.user), pk)
    return render(request, "workorders/survey_detail.html", {
        "survey": survey,
        "history": selectors.survey_history(survey=survey),
        "work_order_visible": policy.can(request.user, Action.VIEW, Record.WORK_ORDER, survey.dealer_id),
    })
