from django.urls import path

from messagecenter.administration import views

urlpatterns = [
    path("help/", views.help_page, name="help"),
    path("settings/audit/", views.audit, name="settings_audit"),
    path("settings/audit/export.csv", views.audit_csv, name="settings_audit_csv"),
    path("settings/account/", views.account_settings, name="settings_account"),
    path("settings/account/logo/", views.account_logo_upload, name="settings_account_logo"),
    path("settings/account/help/", views.account_support, name="settings_account_support"),
    path("account/logo/<str:file_id>.png", views.account_logo, name="account_logo"),
    path("settings/security/", views.security_settings, name="settings_security"),
    path(
        "settings/security/<str:public_id>/reset/",
        views.reset_two_factor,
        name="settings_security_reset",
    ),
    path("settings/retention/", views.retention_settings, name="settings_retention"),
    path(
        "settings/retention/<str:public_id>/",
        views.retention_policy,
        name="settings_retention_policy",
    ),
    path(
        "settings/retention/<str:public_id>/run/",
        views.retention_run,
        name="settings_retention_run",
    ),
    path(
        "settings/retention/receipts/<str:public_id>.json",
        views.retention_receipt,
        name="settings_retention_receipt",
    ),
    path("settings/hours/", views.hours_list, name="settings_hours"),
    path("settings/hours/<str:public_id>/", views.hours_edit, name="settings_hours_edit"),
]
