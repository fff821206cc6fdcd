from __future__ import annotations

from django.urls import path

from treatments import views

app_name = "treatments"

urlpatterns = [
    path("treatments/", views.treatment_list, name="list"),
    path("find-my-treatment/", views.find_treatment, name="find"),
]
