"""Technicians (by dealer and employee code) and their certifications."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from aftersales.api.fields import AwareDateTimeField, ScopedDealerField
from dealers.policy import Record
from training.choices import TechnicianLevel
from training.models import Certification, CertificationType, Technician


class TechnicianSerializer(serializers.ModelSerializer):
    dealer = ScopedDealerField(record=Record.TECHNICIAN)
    employee_code = serializers.CharField(max_length=32)
    level = serializers.ChoiceField(choices=TechnicianLevel.choices, required=False, default=TechnicianLevel.JUNIOR)
    updated_at = AwareDateTimeField(read_only=True)

    class Meta:
        model = Technician
        fields = ["id", "dealer", "employee_code", "name", "level", "active", "hired_on", "left_on", "updated_at"]
        read_only_fields = ["id"]
        validators: list = []  # training.services checks the (dealer, employee code) uniqueness

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        hired = attrs.get("hired_on", getattr(self.instance, "hired_on", None))
        left = attrs.get("left_on", getattr(self.instance, "left_on", None))
        if hired and left and left < hired:
            raise serializers.ValidationError({"left_on": [_("Cannot be before hired_on.")]})
        return attrs


class CertificationSerializer(serializers.ModelSerializer):
    dealer = ScopedDealerField(record=Record.TECHNICIAN, source="technician.dealer",
                               help_text="The technician's dealer (code).")
    technician = serializers.CharField(max_length=32, source="technician.employee_code",
                                       help_text="The technician's employee code at that dealer.")
    type = serializers.SlugRelatedField(slug_field="code", queryset=CertificationType.objects.all())
    expires_on = serializers.DateField(required=False, allow_null=True,
                                       help_text="Defaults to the issue date plus the type's validity.")
    certificate_number = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    updated_at = AwareDateTimeField(read_only=True)

    class Meta:
        model = Certification
        fields = ["id", "dealer", "technician", "type", "issued_on", "expires_on", "certificate_number", "updated_at"]
        read_only_fields = ["id"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        tech = attrs.pop("technician", None)
        if tech is not None:
            dealer = tech.get("dealer") or (self.instance.technician.dealer if self.instance else None)
            code = tech.get("employee_code") or (self.instance.technician.employee_code if self.instance else None)
            if dealer is None or code is None:
                raise serializers.ValidationError({"technician": [_("Give both dealer and technician.")]})
            technician = Technician.objects.filter(dealer=dealer, employee_code=code).first()
            if technician is None:
                raise serializers.ValidationError({"technician": [
                    _("No technician with employee code “%(code)s” at %(dealer)s.")
                    % {"code": code, "dealer": dealer.code}]})
            attrs["technician"] = technician
        issued = attrs.get("issued_on", getattr(self.instance, "issued_on", None))
        expires = attrs.get("expires_on", getattr(self.instance, "expires_on", None))
        if issued and expires and expires <= issued:
            raise serializers.ValidationError({"expires_on": [_("Must be after issued_on.")]})
        return attrs
