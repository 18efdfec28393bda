"""KPI reads (kpi.selectors, with ETag), KPI targets, roll-up requests and the state of queued tasks."""

from __future__ import annotations

import hashlib
import uuid
from decimal import Decimal
from typing import Any

import django_filters
from django.db.models import Q
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from aftersales.api import scope
from aftersales.api.filters import ApiFilterSet, dealer_filter
from aftersales.api.schema import ERROR_RESPONSES, WRITE_ERROR_RESPONSES, crud_schema
from aftersales.api.security import security_event
from aftersales.api.viewsets import ApiViewMixin, ScopedModelViewSet
from dealers.models import ApiTask, Dealer
from dealers.policy import Action, Record
from kpi import selectors
from kpi.definitions import KPI_BY_CODE
from kpi.models import KpiTarget

from .serializers import (
    KpiQuerySerializer,
    KpiResultSerializer,
    KpiTargetSerializer,
    RollupRequestSerializer,
    TaskSerializer,
)

ROLLUP_TASK = "kpi.tasks.kpi_rollup_task"


def _decimal(value: Decimal | None, places: int) -> str | None:
    if value is None:
        return None
    return str(value.quantize(Decimal(1).scaleb(-places)))


def _dealers_in_scope(request: Any, codes: list[str], record: Record, action_: Action = Action.VIEW) -> list[Dealer]:
    """The dealers named (all in scope when none are), refusing any code outside the caller's scope."""
    allowed = scope.dealer_ids(request.user, record, action_)
    if not codes:
        return list(Dealer.objects.filter(id__in=allowed).order_by("code"))
    found = {d.code: d for d in Dealer.objects.filter(code__in=codes, id__in=allowed)}
    unknown = sorted(set(codes) - set(found))
    if unknown:
        security_event("scope_refused", request=request, field="dealer", dealer=",".join(unknown), record=str(record))
        raise ValidationError({"dealer": [_("Unknown dealer code(s), or outside this client's scope: %(codes)s.")
                                          % {"codes": ", ".join(unknown)}]})
    return [found[code] for code in sorted(found)]


def _query_data(request: Any) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key in request.query_params:
        values = request.query_params.getlist(key)
        data[key] = values if key in ("dealer", "kpi") else values[-1]
    return data


class KpiViewSet(ApiViewMixin, viewsets.ViewSet):
    """KPI values for one dealer, several, or every dealer in scope; roll-ups on request (region clients).

    Routed by hand (kpi/api/urls.py): GET kpis/ answers one object, not a list of records.
    """

    pagination_class = None

    @extend_schema(
        summary="KPI values (and series) over a period",
        parameters=[
            OpenApiParameter("dealer", OpenApiTypes.STR, many=True, description="Dealer code(s), repeated or comma list."),
            OpenApiParameter("from", OpenApiTypes.DATE, required=True),
            OpenApiParameter("to", OpenApiTypes.DATE, required=True),
            OpenApiParameter("kpi", OpenApiTypes.STR, many=True, description="KPI code(s); default all."),
            OpenApiParameter("by", OpenApiTypes.STR, enum=["day", "week", "month"], required=False),
            OpenApiParameter("If-None-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False),
        ],
        responses={200: KpiResultSerializer, 304: OpenApiResponse(description="Not modified (ETag matched)."),
                   **ERROR_RESPONSES},
    )
    def values(self, request: Any) -> Response:
        query = KpiQuerySerializer(data=_query_data(request))
        query.is_valid(raise_exception=True)
        params = query.validated_data
        dealers = _dealers_in_scope(request, params.get("dealer", []), Record.KPI)
        ids = [d.pk for d in dealers]
        codes = params.get("kpi") or None
        start, end, by = params["from"], params["to"], params.get("by")
        values = selectors.kpi_values(dealer_ids=ids, start=start, end=end, codes=codes)
        series = selectors.kpi_series(dealer_ids=ids, start=start, end=end, codes=codes, by=by) if by else {}
        kpis = []
        for code, kv in values.items():
            places = max(KPI_BY_CODE[code].decimals, 4) + 2
            entry = {
                "code": code, "name": str(kv.kpi.name), "unit": str(kv.kpi.unit), "direction": str(kv.kpi.direction),
                "value": _decimal(kv.value, places), "numerator": _decimal(kv.numerator, 4),
                "denominator": _decimal(kv.denominator, 4), "target": _decimal(kv.target, places),
                "status": kv.status, "previous": _decimal(kv.previous, places),
                "last_year": _decimal(kv.last_year, places),
            }
            if by:
                entry["series"] = [
                    {"start": point.start.isoformat(), "value": _decimal(point.value, places),
                     "numerator": _decimal(point.numerator, 4), "denominator": _decimal(point.denominator, 4)}
                    for point in series.get(code, [])
                ]
            kpis.append(entry)
        data = {"dealers": [d.code for d in dealers], "from": start.isoformat(), "to": end.isoformat(), "by": by,
                "kpis": kpis}
        body = JSONRenderer().render(data)
        etag = f'"{hashlib.sha256(body).hexdigest()[:40]}"'
        headers = {"ETag": etag, "Cache-Control": "private, no-cache", "Vary": "Authorization, Cookie"}
        if etag in _etags(request.headers.get("If-None-Match", "")):
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers=headers)
        return Response(data, headers=headers)

    @extend_schema(
        summary="Queue a KPI roll-up of a date range (region clients only)",
        request=RollupRequestSerializer,
        responses={202: TaskSerializer, **WRITE_ERROR_RESPONSES},
    )
    def rollup(self, request: Any) -> Response:
        regions = scope.region_ids(request.user)
        if not regions:
            security_event("permission_denied", request=request, detail="rollup needs a region client")
            raise PermissionDenied(_("Only region clients may request a roll-up."))
        payload = RollupRequestSerializer(data=request.data if isinstance(request.data, dict) else {})
        if not isinstance(request.data, dict):
            raise ValidationError({"non_field_errors": [_("Send a JSON object.")]})
        payload.is_valid(raise_exception=True)
        params = payload.validated_data
        dealers = _dealers_in_scope(request, params.get("dealer", []), Record.KPI)
        dealer_ids = sorted(d.pk for d in dealers if d.region_id in regions)
        if not dealer_ids:
            raise ValidationError({"dealer": [_("No dealer of your region(s) to roll up.")]})
        task = _queue_rollup(request, params["from"].isoformat(), params["to"].isoformat(), dealer_ids)
        return Response(TaskSerializer(_task_state(task)).data, status=status.HTTP_202_ACCEPTED)


