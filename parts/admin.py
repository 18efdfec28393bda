from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Part, PartsOrder, PartsOrderLine, Stock, StockMovement, StockTransfer


@admin.register(Part)
class PartAdmin(SimpleHistoryAdmin):
    list_display = ["number", "name", "category", "is_nev", "cost", "price", "active"]
    list_filter = ["category", "is_nev", "active"]
    search_fields = ["number", "name"]


@admin.register(Stock)
class StockAdmin(SimpleHistoryAdmin):
    list_display = ["dealer", "part", "on_hand", "reserved", "reorder_point", "maximum", "bin"]
    list_filter = ["dealer"]
    search_fields = ["part__number", "part__name", "bin"]
    list_select_related = ["dealer", "part"]
    raw_id_fields = ["dealer", "part"]
    # Stock moves only through the ledger (parts.services); the admin shows it, never edits the count,
    # and never adds or deletes a row (that would break stock = Σ ledger).
    readonly_fields = ["dealer", "part", "on_hand", "reserved"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(StockMovement)
class StockMovementAdmin(admin.ModelAdmin):
    list_display = ["at", "dealer", "part", "kind", "quantity", "unit_cost", "reason"]
    list_filter = ["kind", "dealer"]
    search_fields = ["part__number", "reason", "external_id"]
    date_hierarchy = "at"
    list_select_related = ["dealer", "part"]
    raw_id_fields = ["dealer", "part", "parts_line", "parts_order", "transfer", "created_by"]
    show_full_result_count = False

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # the ledger is append-only

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(StockTransfer)
class StockTransferAdmin(SimpleHistoryAdmin):
    list_display = ["part", "quantity", "from_dealer", "to_dealer", "status", "shipped_at", "received_at"]
    list_filter = ["status"]
    search_fields = ["part__number"]
    raw_id_fields = ["from_dealer", "to_dealer", "part"]


class PartsOrderLineInline(admin.TabularInline):
    model = PartsOrderLine
    extra = 0
    raw_id_fields = ["part"]


@admin.register(PartsOrder)
class PartsOrderAdmin(SimpleHistoryAdmin):
    list_display = ["number", "dealer", "kind", "status", "ordered_at", "received_at"]
    list_filter = ["kind", "status", "dealer"]
    search_fields = ["number", "external_id"]
    date_hierarchy = "ordered_at"
    raw_id_fields = ["dealer", "work_order"]
    inlines = [PartsOrderLineInline]
