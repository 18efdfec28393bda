"""Small JSON endpoints behind the booking form and the parts line form (fetch, no framework)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from dealers import policy
from dealers.policy import Action, Record

from .. import selectors


def _dealer_id(request: HttpRequest, record: Record) -> int | None:
    """The dealer asked for, if the user may see it; else the user's only dealer for `record`."""
    raw = request.GET.get("dealer", "")
    visible = policy.dealer_ids(request.user, record, Action.VIEW)
    if raw.isdigit():
        return int(raw) if int(raw) in visible else None
    return next(iter(visible)) if len(visible) == 1 else None


@login_required
@require_GET
def lookup_customers(request: HttpRequest) -> JsonResponse:
    """Customers (name, phone, cars) and vehicles (VIN, plate) matching `q` within the user's scope."""
    q = request.GET.get("q", "")
    raw = request.GET.get("dealer", "")
    dealer_id = int(raw) if raw.isdigit() else None
    return JsonResponse({
        "customers": selectors.lookup_customers(user=request.user, q=q, dealer_id=dealer_id),
        "vehicles": selectors.lookup_vehicles(user=request.user, q=q),
    })


@login_required
@require_GET
def lookup_parts(request: HttpRequest) -> JsonResponse:
    """Parts by number or name with the dealer's live stock: on hand, reserved, available."""
    dealer_id = _dealer_id(request, Record.STOCK)
    if dealer_id is None:
        # An unknown or out-of-scope dealer is "not found", like every other record outside the scope.
        status = 404 if request.GET.get("dealer") else 400
        return JsonResponse({"parts": [], "error": "dealer"}, status=status)
    return JsonResponse({"parts": selectors.lookup_parts(user=request.user, dealer_id=dealer_id,
                                                         q=request.GET.get("q", ""))})
