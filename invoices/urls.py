from django.urls import path, re_path

from invoices import files_views, views

urlpatterns = [
    path("", views.invoice_list, name="invoice_list"),
    path("new/", views.invoice_create, name="invoice_create"),
    path("check/", views.invoice_check, name="invoice_check"),
    re_path(r"^export\.(?P<file_format>xlsx|csv)$", files_views.invoice_export, name="invoice_export"),
    path("import/", files_views.invoice_import, name="invoice_import"),
    path("import/<int:pk>/refused.xlsx", files_views.invoice_import_refused, name="invoice_import_refused"),
    path("bulk/deduction/", views.invoice_bulk_deduction, name="invoice_bulk_deduction"),
    path("<int:pk>/", views.invoice_detail, name="invoice_detail"),
    path("<int:pk>/edit/", views.invoice_edit, name="invoice_edit"),
    path("<int:pk>/status/", views.invoice_status, name="invoice_status"),
]
