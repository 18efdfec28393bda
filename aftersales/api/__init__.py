"""The DMS integration API's cross-cutting parts: token authentication, scope, throttling, idempotency,
pagination, error mapping and security logging. Each app's `api/` package holds its serializers and views."""
