"""The parts clerk's workbench: stock, ledger, receipts, adjustments, transfers, parts orders, the
suggested order, back-orders and the import.

Reads go through parts.selectors (scoped by dealers.policy: another dealer's record is a 404); writes go
through parts.services. A page the role may not use at all is a 403; a write to a record the user can
see but not change (a region user, a service advisor) is a 403 too.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dealers import policy
from dealers.policy import Action, Record

from . import importers, selectors, services
from .filtersets import (
    PartFilterSet,
    PartsOrderFilterSet,
    StockFilterSet,
    StockMovementFilterSet,
    StockTransferFilterSet,
)
from .forms import (
    AdjustmentForm,
    ImportForm,
    PartForm,
    PartsOrderForm,
    PartsOrderLineFormSet,
    PartsOrderReceiveForm,
    ReceiptForm,
    StockCreateForm,
    StockLevelsForm,
    TransferForm,
)
from .models import Part
from .querysets import SLOW_MOVING_DAYS

PAGE_SIZE = 50
HISTORY_ROWS = 20
IMPORT_SESSION_KEY = "parts_import_pending"


# --- helpers ------------------------------------------------------------------------------------------


def _require_view(request: HttpRequest, record: Record) -> None:
    # By role (dealer_id None): no query; the selectors then narrow the rows to the user's dealers.
    if not policy.can(request.user, Action.VIEW, record, None):
        raise PermissionDenied(_("You have no access to these records."))


def _may_change(request: HttpRequest, record: Record) -> bool:
    """Whether the user's role changes this kind of record at all (the forms offer only their dealers)."""
    return policy.can(request.user, Action.CHANGE, record, None)


def _require_change_somewhere(request: HttpRequest, record: Record) -> None:
    if not _may_change(request, record):
        raise PermissionDenied(_("You may not change these records."))


def _require_change(request: HttpRequest, record: Record, dealer_id: int) -> None:
    if not policy.can(request.user, Action.CHANGE, record, dealer_id):
        raise PermissionDenied(_("You may not change this record."))


def _page(request: HttpRequest, queryset, per_page: int = PAGE_SIZE):
    page = Paginator(queryset, per_page).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()


def _error_messages(exc: ValidationError) -> list[str]:
    return [str(m) for m in exc.messages]


def _add_errors(request: HttpRequest, form, exc: ValidationError) -> None:
    for message in _error_messages(exc):
        form.add_error(None, message)


# --- stock --------------------------------------------------------------------------------------------


@login_required
def stock_list(request: HttpRequest) -> HttpResponse:
    _require_view(request, Record.STOCK)
    filterset = StockFilterSet(request.GET or None, queryset=selectors.stock_list(user=request.user), request=request)
    queryset = filterset.qs
    page, query = _page(request, queryset)
    cutoff = timezone.now() - dt.timedelta(days=SLOW_MOVING_DAYS)
    for stock in page.object_list:
        # The same rule as StockQuerySet.slow_moving, read off the row's last_issue_at annotation.
        stock.is_slow = stock.on_hand > 0 and (stock.last_issue_at is None or stock.last_issue_at < cutoff)
    return render(
        request,
        "parts/stock_list.html",
        {
            "filterset": filterset,
            "page": page,
            "query": query,
            "total_value": queryset.total_value(),
            "can_change": _may_change(request, Record.STOCK),
        },
    )


@login_required
def stock_detail(request: HttpRequest, pk: int) -> HttpResponse:
    stock = selectors.stock_get(user=request.user, pk=pk)
    can_change = policy.can(request.user, Action.CHANGE, Record.STOCK, stock.dealer_id)
    page, query = _page(request, selectors.stock_ledger(stock=stock), per_page=30)
    return render(
        request,
        "parts/stock_detail.html",
        {
            "stock": stock,
            "page": page,
            "query": query,
            "can_change": can_change,
            "levels_form": StockLevelsForm(instance=stock) if can_change else None,
            "history": selectors.history_of(instance=stock, limit=HISTORY_ROWS),
        },
    )


