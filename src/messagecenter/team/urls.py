from django.urls import path

from messagecenter.team import views

urlpatterns = [
    path("operators/", views.coming, name="operators"),
    path("notifications/", views.coming, name="notifications"),
    path("me/settings/", views.coming, name="personal_settings"),
    path("settings/", views.coming, name="settings"),
]
