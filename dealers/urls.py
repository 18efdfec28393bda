from django.urls import path

from . import views

app_name = "dealers"

urlpatterns = [
    path("", views.dealer_list, name="dealer_list"),
    path("<int:pk>/", views.dealer_detail, name="dealer_detail"),
]
