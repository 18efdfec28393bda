from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Dealer, Membership, Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "timezone", "currency"]
    search_fields = ["code", "name"]


@admin.register(Dealer)
class DealerAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "kind", "city", "city_tier", "bays", "labour_cost_rate", "opened_on", "active"]
    list_filter = ["region", "kind", "city_tier", "active"]
    search_fields = ["code", "name", "city"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "region", "dealer"]
    list_filter = ["role", "region", "dealer"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "dealer__code"]
    autocomplete_fields = ["user", "dealer"]
