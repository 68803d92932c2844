from django.urls import path

from messagecenter.transports.telegram import views

app_name = "telegram_channel"

urlpatterns = [
    path("channels/telegram/<str:connection_id>/webhook", views.webhook, name="webhook"),
]
