from django.urls import path

from . import views

app_name = "parts"

urlpatterns = [
    path("", views.stock_list, name="stock_list"),
    path("stock/new/", views.stock_create, name="stock_create"),
    path("stock/<int:pk>/", views.stock_detail, name="stock_detail"),
    path("stock/<int:pk>/levels/", views.stock_levels, name="stock_levels"),
    path("movements/", views.movement_list, name="movement_list"),
    path("receipts/new/", views.receipt_create, name="receipt_create"),
    path("adjustments/new/", views.adjustment_create, name="adjustment_create"),
    path("transfers/", views.transfer_list, name="transfer_list"),
    path("transfers/new/", views.transfer_create, name="transfer_create"),
    path("transfers/<int:pk>/receive/", views.transfer_receive, name="transfer_receive"),
    path("orders/", views.order_list, name="order_list"),
    path("orders/new/", views.order_create, name="order_create"),
    path("orders/suggested/", views.suggested_order, name="suggested_order"),
    path("orders/<int:pk>/", views.order_detail, name="order_detail"),
    path("orders/<int:pk>/receive/", views.order_receive, name="order_receive"),
    path("orders/<int:pk>/cancel/", views.order_cancel, name="order_cancel"),
    path("backorders/", views.backorder_list, name="backorder_list"),
    path("backorders/<int:pk>/issue/", views.backorder_issue, name="backorder_issue"),
    path("catalogue/", views.part_list, name="part_list"),
    path("catalogue/new/", views.part_edit, name="part_create"),
    path("catalogue/<int:pk>/", views.part_detail, name="part_detail"),
    path("catalogue/<int:pk>/edit/", views.part_edit, name="part_edit"),
    path("import/", views.import_upload, name="import"),
]
