"""Filters every API list shares: `dealer` (codes, scoped) and `updated_after` (incremental sync)."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from dealers.policy import Action, Record

from . import scope
from .security import security_event


def _codes(values: list[str] | None) -> list[str]:
    codes: list[str] = []
    for value in values or []:
        codes.extend(code.strip() for code in value.split(",") if code.strip())
    return codes


class DealerCodeField(forms.Field):
    """One or more dealer codes: `dealer=A&dealer=B` or `dealer=A,B`."""

    widget = forms.SelectMultiple  # reads every value of the repeated parameter

    def to_python(self, value: Any) -> list[str]:
        if value in (None, "", []):
            return []
        if isinstance(value, str):
            value = [value]
        codes = _codes([str(v) for v in value])
        if any("\x00" in code or len(code) > 64 for code in codes):
            raise forms.ValidationError(_("Invalid dealer code."), code="invalid")
        return codes


class DealerCodeFilter(django_filters.Filter):
    """Narrow to dealers by code. A code the caller may not see is an error (400), never data."""

    field_class = DealerCodeField

    def __init__(self, *args: Any, record: Record, **kwargs: Any) -> None:
        self.record = record
        kwargs.setdefault("field_name", "dealer")
        kwargs.setdefault("help_text", "Dealer code(s): repeat the parameter or separate codes with commas.")
        super().__init__(*args, **kwargs)

    def filter(self, qs: QuerySet, value: list[str]) -> QuerySet:
        if not value:
            return qs
        from dealers.models import Dealer

        request = self.parent.request
        allowed = scope.dealer_ids(request.user, self.record, Action.VIEW) if request is not None else frozenset()
        found = dict(Dealer.objects.filter(code__in=value, id__in=allowed).values_list("code", "id"))
        unknown = sorted(set(value) - set(found))
        if unknown:
            security_event("scope_refused", request=request, field="dealer", dealer=",".join(unknown),
                           record=str(self.record))
            raise forms.ValidationError(
                {"dealer": _("Unknown dealer code(s), or outside this client's scope: %(codes)s.")
                 % {"codes": ", ".join(unknown)}}
            )
        return qs.filter(**{f"{self.field_name}__in": list(found.values())})


class ScopedFilterSet(django_filters.FilterSet):
    """Reports a refused dealer filter (raised while filtering) as a 400 like any form error."""

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        try:
            return super().filter_queryset(queryset)
        except forms.ValidationError as exc:
            from rest_framework.exceptions import ValidationError

            raise ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"dealer": exc.messages}) from None


class ApiFilterSet(ScopedFilterSet):
    """Base of the API filtersets of models that keep `updated_at`: adds `updated_after`."""

    updated_after = django_filters.IsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", help_text="Rows changed at or after this time (ISO 8601)."
    )


def dealer_filter(record: Record, field_name: str = "dealer") -> DealerCodeFilter:
    return DealerCodeFilter(record=record, field_name=field_name)


__all__ = ["ApiFilterSet", "DealerCodeFilter", "Record", "ScopedFilterSet", "dealer_filter"]
