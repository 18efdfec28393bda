"""A JSON parser that refuses bodies over DATA_UPLOAD_MAX_MEMORY_SIZE with 413, before parsing them.

DRF (3.16+) hands JSON parsers `request.body`, where Django's own limit raises RequestDataTooBig (the
exception handler answers 413); this parser keeps the same limit when it is given a raw stream instead,
and refuses NaN/Infinity, which are not JSON.
"""

from __future__ import annotations

import codecs
import json
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import JSONParser


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request body is too large.")
    default_code = "request_too_large"


def body_limit() -> int:
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 2**31


class LimitedJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: dict | None = None) -> Any:
        parser_context = parser_context or {}
        limit = body_limit()
        request = parser_context.get("request")
        if request is not None:
            try:
                declared = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                declared = 0
            if declared > limit:
                raise RequestTooLarge(_("The request body is larger than %(limit)s bytes.") % {"limit": limit})
        raw = stream.read(limit + 1)
        if len(raw) > limit:
            raise RequestTooLarge(_("The request body is larger than %(limit)s bytes.") % {"limit": limit})
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.decode(raw, encoding)
            # parse_constant refuses NaN/Infinity, which are not JSON and would reach decimal fields.
            return json.loads(text, parse_constant=_refuse_constant)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ParseError(_("JSON parse error - %(error)s") % {"error": exc}) from None


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")
