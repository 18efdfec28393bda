from django.db import models
from django.utils.translation import gettext_lazy as _


class CustomerKind(models.TextChoices):
    INDIVIDUAL = "individual", _("Individual")
    FLEET = "fleet", _("Fleet")
    ENTERPRISE = "enterprise", _("Enterprise")


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    UNKNOWN = "", _("Not given")


class Powertrain(models.TextChoices):
    ICE = "ICE", _("Internal combustion (ICE)")
    HEV = "HEV", _("Hybrid (HEV)")
    PHEV = "PHEV", _("Plug-in hybrid (PHEV)")
    BEV = "BEV", _("Battery electric (BEV)")
    EREV = "EREV", _("Range-extended electric (EREV)")
    FCEV = "FCEV", _("Fuel cell (FCEV)")


# BEV, PHEV, EREV and FCEV count as new-energy vehicles; ICE and HEV do not (glossary: NEV).
NEV_POWERTRAINS = frozenset({Powertrain.BEV, Powertrain.PHEV, Powertrain.EREV, Powertrain.FCEV})


class WorkOrderType(models.TextChoices):
    MAINTENANCE = "maintenance", _("Maintenance")
    REPAIR = "repair", _("General repair")
    ACCIDENT = "accident", _("Accident / body & paint")
    WARRANTY = "warranty", _("Warranty")
    RECALL = "recall", _("Recall")
    PDI = "pdi", _("PDI")


# First-time-fix counts repair and warranty work (glossary: first_time_fix_rate).
FIRST_TIME_FIX_TYPES = frozenset({WorkOrderType.REPAIR, WorkOrderType.WARRANTY})


class Channel(models.TextChoices):
    WALK_IN = "walk_in", _("Walk-in")
    ONLINE = "online", _("Online booking")
    FLEET = "fleet", _("Fleet contract")
    INSURANCE = "insurance", _("Insurance referral")


class WorkOrderStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    CHECKED_IN = "checked_in", _("Checked in")
    IN_PROGRESS = "in_progress", _("In progress")
    WAITING_PARTS = "waiting_parts", _("Waiting for parts")
    QUALITY_CHECK = "quality_check", _("Quality check")
    READY = "ready", _("Ready for pick-up")
    DELIVERED = "delivered", _("Delivered")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATUSES = frozenset(set(WorkOrderStatus) - {WorkOrderStatus.DELIVERED, WorkOrderStatus.CANCELLED})


class ComplaintChannel(models.TextChoices):
    PHONE = "phone", _("Phone hotline")
    IN_STORE = "in_store", _("In store")
    ONLINE = "online", _("Online / app")
    SOCIAL = "social", _("Social media")
    HEADQUARTERS = "headquarters", _("Via headquarters")


class ComplaintCategory(models.TextChoices):
    QUALITY = "quality", _("Repair quality")
    PRICE = "price", _("Price transparency")
    WAITING = "waiting", _("Waiting time")
    ATTITUDE = "attitude", _("Service attitude")
    PARTS = "parts", _("Parts availability")
    OTHER = "other", _("Other")


class ComplaintSeverity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")