def _etags(header: str) -> set[str]:
    tags = set()
    for part in header.split(","):
        part = part.strip()
        if part.startswith("W/"):
            part = part[2:]
        if part:
            tags.add(part)
    return tags


def _queue_rollup(request: Any, start: str, end: str, dealer_ids: list[int]) -> ApiTask:
    from kpi.tasks import kpi_rollup_task

    task_id = str(uuid.uuid4())
    task = ApiTask.objects.create(task_id=task_id, name=ROLLUP_TASK, client=scope.client_key(request.user),
                                  arguments={"start": start, "end": end, "dealer_ids": dealer_ids})
    if kpi_rollup_task.app.conf.task_always_eager:
        # No broker: the task runs here and now; keep its outcome, which no result backend will.
        try:
            result = kpi_rollup_task.apply(args=[start, end, dealer_ids], task_id=task_id)
            task.state, task.result = result.state, result.result if result.successful() else {
                "error": str(result.result)}
        except Exception as exc:  # noqa: BLE001 — reported through the task's state, like a worker would
            task.state, task.result = "FAILURE", {"error": str(exc)}
        task.save(update_fields=["state", "result"])
    else:
        kpi_rollup_task.apply_async(args=[start, end, dealer_ids], task_id=task_id)
    return task


def _task_state(task: ApiTask) -> dict[str, Any]:
    state, result = task.state, task.result
    if not state:
        from celery.result import AsyncResult

        async_result = AsyncResult(task.task_id)
        state = async_result.state
        if state == "SUCCESS":
            result = async_result.result
        elif state in ("FAILURE", "RETRY"):
            result = {"error": str(async_result.result)}
    return {"task_id": task.task_id, "name": task.name, "state": state, "result": result,
            "created_at": task.created_at}


class TaskViewSet(ApiViewMixin, viewsets.ViewSet):
    """The state of a task the same client queued (anyone else's task is a 404)."""

    lookup_value_regex = r"[-a-zA-Z0-9]+"

    @extend_schema(responses={200: TaskSerializer, **ERROR_RESPONSES})
    def retrieve(self, request: Any, pk: str | None = None) -> Response:
        task = ApiTask.objects.filter(task_id=pk, client=scope.client_key(request.user)).first()
        if task is None:
            raise NotFound()
        return Response(TaskSerializer(_task_state(task)).data)


class KpiTargetApiFilterSet(ApiFilterSet):
    dealer = dealer_filter(Record.KPI_TARGET)
    kpi = django_filters.CharFilter()
    month = django_filters.DateFilter()

    class Meta:
        model = KpiTarget
        fields = ["dealer", "kpi", "month"]


@crud_schema(KpiTargetSerializer)
class KpiTargetViewSet(ScopedModelViewSet):
    """Targets per region or dealer, optionally per month. Readable in scope; writable by region clients."""

    record = Record.KPI_TARGET
    dealer_scoped = False
    queryset = KpiTarget.objects.select_related("region", "dealer")
    serializer_class = KpiTargetSerializer
    filterset_class = KpiTargetApiFilterSet

    def get_queryset(self) -> Any:
        ids = scope.dealer_ids(self.request.user, Record.KPI_TARGET, Action.VIEW)
        regions = set(Dealer.objects.filter(id__in=ids).values_list("region_id", flat=True).distinct())
        return super().get_queryset().filter(Q(dealer_id__in=ids) | Q(region_id__in=regions))

    def get_object(self) -> Any:
        obj = super().get_object()
        if self.request.method not in ("GET", "HEAD", "OPTIONS") and not self._may_change(obj):
            security_event("scope_refused", request=self.request, record=str(self.record), object=obj.pk)
            raise PermissionDenied(_("Only region clients may change KPI targets."))
        return obj

    def _may_change(self, target: KpiTarget) -> bool:
        user = self.request.user
        if target.dealer_id is not None:
            return target.dealer_id in scope.dealer_ids(user, Record.KPI_TARGET, Action.CHANGE)
        return target.region_id in scope.writable_region_ids(user, Record.KPI_TARGET)

    def _check_writer(self) -> None:
        user = self.request.user
        if not scope.writable_region_ids(user, Record.KPI_TARGET):
            security_event("permission_denied", request=self.request, detail="kpi targets need a region client")
            raise PermissionDenied(_("Only region clients may change KPI targets."))

    def perform_create(self, serializer: KpiTargetSerializer) -> None:
        self._check_writer()
        serializer.save()

    def perform_update(self, serializer: KpiTargetSerializer) -> None:
        self._check_writer()
        serializer.save()
