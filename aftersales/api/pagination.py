"""Keyset (cursor) pagination for every API list.

The cursor carries the last row's (ordering value, id), and the next page is `WHERE (field, id) > (v, i)`,
so a page costs the same at row 10 or row 10 million and stays stable while rows are inserted (no offset
to shift). The default order is (updated_at, id) — what an incremental sync with `updated_after` needs;
a view may offer other non-null orders (e.g. work orders by `opened_at`, which its (dealer, opened_at)
index serves with a date filter).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections import OrderedDict
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

DEFAULT_ORDERINGS: dict[str, str] = {"updated_at": "updated_at", "id": "id"}


class KeysetPagination(BasePagination):
    cursor_query_param = "cursor"
    page_size_query_param = "page_size"
    ordering_query_param = "ordering"
    page_size = 100
    max_page_size = 1000

    def _orderings(self, view: Any) -> dict[str, str]:
        return getattr(view, "cursor_orderings", DEFAULT_ORDERINGS)

    def _default_ordering(self, view: Any, request: Any) -> str:
        # A view may pick its default from the request (work orders: the order of the date filter given).
        chooser = getattr(view, "get_cursor_default_ordering", None)
        if chooser is not None:
            return chooser(request)
        return getattr(view, "cursor_default_ordering", next(iter(self._orderings(view))))

    def _page_size(self, request: Any) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw in (None, ""):
            return self.page_size
        try:
            size = int(raw)
        except (TypeError, ValueError):
            raise ValidationError({self.page_size_query_param: [_("A whole number between 1 and %(max)s.") % {
                "max": self.max_page_size}]}) from None
        if not 1 <= size <= self.max_page_size:
            raise ValidationError({self.page_size_query_param: [_("A whole number between 1 and %(max)s.") % {
                "max": self.max_page_size}]})
        return size

    def _decode(self, raw: str, field: str, key: str) -> tuple[Any, int]:
        error = ValidationError({self.cursor_query_param: [_("Invalid cursor.")]})
        try:
            padded = raw + "=" * (-len(raw) % 4)
            data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
            if not isinstance(data, dict) or data.get("o") != key:
                raise error
            value, last_id = data["v"], data["i"]
        except (ValueError, KeyError, TypeError, binascii.Error, UnicodeEncodeError):
            raise error from None
        if isinstance(last_id, bool) or not isinstance(last_id, int) or not 0 <= last_id < 2**63:
            raise error
        if field == "id":
            return last_id, last_id
        if field.endswith("_at"):
            parsed = parse_datetime(value) if isinstance(value, str) else None
            if parsed is None:
                raise error
            return parsed, last_id
        if field.endswith("_on") or field in {"day", "month"}:
            try:
                return dt.date.fromisoformat(value), last_id
            except (TypeError, ValueError):
                raise error from None
        if not isinstance(value, (str, int)) or isinstance(value, bool):
            raise error
        return value, last_id

    @staticmethod
    def _encode(key: str, value: Any, last_id: int) -> str:
        if isinstance(value, (dt.datetime, dt.date)):
            value = value.isoformat()
        elif isinstance(value, Decimal):
            value = str(value)
        raw = json.dumps({"o": key, "v": value, "i": last_id}, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")

    def paginate_queryset(self, queryset: QuerySet, request: Any, view: Any = None) -> list[Any]:
        orderings = self._orderings(view)
        key = request.query_params.get(self.ordering_query_param) or self._default_ordering(view, request)
        if key not in orderings:
            raise ValidationError({self.ordering_query_param: [
                _("Choose one of: %(choices)s.") % {"choices": ", ".join(orderings)}]})
        field = orderings[key]
        size = self._page_size(request)
        cursor = request.query_params.get(self.cursor_query_param)
        if cursor:
            value, last_id = self._decode(cursor, field, key)
            if field == "id":
                queryset = queryset.filter(id__gt=last_id)
            else:
                # The redundant `>=` gives the planner an index range; the OR breaks ties by id.
                queryset = queryset.filter(**{f"{field}__gte": value}).filter(
                    Q(**{f"{field}__gt": value}) | Q(**{field: value, "id__gt": last_id})
                )
        order = ("id",) if field == "id" else (field, "id")
        rows = list(queryset.order_by(*order)[: size + 1])
        self.has_next = len(rows) > size
        rows = rows[:size]
        self.request = request
        self.next_cursor = None
        if self.has_next and rows:
            last = rows[-1]
            self.next_cursor = self._encode(key, getattr(last, field), last.pk)
        return rows

    def get_next_link(self) -> str | None:
        if not self.next_cursor:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param, self.next_cursor)

    def get_paginated_response(self, data: Any) -> Response:
        return Response(OrderedDict([("next", self.get_next_link()), ("results", data)]))

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return {
            "type": "object",
            "required": ["next", "results"],
            "properties": {
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict]:
        return [
            {"name": self.cursor_query_param, "required": False, "in": "query",
             "description": "The `next` link's cursor.", "schema": {"type": "string"}},
            {"name": self.page_size_query_param, "required": False, "in": "query",
             "description": f"Rows per page (1–{self.max_page_size}, default {self.page_size}).",
             "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size}},
            {"name": self.ordering_query_param, "required": False, "in": "query",
             "description": "Keyset order (ascending, ties broken by id); the default is the view's.",
             "schema": {"type": "string", "enum": list(self._orderings(view))}},
        ]


def first_page_url(url: str) -> str:
    return remove_query_param(url, "cursor")
