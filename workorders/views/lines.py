"""Labour and parts lines on the workbench. Advisors and managers change every line of their dealer's
work orders; a technician records actual hours only on the labour lines assigned to them."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dealers import policy
from dealers.policy import Action, Record

from .. import selectors, services
from ..forms import LabourHoursForm, LabourLineForm, PartsLineForm, PartsReturnForm, apply_errors
from ..models import LabourLine, PartsLine
from ._base import get_visible, require_change
from .workorders import _changeable_work_order, _render_detail


def _detail(pk: int):
    return redirect("workorders:workorder_detail", pk=pk)


@login_required
@require_POST
def labour_line_add(request: HttpRequest, pk: int) -> HttpResponse:
    work_order = _changeable_work_order(request, pk)
    form = LabourLineForm(request.POST, dealer_id=work_order.dealer_id, prefix="labour")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.workorder_add_labour_line(
                work_order=work_order, by=request.user, op_code=data["op_code"], description=data["description"],
                flat_rate_hours=data["flat_rate_hours"], amount=data["amount"], technician=data["technician"],
                actual_hours=data["actual_hours"] or 0,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Labour line %(code)s added.") % {"code": data["op_code"].upper()})
            return _detail(pk)
    return _render_detail(request, work_order, labour_form=form)


def _visible_labour_line(request: HttpRequest, pk: int) -> LabourLine:
    return get_visible(selectors.labour_line_list(user=request.user), pk)


@login_required
def labour_line_update(request: HttpRequest, pk: int) -> HttpResponse:
    """The advisor's full edit of a labour line."""
    line = _visible_labour_line(request, pk)
    work_order = line.work_order
    require_change(request.user, Record.WORK_ORDER, work_order.dealer_id)
    initial = {name: getattr(line, name) for name in ("op_code", "description", "flat_rate_hours", "amount",
                                                      "actual_hours")}
    initial["technician"] = line.technician_id
    form = LabourLineForm(request.POST or None, dealer_id=work_order.dealer_id, initial=initial)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        if "actual_hours" in changes and changes["actual_hours"] is None:
            changes["actual_hours"] = 0
        try:
            services.labour_line_update(line=line, by=request.user, **changes)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Labour line saved."))
            return _detail(work_order.pk)
    return render(request, "workorders/labour_line_form.html", {"form": form, "line": line, "work_order": work_order})


@login_required
@require_POST
def labour_line_hours(request: HttpRequest, pk: int) -> HttpResponse:
    """Actual hours on one labour line: the technician's own lines, or any line for advisors/managers."""
    line = _visible_labour_line(request, pk)
    changeable = policy.labour_lines_scope(LabourLine.objects.filter(pk=pk), request.user, Action.CHANGE)
    if not changeable.exists():
        raise PermissionDenied
    form = LabourHoursForm(request.POST)
    if form.is_valid():
        try:
            services.labour_line_record_hours(line=line, by=request.user,
                                              actual_hours=form.cleaned_data["actual_hours"])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Hours recorded on %(code)s.") % {"code": line.op_code})
            return _detail(line.work_order_id)
    messages.error(request, " ".join(f"{_('Actual hours')}: {e}" for e in form.errors.get("actual_hours", []))
                   or " ".join(form.non_field_errors()))
    return _detail(line.work_order_id)


@login_required
@require_POST
def labour_line_delete(request: HttpRequest, pk: int) -> HttpResponse:
    line = _visible_labour_line(request, pk)
    require_change(request.user, Record.WORK_ORDER, line.work_order.dealer_id)
    try:
        services.labour_line_delete(line=line, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Labour line %(code)s removed.") % {"code": line.op_code})
    return _detail(line.work_order_id)


# ------------------------------------------------------------------------------------------- parts


@login_required
@require_POST
def parts_line_add(request: HttpRequest, pk: int) -> HttpResponse:
    work_order = _changeable_work_order(request, pk)
    form = PartsLineForm(request.POST, prefix="parts")
    if form.is_valid():
        try:
            line = services.workorder_add_parts_line(
                work_order=work_order, by=request.user, part=form.part, quantity=form.cleaned_data["quantity"],
                unit_price=form.cleaned_data["unit_price"],
            )
        except ValidationError as error:
            apply_errors(form, error, {"part": "part_number"})
        else:
            if line.filled_from_stock:
                messages.success(request, _("%(part)s × %(qty)s issued from stock.")
                                 % {"part": form.part.number, "qty": line.quantity})
            else:
                messages.warning(request, _("%(part)s × %(qty)s is not in stock: the line is on back-order.")
                                 % {"part": form.part.number, "qty": line.quantity})
            return _detail(pk)
    return _render_detail(request, work_order, parts_form=form)


def _changeable_parts_line(request: HttpRequest, pk: int) -> PartsLine:
    line = get_visible(selectors.parts_line_list(user=request.user).select_related("work_order", "part"), pk)
    require_change(request.user, Record.WORK_ORDER, line.work_order.dealer_id)
    return line


@login_required
@require_POST
def parts_line_issue(request: HttpRequest, pk: int) -> HttpResponse:
    line = _changeable_parts_line(request, pk)
    try:
        services.parts_line_issue(line=line, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(part)s issued from stock.") % {"part": line.part.number})
    return _detail(line.work_order_id)


@login_required
@require_POST
def parts_line_return(request: HttpRequest, pk: int) -> HttpResponse:
    line = _changeable_parts_line(request, pk)
    form = PartsReturnForm(request.POST)
    if form.is_valid():
        try:
            services.parts_line_return(line=line, by=request.user, quantity=form.cleaned_data["quantity"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("%(qty)s × %(part)s returned to stock.")
                             % {"qty": form.cleaned_data["quantity"], "part": line.part.number})
    else:
        messages.error(request, _("Quantity to return: %(error)s") % {"error": " ".join(form.errors.get("quantity", []))})
    return _detail(line.work_order_id)


@login_required
@require_POST
def parts_line_delete(request: HttpRequest, pk: int) -> HttpResponse:
    line = _changeable_parts_line(request, pk)
    try:
        kept = services.parts_line_delete(line=line, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if kept is None:
            messages.success(request, _("Parts line %(part)s removed.") % {"part": line.part.number})
        else:
            messages.success(request, _("Parts line %(part)s returned to stock.") % {"part": line.part.number})
    return _detail(line.work_order_id)
