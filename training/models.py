from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .choices import TechnicianLevel


class Technician(models.Model):
    dealer = models.ForeignKey(
        "dealers.Dealer", on_delete=models.PROTECT, related_name="technicians", verbose_name=_("dealer")
    )
    employee_code = models.CharField(_("employee code"), max_length=32)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=16, choices=TechnicianLevel.choices, default=TechnicianLevel.JUNIOR)
    active = models.BooleanField(_("active"), default=True)
    hired_on = models.DateField(_("hired on"), null=True, blank=True)
    left_on = models.DateField(_("left on"), null=True, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="technician",
        verbose_name=_("user account"),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("technician")
        verbose_name_plural = _("technicians")
        ordering = ["dealer", "employee_code"]
        constraints = [
            models.UniqueConstraint(fields=["dealer", "employee_code"], name="technician_code_unique_per_dealer"),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(hired_on__isnull=True) | Q(left_on__gte=F("hired_on")),
                name="technician_left_not_before_hired",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.employee_code} {self.name}"


class CertificationType(models.Model):
    code = models.CharField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=100)
    validity_months = models.PositiveSmallIntegerField(_("validity (months)"), default=24)

    class Meta:
        verbose_name = _("certification type")
        verbose_name_plural = _("certification types")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(validity_months__gt=0), name="certtype_validity_gt_0"),
        ]

    def __str__(self) -> str:
        return self.name


class Certification(models.Model):
    technician = models.ForeignKey(
        Technician, on_delete=models.CASCADE, related_name="certifications", verbose_name=_("technician")
    )
    type = models.ForeignKey(
        CertificationType, on_delete=models.PROTECT, related_name="certifications", verbose_name=_("type")
    )
    issued_on = models.DateField(_("issued on"))
    expires_on = models.DateField(_("expires on"))
    certificate_number = models.CharField(_("certificate number"), max_length=64, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("certification")
        verbose_name_plural = _("certifications")
        ordering = ["expires_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__gt=F("issued_on")), name="certification_expires_after_issued"
            ),
        ]
        indexes = [models.Index(fields=["type", "issued_on", "expires_on"], name="certification_validity")]

    def __str__(self) -> str:
        return f"{self.technician} · {self.type} → {self.expires_on}"


class Course(models.Model):
    region = models.ForeignKey("dealers.Region", on_delete=models.PROTECT, related_name="courses", verbose_name=_("region"))
    code = models.CharField(_("code"), max_length=32, unique=True)
    title = models.CharField(_("title"), max_length=200)
    level = models.CharField(_("level"), max_length=16, choices=TechnicianLevel.choices)
    certification_type = models.ForeignKey(
        CertificationType,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="courses",
        verbose_name=_("leads to certification"),
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="course_ends_not_before_starts"),
        ]

    def __str__(self) -> str:
        return self.title


class Attendance(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="attendances", verbose_name=_("course"))
    technician = models.ForeignKey(
        Technician, on_delete=models.CASCADE, related_name="attendances", verbose_name=_("technician")
    )
    attended = models.BooleanField(_("attended"), default=True)
    passed = models.BooleanField(_("passed"), default=False)
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendances")
        constraints = [
            models.UniqueConstraint(fields=["course", "technician"], name="attendance_unique"),
            models.CheckConstraint(condition=Q(score__isnull=True) | Q(score__lte=100), name="attendance_score_0_100"),
        ]

    def __str__(self) -> str:
        return f"{self.technician} @ {self.course}"
