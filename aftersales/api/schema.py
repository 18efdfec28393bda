"""OpenAPI pieces: the token security scheme, and the error answers every operation may give."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view, inline_serializer
from rest_framework import serializers

_Detail = inline_serializer(
    "ErrorDetail",
    fields={"detail": serializers.CharField(), "code": serializers.CharField(required=False)},
)
# Field errors: {"field": ["message", …], "nested": {"field": [...]}, "lines": [{…}, …]} — DRF's structure.
_FieldErrors = OpenApiResponse(description="Validation errors by field (DRF's structure).",
                               response={"type": "object", "additionalProperties": True})

ERROR_RESPONSES = {
    400: _FieldErrors,
    401: OpenApiResponse(_Detail, description="Missing, invalid, revoked or expired credentials."),
    403: OpenApiResponse(_Detail, description="Authenticated but not allowed (read-only token, outside scope)."),
    404: OpenApiResponse(_Detail, description="No such record in the caller's scope."),
    429: OpenApiResponse(_Detail, description="Too many requests; see Retry-After."),
}
WRITE_ERROR_RESPONSES = {
    **ERROR_RESPONSES,
    409: OpenApiResponse(_Detail, description="Conflicts with an existing record, or out of stock."),
    413: OpenApiResponse(_Detail, description="Request body too large."),
    422: OpenApiResponse(_Detail, description="Idempotency-Key reused with a different request."),
}


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "aftersales.api.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):  # noqa: ANN001, ANN201 — drf-spectacular's signature
        return {"type": "http", "scheme": "bearer", "bearerFormat": "<prefix>.<secret>"}


def crud_schema(serializer: type, *, writable: tuple[str, ...] = ("create", "update", "partial_update")) -> Any:
    """extend_schema_view for a scoped CRUD viewset: the serializer on success, the error answers besides."""
    views = {
        "list": extend_schema(responses={200: serializer(many=True), **ERROR_RESPONSES}),
        "retrieve": extend_schema(responses={200: serializer, **ERROR_RESPONSES}),
    }
    for name in writable:
        code = 201 if name == "create" else 200
        views[name] = extend_schema(responses={code: serializer, **WRITE_ERROR_RESPONSES})
    return extend_schema_view(**views)
