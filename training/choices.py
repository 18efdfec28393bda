from django.db import models
from django.utils.translation import gettext_lazy as _


class TechnicianLevel(models.TextChoices):
    JUNIOR = "junior", _("Junior")
    INTERMEDIATE = "intermediate", _("Intermediate")
    SENIOR = "senior", _("Senior")


# Code of the certification type that counts for HV-certification coverage (glossary: hv_cert_coverage).
HV_CERTIFICATION_CODE = "HV"
