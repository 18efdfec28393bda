"""The customer's progress page ("transparent workshop"): no login, an unguessable link, only the steps
with their times, the dealer's name, the partly masked plate and the promised time."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from .. import selectors
from ..models import WorkOrder

REFRESH_SECONDS = 30


def _work_order(token: str) -> WorkOrder:
    work_order = selectors.progress_work_order(token=token)
    if work_order is None:
        raise Http404
    return work_order


def _private(response: HttpResponse) -> HttpResponse:
    # Not for search engines, caches or other sites' Referer logs: the link is the key.
    response["X-Robots-Tag"] = "noindex, nofollow, noarchive"
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_GET
def progress_page(request: HttpRequest, token: str) -> HttpResponse:
    work_order = _work_order(token)
    return _private(render(request, "workorders/progress.html", {
        "work_order": work_order,
        "dealer_name": work_order.dealer.name,
        "plate": selectors.mask_plate(work_order.vehicle.plate),
        "steps": selectors.progress_steps(work_order=work_order),
        "refresh_seconds": REFRESH_SECONDS,
        "token": token,
    }))


@require_GET
def progress_status(request: HttpRequest, token: str) -> JsonResponse:
    work_order = _work_order(token)
    steps = selectors.progress_steps(work_order=work_order)
    return _private(JsonResponse({
        "status": work_order.status,
        "status_label": str(work_order.get_status_display()),
        "promised_at": work_order.promised_at.isoformat() if work_order.promised_at else None,
        "steps": [
            {"status": s.status, "label": s.label, "state": s.state,
             "at": timezone.localtime(s.at).isoformat() if s.at else None}
            for s in steps
        ],
    }))