@login_required
def stock_levels(request: HttpRequest, pk: int) -> HttpResponse:
    stock = selectors.stock_get(user=request.user, pk=pk)
    _require_change(request, Record.STOCK, stock.dealer_id)
    form = StockLevelsForm(request.POST or None, instance=stock)
    if request.method == "POST" and form.is_valid():
        try:
            services.stock_levels_update(
                stock=stock,
                reorder_point=form.cleaned_data["reorder_point"],
                maximum=form.cleaned_data["maximum"],
                bin=form.cleaned_data["bin"],
                by=request.user,
            )
        except ValidationError as exc:
            _add_errors(request, form, exc)
        else:
            messages.success(request, _("Levels saved."))
            return redirect("parts:stock_detail", pk=stock.pk)
    return render(request, "parts/stock_levels_form.html", {"stock": stock, "form": form})


@login_required
def stock_create(request: HttpRequest) -> HttpResponse:
    _require_change_somewhere(request, Record.STOCK)
    form = StockCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                stock = services.stock_ensure(dealer=data["dealer"], part=data["part"], by=request.user)
                services.stock_levels_update(
                    stock=stock, reorder_point=data["reorder_point"], maximum=data["maximum"], bin=data["bin"],
                    by=request.user,
                )
        except ValidationError as exc:
            _add_errors(request, form, exc)
        else:
            messages.success(request, _("%(part)s is now stocked at %(dealer)s.") % {
                "part": data["part"].number, "dealer": data["dealer"].code})
            return redirect("parts:stock_detail", pk=stock.pk)
    return render(request, "parts/movement_form.html", {"form": form, "title": _("Stock a part at a dealer")})


@login_required
def movement_list(request: HttpRequest) -> HttpResponse:
    _require_view(request, Record.STOCK)
    filterset = StockMovementFilterSet(
        request.GET or None, queryset=selectors.movement_list(user=request.user), request=request
    )
    page, query = _page(request, filterset.qs)
    return render(request, "parts/movement_list.html", {"filterset": filterset, "page": page, "query": query})


def _movement_view(request: HttpRequest, form_class, title: str, write) -> HttpResponse:
    _require_change_somewhere(request, Record.STOCK)
    form = form_class(request.POST or None, user=request.user, initial=request.GET.dict() or None)
    if request.method == "POST" and form.is_valid():
        try:
            message = write(form.cleaned_data)
        except ValidationError as exc:
            _add_errors(request, form, exc)
        else:
            messages.success(request, message)
            stock = selectors.stock_list(user=request.user).filter(
                dealer=form.cleaned_data["dealer"], part=form.cleaned_data["part"]
            ).first()
            if stock is not None:
                return redirect("parts:stock_detail", pk=stock.pk)
            return redirect("parts:stock_list")
    return render(request, "parts/movement_form.html", {"form": form, "title": title})


@login_required
def receipt_create(request: HttpRequest) -> HttpResponse:
    def write(data: dict[str, Any]) -> str:
        movement = services.stock_receive(
            dealer=data["dealer"], part=data["part"], quantity=data["quantity"], unit_cost=data["unit_cost"],
            external_id=data["reference"] or None, by=request.user,
        )
        return _("Received %(quantity)s × %(part)s.") % {"quantity": movement.quantity, "part": data["part"].number}

    return _movement_view(request, ReceiptForm, _("Receive goods"), write)


@login_required
def adjustment_create(request: HttpRequest) -> HttpResponse:
    def write(data: dict[str, Any]) -> str:
        services.stock_adjust(
            dealer=data["dealer"], part=data["part"], quantity=data["quantity"], reason=data["reason"], by=request.user
        )
        return _("Adjusted %(part)s by %(quantity)+d.") % {"quantity": data["quantity"], "part": data["part"].number}

    return _movement_view(request, AdjustmentForm, _("Adjust stock"), write)


# --- transfers ----------------------------------------------------------------------------------------


