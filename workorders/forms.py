"""HTML forms of the workshop. They parse and check input; the services decide and write.

Every choice of a related record (dealer, customer, technician, work order) is limited to what the
requesting user may change, via dealers.policy, so a tampered form cannot reach another dealer's data.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dealers import policy
from dealers.policy import Action, Record

from . import selectors
from .choices import (
    Channel,
    ComplaintCategory,
    ComplaintChannel,
    ComplaintSeverity,
    CustomerKind,
    Gender,
    Powertrain,
    WorkOrderType,
)
from .models import Customer, Vehicle, WorkOrder
from .services.customers import normalize_vin
from .services.signature import decode_data_url, validate_signature_png

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


def apply_errors(form: forms.Form, error: ValidationError, field_map: dict[str, str] | None = None) -> None:
    """Put a service's ValidationError on the form: on the named field when the form has it."""
    field_map = field_map or {}
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            target = field_map.get(name, name)
            form.add_error(target if target in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


class DealerChoiceMixin:
    """A `dealer` field listing the dealers where the user may change `record`; hidden when there is one."""

    record: Record

    def _setup_dealer(self, user) -> None:
        dealers = selectors.changeable_dealers(user=user, record=self.record)
        field = self.fields["dealer"]
        field.queryset = dealers
        ids = list(dealers.values_list("id", flat=True)[:2])
        if len(ids) == 1:
            field.initial = ids[0]
            field.widget = forms.HiddenInput()


# --------------------------------------------------------------------------------------- work orders


class WorkOrderCreateForm(DealerChoiceMixin, forms.Form):
    """The service advisor's booking form: customer and vehicle found or created inline."""

    record = Record.WORK_ORDER

    dealer = forms.ModelChoiceField(queryset=None, label=_("Dealer"))
    customer = forms.ModelChoiceField(queryset=None, required=False, widget=forms.HiddenInput,
                                      label=_("Customer"))
    new_customer_name = forms.CharField(max_length=100, required=False, label=_("New customer: name"))
    new_customer_phone = forms.CharField(max_length=32, required=False, label=_("Phone"))
    new_customer_kind = forms.ChoiceField(choices=CustomerKind.choices, initial=CustomerKind.INDIVIDUAL,
                                          label=_("Kind"))
    vin = forms.CharField(max_length=25, label=_("VIN"), help_text=_("17 characters; search by plate to find it."))
    plate = forms.CharField(max_length=20, required=False, label=_("Plate"))
    brand = forms.CharField(max_length=50, required=False, label=_("Brand"))
    model = forms.CharField(max_length=50, required=False, label=_("Model"))
    powertrain = forms.ChoiceField(choices=[("", "—"), *Powertrain.choices], required=False, label=_("Powertrain"))
    model_year = forms.IntegerField(required=False, min_value=1990, max_value=2100, label=_("Model year"))
    type = forms.ChoiceField(choices=WorkOrderType.choices, initial=WorkOrderType.MAINTENANCE, label=_("Type"))
    channel = forms.ChoiceField(choices=Channel.choices, initial=Channel.WALK_IN, label=_("Channel"))
    mileage_km = forms.IntegerField(required=False, min_value=0, max_value=2_000_000, label=_("Mileage (km)"))
    promised_at = forms.DateTimeField(required=False, widget=DATETIME_INPUT, input_formats=DATETIME_FORMATS,
                                      label=_("Promised at"))
    concern = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False,
                              label=_("Customer's concern"))

    # service field → form field, for errors raised while creating the customer / vehicle
    CUSTOMER_FIELDS = {"name": "new_customer_name", "phone": "new_customer_phone", "kind": "new_customer_kind"}
    VEHICLE_FIELDS = {"vin": "vin", "plate": "plate", "brand": "brand", "model": "model", "powertrain": "powertrain",
                      "model_year": "model_year"}

    def __init__(self, *args: Any, user, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self._setup_dealer(user)
        self.fields["customer"].queryset = selectors.customer_list(user=user, action=Action.CHANGE)
        self.existing_vehicle: Vehicle | None = None

    def clean_vin(self) -> str:
        return normalize_vin(self.cleaned_data["vin"])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        dealer, customer = data.get("dealer"), data.get("customer")
        if customer is None and not (data.get("new_customer_name") or "").strip():
            self.add_error("new_customer_name", _("Choose a customer from the search or enter a new customer's name."))
        if customer is not None and dealer is not None and customer.dealer_id != dealer.pk:
            self.add_error("customer", _("The customer belongs to another dealer."))
        vin = data.get("vin")
        if vin:
            self.existing_vehicle = Vehicle.objects.filter(vin=vin).first()
            if self.existing_vehicle is None:
                for name in ("brand", "model", "powertrain", "model_year"):
                    if not data.get(name):
                        self.add_error(name, _("Required for a vehicle seen for the first time."))
        promised = data.get("promised_at")
        if promised is not None and promised < timezone.now() - dt.timedelta(minutes=5):
            self.add_error("promised_at", _("The promised time is in the past."))
        return data


class WorkOrderUpdateForm(forms.Form):
    type = forms.ChoiceField(choices=WorkOrderType.choices, label=_("Type"))
    channel = forms.ChoiceField(choices=Channel.choices, label=_("Channel"))
    promised_at = forms.DateTimeField(required=False, widget=DATETIME_INPUT, input_formats=DATETIME_FORMATS,
                                      label=_("Promised at"))
    mileage_km = forms.IntegerField(required=False, min_value=0, max_value=2_000_000, label=_("Mileage (km)"))
    concern = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, label=_("Concern"))
    cause = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, label=_("Cause"))
    correction = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, label=_("Correction"))
    extended_warranty_sold = forms.BooleanField(required=False, label=_("Extended warranty sold"))

    @classmethod
    def initial_for(cls, work_order: WorkOrder) -> dict[str, Any]:
        initial = {name: getattr(work_order, name) for name in WorkOrderUpdateForm.base_fields}
        if work_order.promised_at:
            initial["promised_at"] = timezone.localtime(work_order.promised_at)
        return initial


