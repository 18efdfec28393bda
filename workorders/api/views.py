"""Work orders (single and bulk upsert through workorders.ingest), complaints and surveys."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from aftersales.api import scope
from aftersales.api.errors import flatten_errors, nest_errors
from aftersales.api.schema import ERROR_RESPONSES, WRITE_ERROR_RESPONSES
from aftersales.api.security import security_event
from aftersales.api.viewsets import ScopedModelViewSet
from dealers.policy import Action, Record
from workorders import services
from workorders.ingest import ERROR, workorders_ingest
from workorders.models import Complaint, Customer, LabourLine, PartsLine, Survey, WorkOrder

from .filtersets import ComplaintApiFilterSet, SurveyApiFilterSet, WorkOrderApiFilterSet
from .serializers import (
    ComplaintSerializer,
    SurveySerializer,
    WorkOrderSerializer,
    WorkOrderWriteSerializer,
    work_order_as_input,
)
from .validation import Defer, compile_lean_validator

MAX_BULK = 1000

class BulkItemResultSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    dealer = serializers.CharField(allow_null=True)
    external_id = serializers.CharField(allow_null=True)
    status = serializers.ChoiceField(choices=["created", "updated", "unchanged", "error", "not_written"])
    id = serializers.IntegerField(allow_null=True)
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False,
                                   help_text="Messages by field path, e.g. labour_lines[2].technician.")


class BulkResultSerializer(serializers.Serializer):
    atomic = serializers.BooleanField()
    counts = serializers.DictField(child=serializers.IntegerField())
    items = BulkItemResultSerializer(many=True)


def _log_scope_refusals(request: Any, results: list[Any]) -> None:
    refused = sorted({r.dealer for r in results if r.code == "scope" and r.dealer})
    if refused:
        from dealers.models import Dealer

        existing = sorted(Dealer.objects.filter(code__in=refused).values_list("code", flat=True))
        if existing:
            security_event("scope_refused", request=request, field="dealer", dealer=",".join(existing),
                           record=str(Record.WORK_ORDER))


def _merge(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """A partial update: top-level fields replace, customer/vehicle merge key by key, lines replace whole."""
    merged = dict(base)
    for key, value in patch.items():
        if key in ("customer", "vehicle") and isinstance(value, dict) and isinstance(base.get(key), dict):
            merged[key] = {**base[key], **value}
        else:
            merged[key] = value
    return merged


@extend_schema_view(
    list=extend_schema(summary="List work orders (keyset pages; filter by dealer, status, dates, updated_after)",
                       responses={200: WorkOrderSerializer(many=True), **ERROR_RESPONSES}),
    retrieve=extend_schema(responses={200: WorkOrderSerializer, **ERROR_RESPONSES}),
)
class WorkOrderViewSet(ScopedModelViewSet):
    record = Record.WORK_ORDER
    queryset = WorkOrder.objects.select_related("dealer", "customer", "vehicle", "comeback_of").prefetch_related(
        Prefetch("labour_lines", LabourLine.objects.select_related("technician").order_by("id")),
        Prefetch("parts_lines", PartsLine.objects.select_related("part").order_by("id")),
    )
    serializer_class = WorkOrderSerializer
    filterset_class = WorkOrderApiFilterSet
    cursor_orderings = {"updated_at": "updated_at", "opened_at": "opened_at", "id": "id"}
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_cursor_default_ordering(self, request: Any) -> str:
        """(updated_at, id) for a sync; (opened_at, id) when the list is a window of opening dates, which the
        (dealer, opened_at) index then serves page by page at any depth."""
        params = request.query_params
        if "updated_after" not in params and ("opened_after" in params or "opened_before" in params):
            return "opened_at"
        return "updated_at"

    def _writable(self) -> frozenset[int]:
        return scope.dealer_ids(self.request.user, Record.WORK_ORDER, Action.CHANGE)

    def _ingest_one(self, data: dict[str, Any], *, mode: str) -> tuple[Any, Response | None]:
        serializer = WorkOrderWriteSerializer(data=data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        result = workorders_ingest(items=[serializer.validated_data], dealer_ids=self._writable(),
                                   by=self.request.user, all_or_nothing=True, mode=mode)
        item = result.items[0]
        if item.status == ERROR:
            _log_scope_refusals(self.request, result.items)
            code = status.HTTP_409_CONFLICT if item.code in ("exists", "conflict") else status.HTTP_400_BAD_REQUEST
            return item, Response(nest_errors(item.errors), status=code)
        return item, None

    @extend_schema(request=WorkOrderWriteSerializer,
                   responses={201: WorkOrderSerializer, **WRITE_ERROR_RESPONSES})
    def create(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        item, error = self._ingest_one(request.data, mode="create")
        if error is not None:
            return error
        return Response(self.get_serializer(self.get_queryset().get(pk=item.id)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=WorkOrderWriteSerializer(partial=True),
                   responses={200: WorkOrderSerializer, **WRITE_ERROR_RESPONSES})
    def partial_update(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        wo = self.get_object()
        patch = request.data
        if not isinstance(patch, dict):
            raise ValidationError({"non_field_errors": [_("Send a JSON object with the fields to change.")]})
        base = work_order_as_input(wo)
        for key in ("dealer", "external_id"):
            if key in patch and patch[key] != base[key] and not (key == "external_id" and base[key] is None):
                raise ValidationError({key: [_("Cannot be changed: it identifies the work order.")]})
        if base["external_id"] is None:
            if not patch.get("external_id"):
                raise ValidationError({"external_id": [
                    _("This work order has no external ID yet: give one to let the DMS own it.")]})
            if WorkOrder.objects.filter(dealer_id=wo.dealer_id, external_id=patch["external_id"]).exists():
                return Response({"external_id": [_("Already used by another work order at this dealer.")]},
                                status=status.HTTP_409_CONFLICT)
            WorkOrder.objects.filter(pk=wo.pk).update(external_id=patch["external_id"])
        merged = _merge(base, patch)
        _item, error = self._ingest_one(merged, mode="update")
        if error is not None:
            return error
        return Response(self.get_serializer(self.get_queryset().get(pk=wo.pk)).data)

    @extend_schema(
        summary="Create or update up to 1,000 work orders by (dealer, external_id)",
        request=WorkOrderWriteSerializer(many=True),
        parameters=[OpenApiParameter("atomic", OpenApiTypes.BOOL, required=False,
                                     description="true (default): all or nothing; false: each item on its own.")],
        responses={200: BulkResultSerializer, 400: BulkResultSerializer,
                   **{k: v for k, v in WRITE_ERROR_RESPONSES.items() if k != 400}},
    )
    @action(detail=False, methods=["post"], url_path="bulk")
    def bulk(self, request: Any) -> Response:
        flag = request.query_params.get("atomic", "true").lower()
        if flag not in ("true", "false", "1", "0"):
            raise ValidationError({"atomic": [_("Either true or false.")]})
        atomic = flag in ("true", "1")
        data = request.data
        if not isinstance(data, list):
            raise ValidationError({"non_field_errors": [_("Send a JSON array of work orders.")]})
        if len(data) > MAX_BULK:
            raise ValidationError({"non_field_errors": [
                _("At most %(max)s work orders per request (got %(n)s).") % {"max": MAX_BULK, "n": len(data)}]})
        shaped, shape_errors = validate_bulk_items(
            data, WorkOrderWriteSerializer(context=self.get_serializer_context()))
        # All-or-nothing with shape errors: still resolve references (to report every error) but write nothing.
        result = workorders_ingest(
            items=[item for _i, item in shaped], dealer_ids=self._writable(), by=request.user,
            all_or_nothing=atomic, mode="validate" if atomic and shape_errors else "upsert",
        )
        _log_scope_refusals(request, result.items)
        answers: list[dict[str, Any] | None] = [None] * len(data)
        for (index, _item), item_result in zip(shaped, result.items, strict=True):
            item_result.index = index
            answers[index] = item_result.as_dict()
        for index, errors in shape_errors.items():
            raw = data[index] if isinstance(data[index], dict) else {}
            answers[index] = {"index": index, "dealer": _str_or_none(raw.get("dealer")),
                              "external_id": _str_or_none(raw.get("external_id")), "status": ERROR, "id": None,
                              "errors": errors}
        if atomic and any(a["status"] == ERROR for a in answers):
            for answer in answers:
                if answer["status"] != ERROR:
                    answer["status"] = "not_written"
        counts: dict[str, int] = {}
        for answer in answers:
            counts[answer["status"]] = counts.get(answer["status"], 0) + 1
        failed = atomic and counts.get(ERROR, 0) > 0
        return Response({"atomic": atomic, "counts": counts, "items": answers},
                        status=status.HTTP_400_BAD_REQUEST if failed else status.HTTP_200_OK)


def validate_bulk_items(data: list[Any], validator: WorkOrderWriteSerializer
                        ) -> tuple[list[tuple[int, dict[str, Any]]], dict[int, dict[str, list[str]]]]:
    """(index, validated item) for the well-formed items and the flattened DRF errors of the others.

    One serializer validates every item (as ListSerializer does), building its fields once per batch. The
    lean validator compiled from it (workorders.api.validation) decides the well-formed items without DRF's
    per-field machinery and defers anything else to the serializer, so error bodies are DRF's own.
    """
    lean = compile_lean_validator(validator)
    shaped: list[tuple[int, dict[str, Any]]] = []
    shape_errors: dict[int, dict[str, list[str]]] = {}
    for index, raw in enumerate(data):
        if lean is not None:
            try:
                shaped.append((index, lean(raw)))
                continue
            except Defer:
                pass
        try:
            shaped.append((index, validator.run_validation(raw)))
        except ValidationError as exc:
            shape_errors[index] = flatten_errors(exc.detail)
    return shaped, shape_errors


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _reference(model: type, *, dealer: Any, external_id: str | None, field: str) -> Any:
    if not external_id:
        return None
    found = model.objects.filter(dealer=dealer, external_id=external_id).first()
    if found is None:
        raise ValidationError({field: [_("No record with external ID “%(id)s” at %(dealer)s.")
                                       % {"id": external_id, "dealer": dealer.code}]})
    return found


@extend_schema_view(
    list=extend_schema(responses={200: ComplaintSerializer(many=True), **ERROR_RESPONSES}),
    retrieve=extend_schema(responses={200: ComplaintSerializer, **ERROR_RESPONSES}),
    create=extend_schema(responses={201: ComplaintSerializer, **WRITE_ERROR_RESPONSES}),
    update=extend_schema(responses={200: ComplaintSerializer, **WRITE_ERROR_RESPONSES}),
    partial_update=extend_schema(responses={200: ComplaintSerializer, **WRITE_ERROR_RESPONSES}),
)
class ComplaintViewSet(ScopedModelViewSet):
    record = Record.COMPLAINT
    queryset = Complaint.objects.select_related("dealer", "work_order", "customer")
    serializer_class = ComplaintSerializer
    filterset_class = ComplaintApiFilterSet

    def perform_create(self, serializer: ComplaintSerializer) -> None:
        data = serializer.validated_data
        dealer = data["dealer"]
        work_order = _reference(WorkOrder, dealer=dealer, external_id=data.get("work_order"), field="work_order")
        customer = _reference(Customer, dealer=dealer, external_id=data.get("customer"), field="customer")
        serializer.instance = services.complaint_open(
            dealer=dealer, by=self.request.user, channel=data["channel"], category=data["category"],
            severity=data["severity"], description=data.get("description", ""), customer=customer,
            work_order=work_order, opened_at=data.get("opened_at"), external_id=data.get("external_id"),
        )

    def perform_update(self, serializer: ComplaintSerializer) -> None:
        complaint = serializer.instance
        data = serializer.validated_data
        for key in ("dealer", "external_id", "opened_at"):
            if key in self.request.data and data.get(key) != getattr(complaint, key):
                raise ValidationError({key: [_("Cannot be changed.")]})
        changes = {key: data[key] for key in ("channel", "category", "severity", "description") if key in data}
        if "work_order" in self.request.data:
            changes["work_order"] = _reference(WorkOrder, dealer=complaint.dealer, external_id=data.get("work_order"),
                                               field="work_order")
        if "customer" in self.request.data:
            changes["customer"] = _reference(Customer, dealer=complaint.dealer, external_id=data.get("customer"),
                                             field="customer")
        serializer.instance = services.complaint_update(complaint=complaint, by=self.request.user, **changes)


@extend_schema_view(
    list=extend_schema(responses={200: SurveySerializer(many=True), **ERROR_RESPONSES}),
    retrieve=extend_schema(responses={200: SurveySerializer, **ERROR_RESPONSES}),
    create=extend_schema(responses={201: SurveySerializer, **WRITE_ERROR_RESPONSES}),
    update=extend_schema(responses={200: SurveySerializer, **WRITE_ERROR_RESPONSES}),
    partial_update=extend_schema(responses={200: SurveySerializer, **WRITE_ERROR_RESPONSES}),
)
class SurveyViewSet(ScopedModelViewSet):
    record = Record.SURVEY
    queryset = Survey.objects.select_related("dealer", "work_order")
    serializer_class = SurveySerializer
    filterset_class = SurveyApiFilterSet
    SCORES = ("attitude_score", "price_transparency_score", "on_time_score", "quality_score", "facility_score",
              "recommend")

    def perform_create(self, serializer: SurveySerializer) -> None:
        data = serializer.validated_data
        work_order = _reference(WorkOrder, dealer=data["dealer"], external_id=data["work_order"], field="work_order")
        serializer.instance = services.survey_record(
            work_order=work_order, by=self.request.user, answered_at=data.get("answered_at"),
            comment=data.get("comment", ""), external_id=data.get("external_id"),
            **{key: data[key] for key in self.SCORES},
        )

    def perform_update(self, serializer: SurveySerializer) -> None:
        survey = serializer.instance
        data = serializer.validated_data
        for key in ("dealer", "external_id", "work_order", "answered_at"):
            if key in self.request.data:
                current = survey.work_order.external_id if key == "work_order" else getattr(survey, key)
                if data.get(key) != current:
                    raise ValidationError({key: [_("Cannot be changed.")]})
        # Scores are range-checked by the serializer (0–100, recommend 0–10) and by the table's constraints.
        fields = [key for key in (*self.SCORES, "comment") if key in data]
        for key in fields:
            setattr(survey, key, data[key])
        if fields:
            survey.save(update_fields=[*fields, "updated_at"])
            survey.refresh_from_db()
        serializer.instance = survey
