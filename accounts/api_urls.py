from django.urls import path

from accounts import api

urlpatterns = [
    path("me/", api.MeView.as_view(), name="api_me"),
    path("companies/", api.MyCompanyListView.as_view(), name="api_companies"),
    path("company/", api.CurrentCompanyView.as_view(), name="api_company"),
    path("members/", api.MemberListView.as_view(), name="api_members"),
    path("members/<int:membership_id>/", api.MemberDetailView.as_view(), name="api_member"),
]
