from django.contrib import admin

from .models import DealerDayFact, KpiTarget, RollupRun


@admin.register(DealerDayFact)
class DealerDayFactAdmin(admin.ModelAdmin):
    list_display = ["day", "dealer", "delivered_count", "output_value", "survey_count", "complaints_opened", "computed_at"]
    list_filter = ["dealer__city_tier", "dealer"]
    date_hierarchy = "day"
    list_select_related = ["dealer"]
    show_full_result_count = False

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # facts are rebuilt by the roll-up, never edited


@admin.register(KpiTarget)
class KpiTargetAdmin(admin.ModelAdmin):
    list_display = ["kpi", "region", "dealer", "month", "value", "updated_at"]
    list_filter = ["kpi", "region"]
    search_fields = ["kpi", "dealer__code", "dealer__name"]
    raw_id_fields = ["dealer"]


@admin.register(RollupRun)
class RollupRunAdmin(admin.ModelAdmin):
    list_display = ["finished_at", "first_day", "last_day", "dealers", "rows", "engine"]
    date_hierarchy = "finished_at"

    def has_add_permission(self, request) -> bool:
        return False  # written by the roll-up only

    def has_change_permission(self, request, obj=None) -> bool:
        return False
