"""Customers and vehicles: lists, pages with their work orders and history, edits."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from dealers import policy
from dealers.policy import Action, Record

from .. import selectors, services
from ..filtersets import CustomerFilterSet, VehicleFilterSet
from ..forms import CustomerForm, VehicleForm, apply_errors
from ._base import filtered, get_visible, may_change, paginate, query_without_page, require_change


@login_required
@require_GET
def customer_list(request: HttpRequest) -> HttpResponse:
    filterset = CustomerFilterSet(request.GET or None, queryset=selectors.customer_list(user=request.user),
                                  request=request)
    queryset = filtered(filterset)
    page = paginate(request, queryset.order_by("name", "id"))
    return render(request, "workorders/customer_list.html", {
        "filter": filterset, "page": page, "query": query_without_page(request),
        "can_create": bool(policy.dealer_ids(request.user, Record.CUSTOMER, Action.CHANGE)),
    })


@login_required
@require_GET
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_visible(selectors.customer_list(user=request.user), pk)
    work_orders = selectors.workorder_list(user=request.user).filter(customer=customer).order_by("-opened_at")[:50]
    return render(request, "workorders/customer_detail.html", {
        "customer": customer,
        "vehicles": customer.vehicles.order_by("-updated_at"),
        "work_orders": work_orders,
        "complaints": selectors.complaint_list(user=request.user).filter(customer=customer)[:50],
        "history": selectors.customer_history(customer=customer),
        "can_change": may_change(request.user, Record.CUSTOMER, customer.dealer_id),
        "can_book": may_change(request.user, Record.WORK_ORDER, customer.dealer_id),
    })


@login_required
def customer_create(request: HttpRequest) -> HttpResponse:
    if not policy.dealer_ids(request.user, Record.CUSTOMER, Action.CHANGE):
        raise PermissionDenied
    form = CustomerForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            customer = services.customer_create(dealer=data["dealer"], by=request.user, name=data["name"],
                                                phone=data["phone"], kind=data["kind"], gender=data["gender"],
                                                vip=data["vip"])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Customer %(name)s created.") % {"name": customer.name})
            return redirect("workorders:customer_detail", pk=customer.pk)
    return render(request, "workorders/customer_form.html", {"form": form})


@login_required
def customer_update(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_visible(selectors.customer_list(user=request.user), pk)
    require_change(request.user, Record.CUSTOMER, customer.dealer_id)
    form = CustomerForm(request.POST or None, user=request.user, customer=customer)
    if request.method == "POST" and form.is_valid():
        try:
            services.customer_update(customer=customer, by=request.user,
                                     **{name: form.cleaned_data[name] for name in form.changed_data})
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Customer saved."))
            return redirect("workorders:customer_detail", pk=pk)
    return render(request, "workorders/customer_form.html", {"form": form, "customer": customer})


# ------------------------------------------------------------------------------------------ vehicles


@login_required
@require_GET
def vehicle_list(request: HttpRequest) -> HttpResponse:
    filterset = VehicleFilterSet(request.GET or None, queryset=selectors.vehicle_list(user=request.user),
                                 request=request)
    queryset = filtered(filterset)
    page = paginate(request, queryset.order_by("plate", "id"))
    return render(request, "workorders/vehicle_list.html", {
        "filter": filterset, "page": page, "query": query_without_page(request),
        # the owner's name only where the user may see that dealer's customers
        "visible_dealer_ids": policy.dealer_ids(request.user, Record.CUSTOMER),
    })


def _vehicle_dealer_ids(user, vehicle, action: Action) -> set[int]:
    """Dealers (within the user's `action` scope) that know the vehicle: the owner's or where serviced."""
    ids = policy.dealer_ids(user, Record.CUSTOMER, action)
    known = set(vehicle.work_orders.filter(dealer_id__in=ids).values_list("dealer_id", flat=True))
    if vehicle.owner_id and vehicle.owner.dealer_id in ids:
        known.add(vehicle.owner.dealer_id)
    return known


@login_required
@require_GET
def vehicle_detail(request: HttpRequest, pk: int) -> HttpResponse:
    vehicle = get_visible(selectors.vehicle_list(user=request.user), pk)
    owner_visible = vehicle.owner_id is not None and policy.can(
        request.user, Action.VIEW, Record.CUSTOMER, vehicle.owner.dealer_id
    )
    return render(request, "workorders/vehicle_detail.html", {
        "vehicle": vehicle,
        "owner_visible": owner_visible,
        "work_orders": selectors.workorder_list(user=request.user).filter(vehicle=vehicle).order_by("-opened_at")[:50],
        "history": selectors.vehicle_history(vehicle=vehicle),
        "can_change": bool(_vehicle_dealer_ids(request.user, vehicle, Action.CHANGE)),
    })


@login_required
def vehicle_create(request: HttpRequest) -> HttpResponse:
    """A vehicle for a customer (from the customer page: ?owner=<id>)."""
    if not policy.dealer_ids(request.user, Record.CUSTOMER, Action.CHANGE):
        raise PermissionDenied
    initial = {"owner": request.GET.get("owner")} if (request.GET.get("owner") or "").isdigit() else {}
    form = VehicleForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            vehicle = services.vehicle_create(by=request.user, **{k: v for k, v in data.items()})
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Vehicle %(vin)s registered.") % {"vin": vehicle.vin})
            if vehicle.owner_id:
                return redirect("workorders:customer_detail", pk=vehicle.owner_id)
            return redirect("workorders:vehicle_detail", pk=vehicle.pk)
    return render(request, "workorders/vehicle_form.html", {"form": form})


@login_required
def vehicle_update(request: HttpRequest, pk: int) -> HttpResponse:
    vehicle = get_visible(selectors.vehicle_list(user=request.user), pk)
    if not _vehicle_dealer_ids(request.user, vehicle, Action.CHANGE):
        raise PermissionDenied
    form = VehicleForm(request.POST or None, user=request.user, vehicle=vehicle)
    if request.method == "POST" and form.is_valid():
        try:
            services.vehicle_update(vehicle=vehicle, by=request.user,
                                    **{name: form.cleaned_data[name] for name in form.changed_data})
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Vehicle saved."))
            return redirect("workorders:vehicle_detail", pk=pk)
    return render(request, "workorders/vehicle_form.html", {"form": form, "vehicle": vehicle})
