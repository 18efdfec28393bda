"""The API's error mapping: nothing a client sends becomes a 500.

- Django ValidationError (what services raise) → 400 with DRF's field → messages structure; OutOfStock → 409.
- IntegrityError (a concurrent duplicate hitting a unique constraint) → 409.
- DataError, and ValueError/OverflowError from value conversion (NUL bytes, huge numbers, dates out of
  range) → 400.
- 401/403 answers are security events.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .security import security_event

logger = logging.getLogger(__name__)


def validation_error_body(exc: DjangoValidationError) -> dict[str, Any]:
    if hasattr(exc, "error_dict"):
        return {field or "non_field_errors": [str(m) for m in messages] for field, messages in exc.message_dict.items()}
    return {"non_field_errors": [str(m) for m in exc.messages]}


def _constraint_name(exc: IntegrityError) -> str:
    diag = getattr(getattr(exc, "__cause__", None), "diag", None)
    return getattr(diag, "constraint_name", "") or ""


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    request = context.get("request")
    if isinstance(exc, RequestDataTooBig):
        return Response({"detail": _("The request body is too large."), "code": "request_too_large"},
                        status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if isinstance(exc, DjangoValidationError):
        from parts.services import OutOfStock

        if isinstance(exc, OutOfStock):
            return Response({"detail": exc.messages[0], "code": "out_of_stock"}, status=status.HTTP_409_CONFLICT)
        return Response(validation_error_body(exc), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, IntegrityError):
        constraint = _constraint_name(exc)
        logger.info("integrity error mapped to 409: %s", exc)
        return Response(
            {"detail": _("The request conflicts with an existing record (a duplicate or a concurrent change)."),
             "code": "conflict", "constraint": constraint},
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, DataError | ValueError | OverflowError):
        logger.info("value error mapped to 400: %r", exc)
        return Response(
            {"detail": _("A value is out of range or not valid for its field."), "code": "invalid_value"},
            status=status.HTTP_400_BAD_REQUEST,
        )
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.APIException) and isinstance(response.data, dict) \
            and set(response.data) == {"detail"}:
        codes = exc.get_codes()
        if isinstance(codes, str):
            response.data["code"] = codes  # machine-readable next to the human message
    if response is not None and request is not None:
        if isinstance(exc, exceptions.NotAuthenticated):
            security_event("auth_missing", request=request)
        elif isinstance(exc, exceptions.PermissionDenied):
            security_event("permission_denied", request=request, detail=str(getattr(exc, "detail", "")))
    return response
