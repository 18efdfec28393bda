from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from aftersales.api.authentication import api_token_assign_secret, api_token_revoke, api_token_rotate

from .models import ApiToken, ApiTokenScope, Dealer, Membership, Region


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


class ApiTokenForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ["name", "region", "scope", "dealers", "access", "expires_at"]

    def clean(self) -> dict:
        data = super().clean()
        region, dealers = data.get("region"), data.get("dealers")
        if data.get("scope") == ApiTokenScope.DEALERS and not dealers:
            self.add_error("dealers", _("A dealer-scoped token needs at least one dealer."))
        if region is not None and dealers:
            outside = [d.code for d in dealers if d.region_id != region.pk]
            if outside:
                self.add_error("dealers", _("Not in the token's region: %(codes)s") % {"codes": ", ".join(outside)})
        return data


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """DMS clients' tokens. The raw token is shown once, right after it is issued; only its hash is kept."""

    form = ApiTokenForm
    list_display = ["name", "prefix", "region", "scope", "access", "created_at", "expires_at", "revoked_at",
                    "last_used_at"]
    list_filter = ["region", "scope", "access"]
    search_fields = ["name", "prefix"]
    filter_horizontal = ["dealers"]
    readonly_fields = ["prefix", "created_at", "created_by", "revoked_at", "last_used_at"]
    actions = ["revoke_tokens", "rotate_secret"]

    def get_readonly_fields(self, request, obj=None):  # noqa: ANN001, ANN201 — Django's signature
        # The scope of an issued token does not change under the client's feet: issue a new token instead.
        if obj is not None:
            return [*self.readonly_fields, "region", "scope", "dealers", "access"]
        return self.readonly_fields

    def save_model(self, request, obj, form, change) -> None:  # noqa: ANN001
        if not change:
            obj.created_by = request.user
            raw = api_token_assign_secret(token=obj)
            super().save_model(request, obj, form, change)
            self.message_user(
                request,
                _("Token for %(name)s: %(raw)s — copy it now, it will not be shown again.")
                % {"name": obj.name, "raw": raw},
                level=messages.WARNING,
            )
            return
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke_tokens(self, request, queryset) -> None:  # noqa: ANN001
        count = 0
        for token in queryset.filter(revoked_at__isnull=True):
            api_token_revoke(token=token)
            count += 1
        self.message_user(request, _("%(count)s token(s) revoked.") % {"count": count})

    @admin.action(description=_("Issue a new secret for the selected token (shown once)"))
    def rotate_secret(self, request, queryset) -> None:  # noqa: ANN001
        if queryset.count() != 1:
            self.message_user(request, _("Select exactly one token."), level=messages.ERROR)
            return
        token = queryset.get()
        if token.revoked_at is not None:
            self.message_user(request, _("A revoked token stays revoked: issue a new one."), level=messages.ERROR)
            return
        raw = api_token_rotate(token=token)
        self.message_user(
            request,
            _("New secret for %(name)s: %(raw)s — copy it now, it will not be shown again; the old one no longer "
              "works.") % {"name": token.name, "raw": raw},
            level=messages.WARNING,
        )
