from django.urls import path

from .views import complaints, customers, lines, lookups, workorders

app_name = "workorders"

urlpatterns = [
    path("", workorders.workorder_list, name="workorder_list"),
    path("new/", workorders.workorder_create, name="workorder_create"),
    path("<int:pk>/", workorders.workorder_detail, name="workorder_detail"),
    path("<int:pk>/edit/", workorders.workorder_update, name="workorder_update"),
    path("<int:pk>/transition/", workorders.workorder_transition, name="workorder_transition"),
    path("<int:pk>/sign/", workorders.workorder_sign, name="workorder_sign"),
    path("<int:pk>/signature.png", workorders.workorder_signature, name="workorder_signature"),
    path("<int:pk>/comeback/", workorders.workorder_comeback, name="workorder_comeback"),
    path("<int:pk>/correct/", workorders.workorder_correct, name="workorder_correct"),
    path("<int:pk>/labour/", lines.labour_line_add, name="labour_line_add"),
    path("<int:pk>/parts/", lines.parts_line_add, name="parts_line_add"),
    path("labour/<int:pk>/edit/", lines.labour_line_update, name="labour_line_update"),
    path("labour/<int:pk>/hours/", lines.labour_line_hours, name="labour_line_hours"),
    path("labour/<int:pk>/delete/", lines.labour_line_delete, name="labour_line_delete"),
    path("parts/<int:pk>/issue/", lines.parts_line_issue, name="parts_line_issue"),
    path("parts/<int:pk>/return/", lines.parts_line_return, name="parts_line_return"),
    path("parts/<int:pk>/delete/", lines.parts_line_delete, name="parts_line_delete"),
    path("lookup/customers/", lookups.lookup_customers, name="lookup_customers"),
    path("lookup/parts/", lookups.lookup_parts, name="lookup_parts"),
    path("customers/", customers.customer_list, name="customer_list"),
    path("customers/new/", customers.customer_create, name="customer_create"),
    path("customers/<int:pk>/", customers.customer_detail, name="customer_detail"),
    path("customers/<int:pk>/edit/", customers.customer_update, name="customer_update"),
    path("vehicles/", customers.vehicle_list, name="vehicle_list"),
    path("vehicles/new/", customers.vehicle_create, name="vehicle_create"),
    path("vehicles/<int:pk>/", customers.vehicle_detail, name="vehicle_detail"),
    path("vehicles/<int:pk>/edit/", customers.vehicle_update, name="vehicle_update"),
    path("complaints/", complaints.complaint_list, name="complaint_list"),
    path("complaints/new/", complaints.complaint_create, name="complaint_create"),
    path("complaints/<int:pk>/", complaints.complaint_detail, name="complaint_detail"),
    path("complaints/<int:pk>/edit/", complaints.complaint_update, name="complaint_update"),
    path("complaints/<int:pk>/<str:action>/", complaints.complaint_action, name="complaint_action"),
    path("surveys/", complaints.survey_list, name="survey_list"),
    path("surveys/new/<int:work_order_pk>/", complaints.survey_create, name="survey_create"),
    path("surveys/<int:pk>/", complaints.survey_detail, name="survey_detail"),
]