class WorkOrderCorrectForm(WorkOrderUpdateForm):
    comeback_of = forms.ModelChoiceField(queryset=WorkOrder.objects.none(), required=False,
                                         label=_("Comeback of"))
    reason = forms.CharField(max_length=100, label=_("Reason for the correction"),
                             help_text=_("Kept in the audit history (at most 100 characters)."))

    def __init__(self, *args: Any, work_order: WorkOrder, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {**self.initial_for(work_order), "comeback_of": work_order.comeback_of_id})
        super().__init__(*args, **kwargs)
        self.fields["comeback_of"].queryset = WorkOrder.objects.filter(
            pk__in=[w.pk for w in selectors.comeback_candidates(work_order=work_order)]
        )

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.changed_data if name != "reason"}


class TransitionForm(forms.Form):
    to = forms.ChoiceField(choices=(), label=_("Next status"))
    note = forms.CharField(max_length=255, required=False, label=_("Note"))
    mileage_km = forms.IntegerField(required=False, min_value=0, max_value=2_000_000, label=_("Mileage (km)"))

    def __init__(self, *args: Any, work_order: WorkOrder, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = [(s.value, s.label) for s in selectors.workorder_next_steps(work_order=work_order)]


class LabourLineForm(forms.Form):
    op_code = forms.CharField(max_length=32, label=_("Operation code"))
    description = forms.CharField(max_length=200, required=False, label=_("Description"))
    flat_rate_hours = forms.DecimalField(max_digits=7, decimal_places=2, min_value=0, label=_("Flat-rate hours"))
    amount = forms.DecimalField(max_digits=12, decimal_places=2, min_value=0, label=_("Amount (CNY)"))
    technician = forms.ModelChoiceField(queryset=None, required=False, label=_("Technician"))
    actual_hours = forms.DecimalField(max_digits=7, decimal_places=2, min_value=0, required=False,
                                      label=_("Actual hours"))

    def __init__(self, *args: Any, dealer_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["technician"].queryset = selectors.technicians_for(dealer_id=dealer_id)
        self.fields["technician"].label_from_instance = lambda t: f"{t.name} · {t.employee_code} · {t.get_level_display()}"


class LabourHoursForm(forms.Form):
    actual_hours = forms.DecimalField(max_digits=7, decimal_places=2, min_value=0, label=_("Actual hours"))


class PartsLineForm(forms.Form):
    part_number = forms.CharField(max_length=32, label=_("Part number"))
    quantity = forms.IntegerField(min_value=1, max_value=9999, initial=1, label=_("Quantity"))
    unit_price = forms.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False,
                                    label=_("Unit price (CNY)"), help_text=_("Empty: the catalogue price."))

    def clean_part_number(self):
        from parts.models import Part

        number = self.cleaned_data["part_number"].strip()
        part = Part.objects.filter(number__iexact=number).first()
        if part is None:
            raise ValidationError(_("No part with number %(number)s in the catalogue.") % {"number": number})
        if not part.active:
            raise ValidationError(_("Part %(number)s is no longer sold.") % {"number": part.number})
        self.part = part
        return part.number


class PartsReturnForm(forms.Form):
    quantity = forms.IntegerField(min_value=1, max_value=9999, label=_("Quantity to return"))


class SignatureForm(forms.Form):
    signature = forms.CharField(widget=forms.HiddenInput, label=_("Signature"),
                                error_messages={"required": _("The customer has not signed yet.")})

    def clean_signature(self) -> bytes:
        try:
            data = decode_data_url(self.cleaned_data["signature"])
            validate_signature_png(data)
        except ValidationError as error:  # keyed by field in the service: plain messages here
            raise ValidationError(error.messages) from None
        return data


class ComebackForm(forms.Form):
    comeback_of = forms.ModelChoiceField(queryset=WorkOrder.objects.none(), required=False,
                                         label=_("Comeback of"), empty_label=_("— not a comeback —"))

    def __init__(self, *args: Any, work_order: WorkOrder, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        candidates = selectors.comeback_candidates(work_order=work_order)
        field = self.fields["comeback_of"]
        field.queryset = WorkOrder.objects.filter(pk__in=[w.pk for w in candidates]).select_related("dealer")
        field.label_from_instance = lambda w: f"{w.number} · {w.dealer.code} · {timezone.localtime(w.delivered_at):%Y-%m-%d}"


# ------------------------------------------------------------------------------ customers, vehicles


class CustomerForm(DealerChoiceMixin, forms.Form):
    record = Record.CUSTOMER

    dealer = forms.ModelChoiceField(queryset=None, label=_("Dealer"))
    name = forms.CharField(max_length=100, label=_("Name"))
    phone = forms.CharField(max_length=32, required=False, label=_("Phone"))
    kind = forms.ChoiceField(choices=CustomerKind.choices, label=_("Kind"))
    gender = forms.ChoiceField(choices=Gender.choices, required=False, label=_("Gender"))
    vip = forms.BooleanField(required=False, label=_("VIP"))

    def __init__(self, *args: Any, user, customer: Customer | None = None, **kwargs: Any) -> None:
        if customer is not None:
            kwargs.setdefault("initial", {name: getattr(customer, name) for name in ("name", "phone", "kind", "gender",
                                                                                     "vip")})
        super().__init__(*args, **kwargs)
        if customer is None:
            self._setup_dealer(user)
        else:
            del self.fields["dealer"]


class VehicleForm(forms.Form):
    vin = forms.CharField(max_length=25, label=_("VIN"))
    plate = forms.CharField(max_length=20, required=False, label=_("Plate"))
    brand = forms.CharField(max_length=50, label=_("Brand"))
    model = forms.CharField(max_length=50, label=_("Model"))
    powertrain = forms.ChoiceField(choices=Powertrain.choices, label=_("Powertrain"))
    model_year = forms.IntegerField(min_value=1990, max_value=2100, label=_("Model year"))
    first_registered_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}),
                                          label=_("First registered on"))
    mileage_km = forms.IntegerField(min_value=0, max_value=2_000_000, label=_("Mileage (km)"))
    owner = forms.ModelChoiceField(queryset=None, required=False, widget=forms.HiddenInput, label=_("Owner"))

    def __init__(self, *args: Any, user, vehicle: Vehicle | None = None, **kwargs: Any) -> None:
        if vehicle is not None:
            kwargs.setdefault("initial", {name: getattr(vehicle, name) for name in self.base_fields if name != "owner"})
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = selectors.customer_list(user=user, action=Action.CHANGE)
        if vehicle is not None:
            del self.fields["owner"]


