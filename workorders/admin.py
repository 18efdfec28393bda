from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    Complaint,
    Customer,
    LabourLine,
    PartsLine,
    Survey,
    Vehicle,
    WorkOrder,
    WorkOrderStatusChange,
)


@admin.register(Customer)
class CustomerAdmin(SimpleHistoryAdmin):
    list_display = ["name", "phone", "kind", "vip", "dealer", "external_id"]
    list_filter = ["kind", "vip", "gender", "dealer"]
    search_fields = ["name", "phone", "external_id"]
    list_select_related = ["dealer"]
    raw_id_fields = ["dealer"]


@admin.register(Vehicle)
class VehicleAdmin(SimpleHistoryAdmin):
    list_display = ["vin", "plate", "brand", "model", "powertrain", "model_year", "mileage_km"]
    list_filter = ["powertrain", "brand", "model_year"]
    search_fields = ["vin", "plate", "model"]
    raw_id_fields = ["owner"]


class LabourLineInline(admin.TabularInline):
    model = LabourLine
    extra = 0
    raw_id_fields = ["technician"]


class PartsLineInline(admin.TabularInline):
    model = PartsLine
    extra = 0
    raw_id_fields = ["part"]


class StatusChangeInline(admin.TabularInline):
    model = WorkOrderStatusChange
    extra = 0
    readonly_fields = ["status", "at", "by", "note"]
    can_delete = False


@admin.register(WorkOrder)
class WorkOrderAdmin(SimpleHistoryAdmin):
    list_display = ["number", "dealer", "type", "channel", "status", "opened_at", "delivered_at", "labour_amount", "parts_amount"]
    list_filter = ["status", "type", "channel", "extended_warranty_sold", "dealer__city_tier", "dealer"]
    search_fields = ["number", "external_id", "vehicle__vin", "vehicle__plate", "customer__name", "customer__phone"]
    date_hierarchy = "opened_at"
    list_select_related = ["dealer"]
    raw_id_fields = ["dealer", "customer", "vehicle", "comeback_of", "service_advisor", "quality_checked_by"]
    readonly_fields = ["progress_token", "labour_amount", "parts_amount", "parts_cost", "flat_rate_hours", "actual_hours"]
    inlines = [LabourLineInline, PartsLineInline, StatusChangeInline]
    show_full_result_count = False


@admin.register(WorkOrderStatusChange)
class WorkOrderStatusChangeAdmin(admin.ModelAdmin):
    list_display = ["work_order", "status", "at", "by"]
    list_filter = ["status"]
    search_fields = ["work_order__number"]
    raw_id_fields = ["work_order", "by"]
    show_full_result_count = False


@admin.register(LabourLine)
class LabourLineAdmin(SimpleHistoryAdmin):
    list_display = ["work_order", "op_code", "description", "flat_rate_hours", "actual_hours", "technician", "amount"]
    search_fields = ["op_code", "description", "work_order__number"]
    raw_id_fields = ["work_order", "technician"]
    show_full_result_count = False


@admin.register(PartsLine)
class PartsLineAdmin(SimpleHistoryAdmin):
    list_display = ["work_order", "part", "quantity", "unit_price", "unit_cost", "filled_from_stock", "requested_at"]
    list_filter = ["filled_from_stock"]
    search_fields = ["part__number", "work_order__number"]
    raw_id_fields = ["work_order", "part"]
    show_full_result_count = False


@admin.register(Survey)
class SurveyAdmin(SimpleHistoryAdmin):
    list_display = ["work_order", "dealer", "answered_at", "csi", "recommend"]
    list_filter = ["dealer", "recommend"]
    search_fields = ["work_order__number", "external_id"]
    date_hierarchy = "answered_at"
    raw_id_fields = ["work_order", "dealer"]
    readonly_fields = ["csi"]


@admin.register(Complaint)
class ComplaintAdmin(SimpleHistoryAdmin):
    list_display = ["id", "dealer", "channel", "category", "severity", "opened_at", "resolved_at", "closed_at", "escalated"]
    list_filter = ["channel", "category", "severity", "escalated", "dealer"]
    search_fields = ["description", "external_id", "work_order__number", "customer__name"]
    date_hierarchy = "opened_at"
    raw_id_fields = ["dealer", "work_order", "customer"]
