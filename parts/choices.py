from django.db import models
from django.utils.translation import gettext_lazy as _


class PartCategory(models.TextChoices):
    MAINTENANCE = "maintenance", _("Maintenance consumables")
    BRAKES = "brakes", _("Brakes")
    SUSPENSION = "suspension", _("Suspension and steering")
    ENGINE = "engine", _("Engine")
    ELECTRICAL = "electrical", _("Electrical")
    BODY = "body", _("Body and paint")
    BATTERY = "battery", _("HV battery")
    E_DRIVE = "e_drive", _("Electric drive")
    ACCESSORY = "accessory", _("Accessories")


class MovementKind(models.TextChoices):
    RECEIPT = "receipt", _("Receipt")
    ISSUE = "issue", _("Issue to work order")
    RETURN = "return", _("Return from work order")
    ADJUSTMENT = "adjustment", _("Adjustment")
    TRANSFER_OUT = "transfer_out", _("Transfer out")
    TRANSFER_IN = "transfer_in", _("Transfer in")


INBOUND_KINDS = frozenset({MovementKind.RECEIPT, MovementKind.RETURN, MovementKind.TRANSFER_IN})
OUTBOUND_KINDS = frozenset({MovementKind.ISSUE, MovementKind.TRANSFER_OUT})


class PartsOrderKind(models.TextChoices):
    URGENT = "urgent", _("Urgent")
    STOCK = "stock", _("Stock")


class PartsOrderStatus(models.TextChoices):
    ORDERED = "ordered", _("Ordered")
    RECEIVED = "received", _("Received")
    CANCELLED = "cancelled", _("Cancelled")


class TransferStatus(models.TextChoices):
    IN_TRANSIT = "in_transit", _("In transit")
    RECEIVED = "received", _("Received")