@login_required
def transfer_list(request: HttpRequest) -> HttpResponse:
    _require_view(request, Record.STOCK)
    ids = policy.dealer_ids(request.user, Record.STOCK, Action.VIEW)
    base = selectors.transfer_list(user=request.user)
    filterset = StockTransferFilterSet(request.GET or None, queryset=base, request=request)
    page, query = _page(request, filterset.qs)
    change_ids = policy.dealer_ids(request.user, Record.STOCK, Action.CHANGE)
    in_transit = base.in_transit().filter(to_dealer_id__in=ids)
    return render(
        request,
        "parts/transfer_list.html",
        {
            "filterset": filterset,
            "page": page,
            "query": query,
            "change_ids": change_ids,
            "in_transit": in_transit[:100],
            "in_transit_count": in_transit.count(),
            "can_change": bool(change_ids),
        },
    )


@login_required
def transfer_create(request: HttpRequest) -> HttpResponse:
    _require_change_somewhere(request, Record.STOCK)
    form = TransferForm(request.POST or None, user=request.user, initial=request.GET.dict() or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.stock_transfer_send(
                from_dealer=data["dealer"], to_dealer=data["to_dealer"], part=data["part"], quantity=data["quantity"],
                by=request.user,
            )
        except ValidationError as exc:
            _add_errors(request, form, exc)
        else:
            messages.success(request, _("Sent %(quantity)s × %(part)s to %(dealer)s; it is in transit until received.")
                             % {"quantity": data["quantity"], "part": data["part"].number, "dealer": data["to_dealer"].code})
            return redirect("parts:transfer_list")
    return render(request, "parts/movement_form.html", {"form": form, "title": _("Send parts to another dealer")})


@login_required
@require_POST
def transfer_receive(request: HttpRequest, pk: int) -> HttpResponse:
    transfer = selectors.transfer_get(user=request.user, pk=pk)
    if not selectors.transfer_can_receive(user=request.user, transfer=transfer):
        if transfer.status != "in_transit":
            messages.error(request, _("This transfer has already been received."))
            return redirect("parts:transfer_list")
        raise PermissionDenied(_("Only the receiving dealer confirms a transfer."))
    try:
        services.stock_transfer_receive(transfer=transfer, by=request.user)
    except ValidationError as exc:
        for message in _error_messages(exc):
            messages.error(request, message)
    else:
        messages.success(request, _("Received %(quantity)s × %(part)s from %(dealer)s.") % {
            "quantity": transfer.quantity, "part": transfer.part.number, "dealer": transfer.from_dealer.code})
    return redirect("parts:transfer_list")


# --- parts orders -------------------------------------------------------------------------------------


@login_required
def order_list(request: HttpRequest) -> HttpResponse:
    _require_view(request, Record.PARTS_ORDER)
    filterset = PartsOrderFilterSet(
        request.GET or None, queryset=selectors.parts_order_list(user=request.user), request=request
    )
    page, query = _page(request, filterset.qs)
    return render(
        request,
        "parts/order_list.html",
        {
            "filterset": filterset,
            "page": page,
            "query": query,
            "can_change": _may_change(request, Record.PARTS_ORDER),
        },
    )


@login_required
def order_create(request: HttpRequest) -> HttpResponse:
    _require_change_somewhere(request, Record.PARTS_ORDER)
    form = PartsOrderForm(request.POST or None, user=request.user)
    formset = PartsOrderLineFormSet(request.POST or None, prefix="lines")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        data = form.cleaned_data
        try:
            order = services.parts_order_create(
                dealer=data["dealer"], kind=data["kind"], lines=formset.lines(), work_order=data["work_order"],
                by=request.user,
            )
        except ValidationError as exc:
            _add_errors(request, form, exc)
        else:
            messages.success(request, _("Parts order %(number)s placed.") % {"number": order.number})
            return redirect("parts:order_detail", pk=order.pk)
    return render(request, "parts/order_form.html", {"form": form, "formset": formset})


@login_required
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    order = selectors.parts_order_get(user=request.user, pk=pk)
    can_change = policy.can(request.user, Action.CHANGE, Record.PARTS_ORDER, order.dealer_id)
    open_order = order.status == "ordered"
    return render(
        request,
        "parts/order_detail.html",
        {
            "order": order,
            "can_change": can_change,
            "receive_form": PartsOrderReceiveForm(order=order) if can_change and open_order else None,
            "receipts": order.movements.select_related("part", "created_by").order_by("at", "id"),
            "history": selectors.history_of(instance=order, limit=HISTORY_ROWS),
        },
    )


@login_required
@require_POST
def order_receive(request: HttpRequest, pk: int) -> HttpResponse:
    order = selectors.parts_order_get(user=request.user, pk=pk)
    _require_change(request, Record.PARTS_ORDER, order.dealer_id)
    if not policy.can(request.user, Action.CHANGE, Record.STOCK, order.dealer_id):
        raise PermissionDenied(_("You may not change this dealer's stock."))
    form = PartsOrderReceiveForm(request.POST, order=order)
    if form.is_valid():
        try:
            services.parts_order_receive(order=order, quantities=form.quantities(), by=request.user)
        except ValidationError as exc:
            for message in _error_messages(exc):
                messages.error(request, message)
        else:
            messages.success(request, _("Goods of order %(number)s received into stock.") % {"number": order.number})
            return redirect("parts:order_detail", pk=order.pk)
    else:
        for field, errors in form.errors.items():
            for error in errors:
                messages.error(request, f"{form.fields[field].label}: {error}" if field in form.fields else error)
    return redirect("parts:order_detail", pk=order.pk)


@login_required
@require_POST
def order_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    order = selectors.parts_order_get(user=request.user, pk=pk)
    _require_change(request, Record.PARTS_ORDER, order.dealer_id)
    try:
        services.parts_order_cancel(order=order, by=request.user)
    except ValidationError as exc:
        for message in _error_messages(exc):
            messages.error(request, message)
    else:
        messages.success(request, _("Order %(number)s cancelled.") % {"number": order.number})
    return redirect("parts:order_detail", pk=order.pk)


@login_required
def suggested_order(request: HttpRequest) -> HttpResponse:
    """Items below their reorder point topped up to their maximum; the clerk adjusts and places the order."""
    _require_view(request, Record.STOCK)
    dealers = list(selectors.dealers_for(user=request.user, record=Record.STOCK))
    dealer = None
    wanted = request.POST.get("dealer") or request.GET.get("dealer")
    if wanted:
        dealer = next((d for d in dealers if str(d.pk) == wanted), None)
        if dealer is None:
            return render(request, "parts/suggested_order.html", {"dealers": dealers, "not_found": True}, status=404)
    elif len(dealers) == 1:
        dealer = dealers[0]
    lines = selectors.suggested_order(user=request.user, dealer=dealer) if dealer else []
    can_order = dealer is not None and policy.can(request.user, Action.CHANGE, Record.PARTS_ORDER, dealer.pk)
    errors: list[str] = []
    if request.method == "POST":
        if not can_order:
            raise PermissionDenied(_("You may not place parts orders for this dealer."))
        chosen: list[tuple[Part, int]] = []
        for line in lines:
            raw = request.POST.get(f"qty_{line.stock.pk}", "").strip()
            if not raw:
                continue
            try:
                quantity = int(raw)
            except ValueError:
                errors.append(_("%(part)s: %(value)r is not a whole number.") % {"part": line.stock.part.number, "value": raw})
                continue
            if quantity < 0:
                errors.append(_("%(part)s: the quantity cannot be negative.") % {"part": line.stock.part.number})
            elif quantity > 0:
                chosen.append((line.stock.part, quantity))
        if not errors and not chosen:
            errors.append(_("Enter a quantity on at least one line."))
        if not errors:
            try:
                order = services.parts_order_create(dealer=dealer, kind="stock", lines=chosen, by=request.user)
            except ValidationError as exc:
                errors.extend(_error_messages(exc))
            else:
                messages.success(request, _("Stock order %(number)s placed with %(count)s lines.") % {
                    "number": order.number, "count": len(chosen)})
                return redirect("parts:order_detail", pk=order.pk)
    return render(
        request,
        "parts/suggested_order.html",
        {"dealers": dealers, "dealer": dealer, "lines": lines, "can_order": can_order, "errors": errors,
         "posted": request.POST if request.method == "POST" else None},
    )


@login_required
def backorder_list(request: HttpRequest) -> HttpResponse:
    _require_view(request, Record.STOCK)
    queryset = selectors.backorder_lines(user=request.user)
    page, query = _page(request, queryset)
    on_hand = selectors.stock_on_hand_for_lines(lines=page.object_list)
    for line in page.object_list:
        line.on_hand_now = on_hand[line.pk]
    return render(
        request,
        "parts/backorder_list.html",
        {
            "page": page,
            "query": query,
            "change_ids": policy.dealer_ids(request.user, Record.STOCK, Action.CHANGE),
        },
    )


@login_required
@require_POST
def backorder_issue(request: HttpRequest, pk: int) -> HttpResponse:
    line = selectors.backorder_get(user=request.user, pk=pk)
    _require_change(request, Record.STOCK, line.work_order.dealer_id)
    try:
        _issue_backorder(line, request.user)
    except ValidationError as exc:
        for message in _error_messages(exc):
            messages.error(request, message)
    else:
        messages.success(request, _("Issued %(quantity)s × %(part)s to work order %(number)s.") % {
            "quantity": line.quantity, "part": line.part.number, "number": line.work_order.number})
    return redirect("parts:backorder_list")


def _issue_backorder(line, user) -> None:
    # The work-order service also recalculates the work order's totals; fall back to the ledger service
    # alone when the workshop app does not offer it.
    try:
        from workorders.services import parts_line_issue
    except ImportError:  # pragma: no cover - the workshop app always ships it
        services.stock_issue_backorder(parts_line=line, by=user)
    else:
        parts_line_issue(line=line, by=user)


# --- catalogue ----------------------------------------------------------------------------------------


@login_required
def part_list(request: HttpRequest) -> HttpResponse:
    if not policy.can(request.user, Action.VIEW, Record.PART, None):
        raise PermissionDenied(_("You have no access to the part catalogue."))
    filterset = PartFilterSet(request.GET or None, queryset=selectors.part_list(user=request.user), request=request)
    page, query = _page(request, filterset.qs)
    return render(
        request,
        "parts/part_list.html",
        {
            "filterset": filterset,
            "page": page,
            "query": query,
            "can_change": policy.can(request.user, Action.CHANGE, Record.PART, None),
        },
    )


@login_required
def part_detail(request: HttpRequest, pk: int) -> HttpResponse:
    part = selectors.part_get(user=request.user, pk=pk)
    stocks = selectors.part_stocks(user=request.user, part=part)
    movements = selectors.movement_list(user=request.user).filter(part=part)
    page, query = _page(request, movements, per_page=30)
    return render(
        request,
        "parts/part_detail.html",
        {
            "part": part,
            "stocks": stocks,
            "page": page,
            "query": query,
            "can_change": policy.can(request.user, Action.CHANGE, Record.PART, None),
            "history": selectors.history_of(instance=part, limit=HISTORY_ROWS),
        },
    )


@login_required
def part_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    part = selectors.part_get(user=request.user, pk=pk) if pk else Part()
    if not policy.can(request.user, Action.CHANGE, Record.PART, None):
        raise PermissionDenied(_("You may not change the part catalogue."))
    form = PartForm(request.POST or None, instance=part)
    if request.method == "POST" and form.is_valid():
        try:
            part = services.part_save(part=form.save(commit=False), by=request.user)
        except ValidationError as exc:
            _add_errors(request, form, exc)
        else:
            messages.success(request, _("Part %(number)s saved.") % {"number": part.number})
            return redirect("parts:part_detail", pk=part.pk)
    return render(request, "parts/part_form.html", {"form": form, "part": part if pk else None})


# --- import -------------------------------------------------------------------------------------------


@login_required
def import_upload(request: HttpRequest) -> HttpResponse:
    """Upload → dry-run preview with every bad row → confirm. The checked file waits in storage under a
    random name known only to this session, so the confirmation imports exactly what was previewed."""
    can_catalogue = policy.can(request.user, Action.CHANGE, Record.PART, None)
    can_stock = _may_change(request, Record.STOCK)
    if not (can_catalogue or can_stock):
        raise PermissionDenied(_("You may not import parts data."))
    form = ImportForm(request.POST or None, request.FILES or None, catalogue=can_catalogue, stock=can_stock)
    context: dict[str, Any] = {"form": form, "can_catalogue": can_catalogue, "can_stock": can_stock}

    if request.method == "POST" and request.POST.get("confirm"):
        return _import_confirm(request, context)

    if request.method == "POST" and form.is_valid():
        kind = form.cleaned_data["kind"]
        upload = form.cleaned_data["file"]
        data = upload.read()
        try:
            result = importers.run_import(kind=kind, file=data, filename=upload.name, user=request.user, dry_run=True)
        except PermissionDenied as exc:
            form.add_error("kind", str(exc))
        except ValidationError as exc:
            form.add_error("file", " ".join(_error_messages(exc)))
        else:
            context["result"] = result
            if result.ok:
                _forget_pending(request)
                token = uuid.uuid4().hex
                path = default_storage.save(f"parts-imports/{token}{_suffix(upload.name)}", ContentFile(data))
                request.session[IMPORT_SESSION_KEY] = {"token": token, "path": path, "kind": kind, "name": upload.name}
                context["token"] = token
    return render(request, "parts/import.html", context)


def _suffix(name: str) -> str:
    return ".xlsx" if name.lower().endswith(".xlsx") else ".csv"


def _forget_pending(request: HttpRequest) -> None:
    pending = request.session.pop(IMPORT_SESSION_KEY, None)
    if pending and default_storage.exists(pending["path"]):
        default_storage.delete(pending["path"])


def _import_confirm(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    pending = request.session.get(IMPORT_SESSION_KEY)
    if not pending or pending["token"] != request.POST.get("confirm") or not default_storage.exists(pending["path"]):
        messages.error(request, _("The checked file is no longer available; upload it again."))
        return HttpResponseRedirect(reverse("parts:import"))
    with default_storage.open(pending["path"], "rb") as handle:
        data = handle.read()
    try:
        result = importers.run_import(kind=pending["kind"], file=data, filename=pending["name"], user=request.user)
    except (ValidationError, PermissionDenied) as exc:  # e.g. the user's role changed since the preview
        _forget_pending(request)
        messages.error(request, " ".join(_error_messages(exc)) if isinstance(exc, ValidationError) else str(exc))
        return HttpResponseRedirect(reverse("parts:import"))
    if not result.ok:
        # The books moved between preview and confirmation (another user's change): show what is wrong now.
        form = ImportForm(catalogue=context["can_catalogue"], stock=context["can_stock"])
        return render(request, "parts/import.html", {**context, "form": form, "result": result})
    _forget_pending(request)
    if result.kind == "catalogue":
        messages.success(request, _("Catalogue imported: %(created)s new, %(updated)s updated, %(unchanged)s unchanged.")
                         % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged})
        return redirect("parts:part_list")
    messages.success(request, _("Stock imported: %(created)s new stock rows, %(updated)s with new levels, "
                                "%(adjustments)s count adjustments.")
                     % {"created": result.created, "updated": result.updated, "adjustments": result.adjustments})
    return redirect(reverse("parts:movement_list") + "?" + urlencode({"kind": "adjustment"}))
