"""Client pages (sign up, profile, intake, my data) and the staff's client pages."""

from __future__ import annotations

from django.urls import path

from clients import staff_views, views

app_name = "clients"

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("me/profile/", views.profile, name="profile"),
    path("me/intake/", views.intake, name="intake"),
    path("me/data/", views.my_data, name="my_data"),
    path("me/data/export.json", views.my_data_export, name="my_data_export"),
    path("me/delete/", views.delete_account, name="delete_account"),
    path("staff/clients/", staff_views.client_list, name="staff_clients"),
    path("staff/clients/<int:pk>/", staff_views.client_detail, name="staff_client"),
    path("staff/clearances/<int:pk>/letter/", staff_views.clearance_letter, name="staff_clearance_letter"),
]
