"""Writes of the workshop: every change to work orders, their lines, customers, vehicles, complaints
and surveys goes through these functions (views, the API, tasks, imports and the admin alike).

Names follow <entity>_<verb>, arguments are keyword-only; `by` is the acting user (for tasks:
aftersales.audit.system_user()). Bad input raises django.core.exceptions.ValidationError naming the
field where it can; multi-row changes run in one transaction.
"""

from .complaints import (
    complaint_close,
    complaint_escalate,
    complaint_open,
    complaint_resolve,
    complaint_respond,
    complaint_update,
    survey_record,
)
from .customers import (
    customer_create,
    customer_update,
    normalize_plate,
    normalize_vin,
    vehicle_create,
    vehicle_update,
)
from .lines import (
    labour_line_delete,
    labour_line_record_hours,
    labour_line_update,
    parts_line_delete,
    parts_line_issue,
    parts_line_return,
    workorder_add_labour_line,
    workorder_add_parts_line,
    workorder_recalculate_totals,
)
from .signature import decode_data_url, validate_signature_png
from .workorders import (
    ALLOWED_TRANSITIONS,
    CORRECTABLE_FIELDS,
    EDITABLE_FIELDS,
    MAIN_PATH,
    TransitionError,
    allowed_targets,
    is_service_manager,
    transition_problems,
    workorder_correct,
    workorder_create,
    workorder_mark_comeback,
    workorder_sign,
    workorder_transition,
    workorder_update,
)

__all__ = [
    "ALLOWED_TRANSITIONS",
    "CORRECTABLE_FIELDS",
    "EDITABLE_FIELDS",
    "MAIN_PATH",
    "TransitionError",
    "allowed_targets",
    "complaint_close",
    "complaint_escalate",
    "complaint_open",
    "complaint_resolve",
    "complaint_respond",
    "complaint_update",
    "customer_create",
    "customer_update",
    "decode_data_url",
    "is_service_manager",
    "labour_line_delete",
    "labour_line_record_hours",
    "labour_line_update",
    "normalize_plate",
    "normalize_vin",
    "parts_line_delete",
    "parts_line_issue",
    "parts_line_return",
    "survey_record",
    "transition_problems",
    "validate_signature_png",
    "vehicle_create",
    "vehicle_update",
    "workorder_add_labour_line",
    "workorder_add_parts_line",
    "workorder_correct",
    "workorder_create",
    "workorder_mark_comeback",
    "workorder_recalculate_totals",
    "workorder_sign",
    "workorder_transition",
    "workorder_update",
]
