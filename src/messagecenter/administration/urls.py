from django.urls import path

from messagecenter.administration import views

urlpatterns = [
    path("settings/audit/", views.audit, name="settings_audit"),
    path("settings/audit/export.csv", views.audit_csv, name="settings_audit_csv"),
]
