from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Attendance, Certification, CertificationType, Course, Technician


class CertificationInline(admin.TabularInline):
    model = Certification
    extra = 0


@admin.register(Technician)
class TechnicianAdmin(SimpleHistoryAdmin):
    list_display = ["employee_code", "name", "dealer", "level", "active", "hired_on"]
    list_filter = ["level", "active", "dealer"]
    search_fields = ["employee_code", "name"]
    raw_id_fields = ["dealer", "user"]
    inlines = [CertificationInline]


@admin.register(CertificationType)
class CertificationTypeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "validity_months"]
    search_fields = ["code", "name"]


@admin.register(Certification)
class CertificationAdmin(SimpleHistoryAdmin):
    list_display = ["technician", "type", "issued_on", "expires_on", "certificate_number"]
    list_filter = ["type"]
    search_fields = ["technician__name", "technician__employee_code", "certificate_number"]
    date_hierarchy = "expires_on"
    raw_id_fields = ["technician"]


class AttendanceInline(admin.TabularInline):
    model = Attendance
    extra = 0
    raw_id_fields = ["technician"]


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "level", "certification_type", "starts_on", "ends_on"]
    list_filter = ["level", "certification_type"]
    search_fields = ["code", "title"]
    inlines = [AttendanceInline]


@admin.register(Attendance)
class AttendanceAdmin(admin.ModelAdmin):
    list_display = ["course", "technician", "attended", "passed", "score"]
    list_filter = ["attended", "passed"]
    search_fields = ["technician__name", "course__title"]
    raw_id_fields = ["course", "technician"]
