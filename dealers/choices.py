from django.db import models
from django.utils.translation import gettext_lazy as _


class DealerKind(models.TextChoices):
    STORE_4S = "4s", _("4S store")
    QUICK_REPAIR = "quick_repair", _("Authorized quick-repair outlet")
    BODY_PAINT = "body_paint", _("Body & paint centre")
    NEV_CENTRE = "nev_centre", _("NEV centre")


class CityTier(models.IntegerChoices):
    TIER_1 = 1, _("Tier 1")
    TIER_2 = 2, _("Tier 2")
    TIER_3 = 3, _("Tier 3")
    TIER_4 = 4, _("Tier 4")


class Role(models.TextChoices):
    REGIONAL_MANAGER = "regional_manager", _("Regional manager")
    SERVICE_MANAGER = "service_manager", _("Dealer service manager")
    SERVICE_ADVISOR = "service_advisor", _("Service advisor")
    PARTS_CLERK = "parts_clerk", _("Parts clerk")
    TECHNICIAN = "technician", _("Technician")


REGION_ROLES = frozenset({Role.REGIONAL_MANAGER})
DEALER_ROLES = frozenset(set(Role) - REGION_ROLES)
