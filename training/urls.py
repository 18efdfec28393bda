from django.urls import path

from . import views

app_name = "training"

urlpatterns = [
    path("", views.technician_list, name="technician_list"),
    path("technicians/new/", views.technician_edit, name="technician_create"),
    path("technicians/<int:pk>/", views.technician_detail, name="technician_detail"),
    path("technicians/<int:pk>/edit/", views.technician_edit, name="technician_edit"),
    path("certifications/", views.certification_list, name="certification_list"),
    path("certifications/new/", views.certification_edit, name="certification_create"),
    path("certifications/<int:pk>/edit/", views.certification_edit, name="certification_edit"),
    path("certifications/expiring/", views.expiring_list, name="expiring_list"),
    path("hv-gap/", views.hv_gap, name="hv_gap"),
]
