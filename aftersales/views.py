from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database reachability, for the load balancer and docker-compose."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Where the portal opens: region users on the region overview, dealer staff on their dealer's page,
    anyone without a place in the organisation on a page that says whom to ask."""
    from dealers import policy

    if policy.is_region_user(request.user):
        return redirect("kpi:overview")
    dealer_id = policy.home_dealer_id(request.user)
    if dealer_id is not None:
        return redirect("dealers:dealer_detail", pk=dealer_id)
    return render(request, "home.html")
