from django.urls import path

from messagecenter.webhooks import views

urlpatterns = [
    path("settings/webhooks/", views.endpoint_list, name="settings_webhooks"),
    path("settings/webhooks/new/", views.endpoint_new, name="settings_webhook_new"),
    path("settings/webhooks/<str:public_id>/", views.endpoint_edit, name="settings_webhook"),
    path(
        "settings/webhooks/<str:public_id>/rotate/",
        views.endpoint_rotate,
        name="settings_webhook_rotate",
    ),
    path(
        "settings/webhooks/<str:public_id>/enabled/",
        views.endpoint_enabled,
        name="settings_webhook_enabled",
    ),
    path(
        "settings/webhooks/<str:public_id>/delete/",
        views.endpoint_delete,
        name="settings_webhook_delete",
    ),
    path("settings/webhooks/<str:public_id>/log/", views.endpoint_log, name="settings_webhook_log"),
    path(
        "settings/webhooks/<str:public_id>/deliveries/<int:delivery_pk>/replay/",
        views.delivery_replay,
        name="settings_webhook_replay",
    ),
]
