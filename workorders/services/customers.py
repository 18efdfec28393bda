"""Customers and their vehicles."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..choices import CustomerKind, Gender, Powertrain
from ..models import Customer, Vehicle
from ._common import stamp

# ISO 3779: 17 characters, digits and capitals except I, O and Q (confused with 1 and 0).
VIN_RE = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")
CUSTOMER_FIELDS = ("name", "phone", "kind", "gender", "vip", "external_id")
VEHICLE_FIELDS = ("vin", "plate", "brand", "model", "powertrain", "model_year", "first_registered_on",
                  "mileage_km", "owner")


def normalize_vin(value: str) -> str:
    return re.sub(r"[\s-]+", "", value or "").upper()


def normalize_plate(value: str) -> str:
    """Plates are compared without spaces, dots or dashes, in capitals (浙A·12345 → 浙A12345)."""
    return re.sub(r"[\s·.\-]+", "", value or "").upper()


def normalize_phone(value: str) -> str:
    return re.sub(r"[\s\-()]+", "", value or "")


def _clean_customer(values: dict[str, Any]) -> dict[str, Any]:
    cleaned = dict(values)
    errors: dict[str, str] = {}
    if "name" in cleaned:
        cleaned["name"] = (cleaned["name"] or "").strip()
        if not cleaned["name"]:
            errors["name"] = _("The customer's name is required.")
        elif len(cleaned["name"]) > 100:
            errors["name"] = _("The name is at most 100 characters.")
    if "phone" in cleaned:
        cleaned["phone"] = normalize_phone(cleaned["phone"])
        if cleaned["phone"] and not re.fullmatch(r"\+?\d{5,20}", cleaned["phone"]):
            errors["phone"] = _("Enter a phone number of 5 to 20 digits (a leading + is allowed).")
    if "kind" in cleaned and cleaned["kind"] not in CustomerKind.values:
        errors["kind"] = _("Unknown customer kind “%(value)s”.") % {"value": cleaned["kind"]}
    if "gender" in cleaned:
        cleaned["gender"] = cleaned["gender"] or ""
        if cleaned["gender"] not in Gender.values:
            errors["gender"] = _("Unknown gender “%(value)s”.") % {"value": cleaned["gender"]}
    if "external_id" in cleaned:
        cleaned["external_id"] = (cleaned["external_id"] or "").strip() or None
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def customer_create(
    *,
    dealer,
    by,
    name: str,
    phone: str = "",
    kind: str = CustomerKind.INDIVIDUAL,
    gender: str = "",
    vip: bool = False,
    external_id: str | None = None,
) -> Customer:
    values = _clean_customer(
        {"name": name, "phone": phone, "kind": kind, "gender": gender, "vip": vip, "external_id": external_id}
    )
    if values["external_id"] and Customer.objects.filter(dealer=dealer, external_id=values["external_id"]).exists():
        raise ValidationError({"external_id": _("A customer with this external ID already exists at this dealer.")})
    customer = Customer(dealer=dealer, **values)
    stamp(customer, by)
    customer.save()
    return customer


@transaction.atomic
def customer_update(*, customer: Customer, by, **changes: Any) -> Customer:
    unknown = sorted(set(changes) - set(CUSTOMER_FIELDS))
    if unknown:
        raise ValidationError(_("These fields cannot be changed here: %(fields)s.") % {"fields": ", ".join(unknown)})
    values = _clean_customer(changes)
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if values.get("external_id") and Customer.objects.filter(
        dealer_id=customer.dealer_id, external_id=values["external_id"]
    ).exclude(pk=customer.pk).exists():
        raise ValidationError({"external_id": _("A customer with this external ID already exists at this dealer.")})
    for field, value in values.items():
        setattr(customer, field, value)
    stamp(customer, by)
    customer.save()
    return customer


def _clean_vehicle(values: dict[str, Any], *, instance: Vehicle | None = None) -> dict[str, Any]:
    cleaned = dict(values)
    errors: dict[str, str] = {}
    if "vin" in cleaned:
        cleaned["vin"] = normalize_vin(cleaned["vin"])
        if not VIN_RE.match(cleaned["vin"]):
            errors["vin"] = _("A VIN has 17 letters and digits (no I, O or Q).")
        else:
            clash = Vehicle.objects.filter(vin=cleaned["vin"])
            if instance is not None:
                clash = clash.exclude(pk=instance.pk)
            if clash.exists():
                errors["vin"] = _("A vehicle with VIN %(vin)s is already registered: search for it instead.") % {
                    "vin": cleaned["vin"]
                }
    if "plate" in cleaned:
        cleaned["plate"] = normalize_plate(cleaned["plate"])
        if len(cleaned["plate"]) > 16:
            errors["plate"] = _("A plate is at most 16 characters.")
    for field, label in (("brand", _("brand")), ("model", _("model"))):
        if field in cleaned:
            cleaned[field] = (cleaned[field] or "").strip()
            if not cleaned[field]:
                errors[field] = _("The %(what)s is required.") % {"what": label}
            elif len(cleaned[field]) > 50:
                errors[field] = _("The %(what)s is at most 50 characters.") % {"what": label}
    if "powertrain" in cleaned and cleaned["powertrain"] not in Powertrain.values:
        errors["powertrain"] = _("Unknown powertrain “%(value)s”.") % {"value": cleaned["powertrain"]}
    if "model_year" in cleaned:
        year = cleaned["model_year"]
        if not isinstance(year, int) or not 1990 <= year <= timezone.localdate().year + 1:
            errors["model_year"] = _("The model year must be between 1990 and next year.")
    if "mileage_km" in cleaned:
        if not isinstance(cleaned["mileage_km"], int) or cleaned["mileage_km"] < 0:
            errors["mileage_km"] = _("Mileage must be a whole number of kilometres, not negative.")
    registered = cleaned.get("first_registered_on")
    if isinstance(registered, dt.date) and registered > timezone.localdate():
        errors["first_registered_on"] = _("The first registration cannot be in the future.")
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def vehicle_create(
    *,
    by,
    vin: str,
    brand: str,
    model: str,
    powertrain: str,
    model_year: int,
    plate: str = "",
    owner: Customer | None = None,
    mileage_km: int = 0,
    first_registered_on: dt.date | None = None,
) -> Vehicle:
    values = _clean_vehicle(
        {"vin": vin, "plate": plate, "brand": brand, "model": model, "powertrain": powertrain,
         "model_year": model_year, "mileage_km": mileage_km, "first_registered_on": first_registered_on}
    )
    vehicle = Vehicle(owner=owner, **values)
    stamp(vehicle, by)
    vehicle.save()
    return vehicle


@transaction.atomic
def vehicle_update(*, vehicle: Vehicle, by, **changes: Any) -> Vehicle:
    unknown = sorted(set(changes) - set(VEHICLE_FIELDS))
    if unknown:
        raise ValidationError(_("These fields cannot be changed here: %(fields)s.") % {"fields": ", ".join(unknown)})
    vehicle = Vehicle.objects.select_for_update().get(pk=vehicle.pk)
    values = _clean_vehicle(changes, instance=vehicle)
    for field, value in values.items():
        setattr(vehicle, field, value)
    stamp(vehicle, by)
    vehicle.save()
    return vehicle
