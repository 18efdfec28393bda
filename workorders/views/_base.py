"""What every workshop view does the same way: find the record within the user's scope (404 outside
it, so another dealer's ids confirm nothing), check the right to change it (403), paginate lists."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from dealers import policy
from dealers.policy import Action, Record

PAGE_SIZE = 50


def get_visible(queryset: QuerySet, pk: Any) -> Model:
    """The record from an already scoped queryset, or 404."""
    return get_object_or_404(queryset, pk=pk)


def require_change(user, record: Record, dealer_id: int | None) -> None:
    if not policy.can(user, Action.CHANGE, record, dealer_id):
        raise PermissionDenied


def may_change(user, record: Record, dealer_id: int | None) -> bool:
    return policy.can(user, Action.CHANGE, record, dealer_id)


def paginate(request: HttpRequest, queryset: QuerySet, per_page: int = PAGE_SIZE) -> Page:
    # count() on a large filtered table is the expensive part of a list page; Paginator runs it once.
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def query_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def filtered(filterset) -> QuerySet:
    """The filterset's result; nothing when a filter is invalid (its form shows the error by the field),
    rather than silently ignoring it and showing everything."""
    if not filterset.is_bound:
        return filterset.queryset
    return filterset.qs if filterset.is_valid() else filterset.queryset.none()
