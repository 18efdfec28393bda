"""HTML forms of the parts clerk's workbench. Forms only parse and check input; the services write.

Dealer choices are narrowed to the dealers the user may change (dealers.policy); a part is entered by
its number (the catalogue has thousands of parts, too many for a drop-down).
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.validators import MinValueValidator
from django.utils.translation import gettext_lazy as _

from dealers.models import Dealer
from dealers.policy import Action, Record

from .choices import PartsOrderKind
from .models import Part, PartsOrder, Stock
from .selectors import dealers_for


class DealerScopedForm(forms.Form):
    """A form whose `dealer` field offers only the dealers the user may change for `record`."""

    record: Record = Record.STOCK

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        dealers = dealers_for(user=user, record=self.record, action=Action.CHANGE)
        self.fields["dealer"].queryset = dealers
        if len(dealers) == 1:
            self.fields["dealer"].initial = dealers[0]


class PartNumberField(forms.CharField):
    """A part number typed by the user, resolved to the catalogue's part."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("label", _("Part number"))
        kwargs.setdefault("max_length", 32)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("list", "part-numbers")
        self.widget.attrs.setdefault("autocomplete", "off")

    def clean(self, value):
        number = super().clean(value)
        if not number:
            return None
        try:
            return Part.objects.get(number__iexact=number.strip())
        except Part.DoesNotExist:
            raise forms.ValidationError(
                _("Unknown part number %(number)s."), params={"number": number}, code="unknown_part"
            ) from None


class ReceiptForm(DealerScopedForm):
    dealer = forms.ModelChoiceField(label=_("Dealer"), queryset=Dealer.objects.none())
    part = PartNumberField()
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1)
    unit_cost = forms.DecimalField(
        label=_("Unit cost (CNY)"), required=False, min_value=Decimal(0), max_digits=12, decimal_places=2,
        help_text=_("Leave empty to use the catalogue cost."),
    )
    reference = forms.CharField(
        label=_("Delivery note / reference"), required=False, max_length=64,
        help_text=_("Entering the same reference twice records the receipt once."),
    )


class AdjustmentForm(DealerScopedForm):
    dealer = forms.ModelChoiceField(label=_("Dealer"), queryset=Dealer.objects.none())
    part = PartNumberField()
    quantity = forms.IntegerField(
        label=_("Change in quantity"), help_text=_("Positive adds stock, negative removes it (e.g. -2).")
    )
    reason = forms.CharField(label=_("Reason"), max_length=200)

    def clean_quantity(self) -> int:
        quantity = self.cleaned_data["quantity"]
        if quantity == 0:
            raise forms.ValidationError(_("An adjustment of zero changes nothing."), code="zero")
        return quantity

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Say why the stock is adjusted."), code="required")
        return reason


class TransferForm(DealerScopedForm):
    dealer = forms.ModelChoiceField(label=_("From dealer"), queryset=Dealer.objects.none())
    to_dealer = forms.ModelChoiceField(label=_("To dealer"), queryset=Dealer.objects.none())
    part = PartNumberField()
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1)

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, user=user, **kwargs)
        # Goods go to another active dealer of the sender's region(s): the clerk must be able to name it.
        regions = self.fields["dealer"].queryset.values("region_id")
        self.fields["to_dealer"].queryset = Dealer.objects.filter(region_id__in=regions, active=True).order_by("code")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("dealer") and cleaned.get("to_dealer") and cleaned["dealer"] == cleaned["to_dealer"]:
            self.add_error("to_dealer", _("Choose a different dealer to send the parts to."))
        return cleaned


class StockCreateForm(DealerScopedForm):
    """Start stocking a part at a dealer: levels and bin, at zero until goods are received."""

    dealer = forms.ModelChoiceField(label=_("Dealer"), queryset=Dealer.objects.none())
    part = PartNumberField()
    reorder_point = forms.IntegerField(label=_("Reorder point"), min_value=0, initial=0)
    maximum = forms.IntegerField(label=_("Maximum"), min_value=0, initial=0)
    bin = forms.CharField(label=_("Bin"), max_length=32, required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("dealer") and cleaned.get("part"):
            if Stock.objects.filter(dealer=cleaned["dealer"], part=cleaned["part"]).exists():
                self.add_error("part", _("This part is already stocked at this dealer; edit its levels instead."))
        return cleaned


class StockLevelsForm(forms.ModelForm):
    class Meta:
        model = Stock
        fields = ["reorder_point", "maximum", "bin"]
        widgets = {"reorder_point": forms.NumberInput(attrs={"min": 0}), "maximum": forms.NumberInput(attrs={"min": 0})}

    def clean(self):
        cleaned = super().clean()
        reorder_point, maximum = cleaned.get("reorder_point"), cleaned.get("maximum")
        if reorder_point is not None and maximum is not None and maximum < reorder_point:
            self.add_error("maximum", _("The maximum cannot be below the reorder point."))
        return cleaned


class PartForm(forms.ModelForm):
    class Meta:
        model = Part
        fields = ["number", "name", "category", "is_nev", "cost", "price", "active"]

    def clean_number(self) -> str:
        number = self.cleaned_data["number"].strip()
        clash = Part.objects.filter(number__iexact=number).exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(_("Part number %(number)s already exists."), params={"number": number})
        return number

    def clean_cost(self):
        cost = self.cleaned_data["cost"]
        if cost is not None and cost < 0:
            raise forms.ValidationError(_("Cost cannot be negative."))
        return cost

    def clean_price(self):
        price = self.cleaned_data["price"]
        if price is not None and price < 0:
            raise forms.ValidationError(_("Price cannot be negative."))
        return price


class PartsOrderForm(DealerScopedForm):
    record = Record.PARTS_ORDER

    dealer = forms.ModelChoiceField(label=_("Dealer"), queryset=Dealer.objects.none())
    kind = forms.ChoiceField(label=_("Kind"), choices=PartsOrderKind.choices, initial=PartsOrderKind.STOCK)
    work_order = forms.CharField(
        label=_("For work order (number)"), required=False, max_length=32,
        help_text=_("For an urgent order that a car is waiting for."),
    )

    def clean(self):
        cleaned = super().clean()
        number = (cleaned.get("work_order") or "").strip()
        dealer = cleaned.get("dealer")
        cleaned["work_order"] = None
        if number and dealer:
            from workorders.models import WorkOrder

            work_order = WorkOrder.objects.filter(dealer=dealer, number=number).first()
            if work_order is None:
                self.add_error(
                    "work_order", _("No work order %(number)s at this dealer.") % {"number": number}
                )
            cleaned["work_order"] = work_order
        return cleaned


class PartsOrderLineForm(forms.Form):
    part = PartNumberField(required=False)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("part") and not cleaned.get("quantity") and "quantity" not in self.errors:
            self.add_error("quantity", _("Enter a quantity for this part."))
        if cleaned.get("quantity") and not cleaned.get("part") and "part" not in self.errors:
            self.add_error("part", _("Enter the part number."))
        return cleaned


class BasePartsOrderLineFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        if any(self.errors):
            return
        seen: set[int] = set()
        lines = 0
        for form in self.forms:
            part = form.cleaned_data.get("part")
            if not part:
                continue
            if part.pk in seen:
                raise forms.ValidationError(
                    _("Part %(number)s is on more than one line."), params={"number": part.number}
                )
            seen.add(part.pk)
            lines += 1
        if not lines:
            raise forms.ValidationError(_("Enter at least one part."))

    def lines(self) -> list[tuple[Part, int]]:
        return [
            (form.cleaned_data["part"], form.cleaned_data["quantity"])
            for form in self.forms
            if form.cleaned_data.get("part")
        ]


PartsOrderLineFormSet = forms.formset_factory(
    PartsOrderLineForm, formset=BasePartsOrderLineFormSet, extra=6, max_num=100, validate_max=True
)


class PartsOrderReceiveForm(forms.Form):
    """One quantity per open line, defaulting to everything outstanding."""

    def __init__(self, *args, order: PartsOrder, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.order = order
        for line in order.lines.all():
            outstanding = line.quantity - line.received_quantity
            if outstanding <= 0:
                continue
            self.fields[f"line_{line.pk}"] = forms.IntegerField(
                label=line.part.number,
                min_value=0,
                max_value=outstanding,
                initial=outstanding,
                validators=[MinValueValidator(0)],
            )

    def quantities(self) -> dict[int, int]:
        return {
            int(name.removeprefix("line_")): value
            for name, value in self.cleaned_data.items()
            if name.startswith("line_") and value
        }

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not any(v for k, v in cleaned.items() if k.startswith("line_")):
            raise forms.ValidationError(_("Enter a quantity received on at least one line."))
        return cleaned


class ImportForm(forms.Form):
    KIND_CATALOGUE = "catalogue"
    KIND_STOCK = "stock"

    kind = forms.ChoiceField(
        label=_("What the file holds"),
        choices=[(KIND_CATALOGUE, _("Part catalogue")), (KIND_STOCK, _("Stock levels (a stock count)"))],
        widget=forms.RadioSelect,
    )
    file = forms.FileField(label=_("File (.csv or .xlsx)"))

    def __init__(self, *args, catalogue: bool = True, stock: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Offer only what the user may import: the catalogue (region-wide) and/or stock of their dealers.
        allowed = {self.KIND_CATALOGUE: catalogue, self.KIND_STOCK: stock}
        self.fields["kind"].choices = [(k, label) for k, label in self.fields["kind"].choices if allowed[k]]
        if len(self.fields["kind"].choices) == 1:
            self.fields["kind"].initial = self.fields["kind"].choices[0][0]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = (upload.name or "").lower()
        if not name.endswith((".csv", ".xlsx")):
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        if upload.size > 20 * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than 20 MB; split it."))
        return upload