# ---------------------------------------------------------------------------------------- complaints


class ComplaintForm(DealerChoiceMixin, forms.Form):
    record = Record.COMPLAINT

    dealer = forms.ModelChoiceField(queryset=None, label=_("Dealer"))
    channel = forms.ChoiceField(choices=ComplaintChannel.choices, label=_("Channel"))
    category = forms.ChoiceField(choices=ComplaintCategory.choices, label=_("Category"))
    severity = forms.ChoiceField(choices=ComplaintSeverity.choices, initial=ComplaintSeverity.MEDIUM,
                                 label=_("Severity"))
    work_order_number = forms.CharField(max_length=32, required=False, label=_("Work order number"))
    customer = forms.ModelChoiceField(queryset=None, required=False, widget=forms.HiddenInput, label=_("Customer"))
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label=_("Description"))

    def __init__(self, *args: Any, user, complaint=None, **kwargs: Any) -> None:
        if complaint is not None:
            kwargs.setdefault("initial", {
                "channel": complaint.channel, "category": complaint.category, "severity": complaint.severity,
                "description": complaint.description, "customer": complaint.customer_id,
                "work_order_number": complaint.work_order.number if complaint.work_order_id else "",
            })
        super().__init__(*args, **kwargs)
        self.user = user
        self.complaint = complaint
        self.fields["customer"].queryset = selectors.customer_list(user=user, action=Action.CHANGE)
        if complaint is None:
            self._setup_dealer(user)
        else:
            del self.fields["dealer"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        dealer_id = self.complaint.dealer_id if self.complaint else getattr(data.get("dealer"), "pk", None)
        number = (data.get("work_order_number") or "").strip()
        data["work_order"] = None
        if number and dealer_id:
            work_orders = policy.scope(WorkOrder.objects.filter(dealer_id=dealer_id), self.user, Record.WORK_ORDER)
            work_order = work_orders.filter(number__iexact=number).select_related("customer").first()
            if work_order is None:
                self.add_error("work_order_number", _("No work order %(number)s at this dealer.") % {"number": number})
            else:
                data["work_order"] = work_order
        customer = data.get("customer")
        if customer is not None and dealer_id and customer.dealer_id != dealer_id:
            self.add_error("customer", _("The customer belongs to another dealer."))
        return data


class ComplaintResolveForm(forms.Form):
    resolution = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label=_("Resolution"))


class SurveyForm(forms.Form):
    attitude_score = forms.IntegerField(min_value=0, max_value=100, label=_("Service attitude"))
    price_transparency_score = forms.IntegerField(min_value=0, max_value=100, label=_("Price transparency"))
    on_time_score = forms.IntegerField(min_value=0, max_value=100, label=_("On-time delivery"))
    quality_score = forms.IntegerField(min_value=0, max_value=100, label=_("Repair quality"))
    facility_score = forms.IntegerField(min_value=0, max_value=100, label=_("Facility and comfort"))
    recommend = forms.IntegerField(min_value=0, max_value=10, label=_("Would recommend (0–10)"))
    answered_at = forms.DateTimeField(required=False, widget=DATETIME_INPUT, input_formats=DATETIME_FORMATS,
                                      label=_("Answered at"), help_text=_("Empty: now."))
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, label=_("Comment"))
