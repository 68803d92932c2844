from django.urls import path

from messagecenter.addons import views

urlpatterns = [
    path("settings/addons/", views.addon_list, name="settings_addons"),
    path("settings/addons/new/", views.addon_new, name="settings_addon_new"),
    path("settings/addons/<str:public_id>/", views.addon_edit, name="settings_addon"),
    path(
        "settings/addons/<str:public_id>/rotate/", views.addon_rotate, name="settings_addon_rotate"
    ),
    path(
        "settings/addons/<str:public_id>/enabled/",
        views.addon_enabled,
        name="settings_addon_enabled",
    ),
    path(
        "settings/addons/<str:public_id>/delete/", views.addon_delete, name="settings_addon_delete"
    ),
    path("settings/addons/<str:public_id>/runs/", views.addon_runs, name="settings_addon_runs"),
    path("inbox/<str:conversation_id>/addons/", views.panel, name="addon_panel"),
    path(
        "inbox/<str:conversation_id>/addons/<str:addon_id>/run/",
        views.run_addon,
        name="addon_run",
    ),
    path(
        "inbox/<str:conversation_id>/addons/runs/<str:run_id>/",
        views.run_status,
        name="addon_run_status",
    ),
    path("addons/runs/<str:run_id>/content/", views.run_content, name="addon_run_content"),
]
