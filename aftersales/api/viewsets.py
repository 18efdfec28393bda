"""The base every API viewset builds on: scope in get_queryset, writes in a savepoint, idempotent POSTs.

- `get_queryset` narrows `queryset` to the dealers the caller may see for `record` (by `dealer_field`);
  another dealer's record is a 404, absent from every list.
- A write to a record the caller may see but not change is 403 (and a security event).
- The handler runs inside `transaction.atomic()`: a database error rolls back to that savepoint and
  the exception handler turns it into 409/400 instead of leaving a broken transaction.
- POST with `Idempotency-Key` replays the first answer (aftersales.api.idempotency).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, viewsets
from rest_framework.permissions import SAFE_METHODS

from dealers.policy import Action, Record

from . import scope
from .idempotency import IdempotentReplay, idempotency_abandon, idempotency_begin, idempotency_finish
from .security import security_event


def _dealer_id_of(obj: Any, dealer_field: str) -> int | None:
    value: Any = obj
    for part in dealer_field.split("__"):
        value = getattr(value, part, None)
        if value is None:
            return None
    return getattr(value, "pk", value)


class ApiViewMixin:
    """Dispatch with idempotency and a savepoint around the handler (DRF's dispatch, otherwise unchanged)."""

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        self.args = args
        self.kwargs = kwargs
        request = self.initialize_request(request, *args, **kwargs)
        self.request = request
        self.headers = self.default_response_headers
        claim = None
        try:
            self.initial(request, *args, **kwargs)
            method = request.method.lower()
            handler = getattr(self, method, self.http_method_not_allowed) if method in self.http_method_names \
                else self.http_method_not_allowed
            if handler != self.http_method_not_allowed:
                claim = idempotency_begin(request)
            with transaction.atomic():
                response = handler(request, *args, **kwargs)
        except Exception as exc:  # noqa: BLE001 — DRF's dispatch does the same; handle_exception re-raises the unknown
            try:
                response = self.handle_exception(exc)
            except Exception:
                if claim is not None:
                    idempotency_abandon(claim)
                raise
        self.response = self.finalize_response(request, response, *args, **kwargs)
        if claim is not None:
            idempotency_finish(claim, self.response)
        return self.response

    def handle_exception(self, exc: Exception) -> Any:
        if isinstance(exc, IdempotentReplay):
            return exc.response()
        return super().handle_exception(exc)


class ScopedViewSetMixin(ApiViewMixin):
    record: Record
    dealer_field: str = "dealer"
    # Records without a dealer (the region's catalogue) set this False: scope is then `can(…, None)`.
    dealer_scoped: bool = True

    def get_queryset(self) -> Any:
        queryset = super().get_queryset()
        if not self.dealer_scoped:
            return queryset
        return scope.scope(queryset, self.request.user, self.record, Action.VIEW, self.dealer_field)

    def get_object(self) -> Any:
        try:
            obj = super().get_object()
        except Http404:
            self._log_if_out_of_scope()
            raise
        if self.request.method not in SAFE_METHODS:
            dealer_id = _dealer_id_of(obj, self.dealer_field) if self.dealer_scoped else None
            if not scope.can(self.request.user, Action.CHANGE, self.record, dealer_id):
                security_event("scope_refused", request=self.request, record=str(self.record), object=obj.pk)
                raise exceptions.PermissionDenied(_("You may see this record but not change it."))
        return obj

    def _log_if_out_of_scope(self) -> None:
        """A 404 for a record that exists outside the caller's scope is a refused access: log it."""
        lookup = self.lookup_url_kwarg or self.lookup_field
        value = self.kwargs.get(lookup)
        model = self.get_queryset().model
        try:
            exists = model._default_manager.filter(**{self.lookup_field: value}).exists()
        except (ValueError, TypeError, OverflowError, DjangoValidationError):
            return
        if exists:
            security_event("scope_refused", request=self.request, record=str(self.record), object=str(value)[:64])

    def check_catalogue_change(self) -> None:
        if not scope.can(self.request.user, Action.CHANGE, self.record, None):
            security_event("scope_refused", request=self.request, record=str(self.record))
            raise exceptions.PermissionDenied(_("Changing the region's catalogue needs a region-wide client."))


class ScopedModelViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    http_method_names = ["get", "post", "put", "patch", "head", "options"]


class ScopedReadOnlyViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass
