"""Forms of the training pages; they parse input, training.services writes."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dealers.policy import Action, Record
from parts.selectors import dealers_for

from .models import Certification, CertificationType, Technician


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class TechnicianForm(forms.ModelForm):
    class Meta:
        model = Technician
        fields = ["dealer", "employee_code", "name", "level", "active", "hired_on", "left_on"]
        widgets = {"hired_on": DateInput(), "left_on": DateInput()}

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # A move to another dealer is a new employment: the dealer is fixed once created.
            del self.fields["dealer"]
        else:
            dealers = dealers_for(user=user, record=Record.TECHNICIAN, action=Action.CHANGE)
            self.fields["dealer"].queryset = dealers
            if len(dealers) == 1:
                self.fields["dealer"].initial = dealers[0]

    def validate_unique(self) -> None:
        # training.services checks the employee code per dealer with a clear message.
        pass

    def clean(self):
        cleaned = super().clean()
        hired, left = cleaned.get("hired_on"), cleaned.get("left_on")
        if hired and left and left < hired:
            self.add_error("left_on", _("The leaving date cannot be before the hiring date."))
        return cleaned


class CertificationForm(forms.ModelForm):
    class Meta:
        model = Certification
        fields = ["technician", "type", "issued_on", "expires_on", "certificate_number"]
        widgets = {"issued_on": DateInput(), "expires_on": DateInput()}
        help_texts = {"expires_on": _("Leave empty to use the type's validity.")}

    def __init__(self, *args, technicians, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["technician"].queryset = technicians
        self.fields["type"].queryset = CertificationType.objects.order_by("code")
        self.fields["expires_on"].required = False
        if self.instance.pk:
            del self.fields["technician"]

    def _post_clean(self) -> None:
        # Model validation would demand expires_on; training.services fills and checks it.
        pass

    def clean(self):
        cleaned = super().clean()
        issued, expires = cleaned.get("issued_on"), cleaned.get("expires_on")
        if issued and expires and expires <= issued:
            self.add_error("expires_on", _("The expiry date must be after the date of issue."))
        return cleaned
