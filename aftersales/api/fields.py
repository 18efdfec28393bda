"""Serializer fields the API shares: scoped references by code, and times that must carry an offset."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from dealers.policy import Action, Record

from . import scope
from .security import security_event


class AwareDateTimeField(serializers.DateTimeField):
    """ISO 8601 with a UTC offset, both ways: a DMS time without one is ambiguous, so it is refused."""

    default_error_messages = {"naive": _("Give the time with its UTC offset, e.g. 2025-03-01T09:30:00+08:00.")}

    def to_internal_value(self, value: Any) -> dt.datetime:
        if isinstance(value, str) and "\x00" in value:
            self.fail("invalid", format="ISO 8601")
        parsed = super().to_internal_value(value)
        if isinstance(value, str):
            from django.utils.dateparse import parse_datetime

            try:
                raw = parse_datetime(value)
            except ValueError:
                raw = None
            if raw is not None and raw.tzinfo is None:
                self.fail("naive")
        return parsed


class ScopedDealerField(serializers.SlugRelatedField):
    """A dealer referred to by code, limited to the dealers the caller may change for `record`.

    An existing dealer outside the caller's scope gets the same answer as an unknown code (no
    enumeration), and the attempt is a security event.
    """

    default_error_messages = {
        "does_not_exist": _("Unknown dealer “{value}”, or outside this client's scope."),
        "invalid": _("Give a dealer code."),
    }

    def __init__(self, *, record: Record, action: Action = Action.CHANGE, **kwargs: Any) -> None:
        self.record = record
        self.action = action
        kwargs.setdefault("slug_field", "code")
        if not kwargs.get("read_only"):
            from dealers.models import Dealer

            kwargs.setdefault("queryset", Dealer.objects.all())
        super().__init__(**kwargs)

    def get_queryset(self) -> Any:
        request = self.context.get("request")
        queryset = super().get_queryset()
        if request is None:
            return queryset.none()
        return queryset.filter(id__in=scope.dealer_ids(request.user, self.record, self.action))

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str) or "\x00" in data or len(data) > 64:
            self.fail("invalid")
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError:
            from dealers.models import Dealer

            request = self.context.get("request")
            if Dealer.objects.filter(code=data).exists():
                security_event("scope_refused", request=request, field=self.field_name, dealer=data,
                               record=str(self.record))
            raise


def reference_error(message: str, **params: Any) -> serializers.ValidationError:
    return serializers.ValidationError(message % params if params else message, code="does_not_exist")
