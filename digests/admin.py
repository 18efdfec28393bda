from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from .models import DigestDelivery, Subscription
from .services import subscription_validate


class SubscriptionAdminForm(forms.ModelForm):
    class Meta:
        model = Subscription
        fields = ["user", "frequency", "scope_kind", "region", "city_tier", "dealer", "language", "active"]

    def clean(self):
        cleaned = super().clean()
        instance = Subscription(**{k: v for k, v in cleaned.items() if k in {f.name for f in Subscription._meta.fields}})
        user = cleaned.get("user")
        if user is not None and cleaned.get("scope_kind"):
            try:
                # The same rule as the manage page: only scopes dealers.policy lets the user see.
                subscription_validate(user=user, frequency=cleaned.get("frequency"), scope=instance.scope,
                                      language=cleaned.get("language"))
            except ValidationError as exc:
                raise ValidationError(exc.messages) from None
        return cleaned


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    form = SubscriptionAdminForm
    list_display = ["user", "frequency", "scope_kind", "region", "city_tier", "dealer", "language", "active"]
    list_filter = ["frequency", "scope_kind", "language", "active"]
    search_fields = ["user__username", "user__email", "dealer__code", "dealer__name", "region__name"]
    raw_id_fields = ["user", "dealer"]
    readonly_fields = ["unsubscribed_at", "created_at", "updated_at"]


@admin.register(DigestDelivery)
class DigestDeliveryAdmin(admin.ModelAdmin):
    list_display = ["user", "scope_key", "frequency", "period_start", "period_end", "status", "attempts", "sent_at"]
    list_filter = ["status", "frequency", "language"]
    search_fields = ["user__username", "recipient", "message_id", "subject"]
    date_hierarchy = "period_end"
    # The log is the exactly-once record: read it here, never edit it.
    readonly_fields = [f.name for f in DigestDelivery._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
