from django.urls import path

from . import views

app_name = "digests"

urlpatterns = [
    path("", views.subscription_list, name="subscription_list"),
    path("subscriptions/add/", views.subscription_create, name="subscription_create"),
    path("subscriptions/<int:pk>/", views.subscription_update, name="subscription_update"),
    path("preview/", views.digest_preview, name="digest_preview"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
