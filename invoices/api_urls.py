from django.urls import path

from invoices import api

urlpatterns = [
    path("invoices/", api.InvoiceListView.as_view(), name="api_invoices"),
    path("invoices/<int:pk>/", api.InvoiceDetailView.as_view(), name="api_invoice"),
    path("invoices/<int:pk>/void/", api.InvoiceVoidView.as_view(), name="api_invoice_void"),
]
