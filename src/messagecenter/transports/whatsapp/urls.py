from django.urls import path

from messagecenter.transports.whatsapp import views

app_name = "whatsapp_channel"

urlpatterns = [
    path("channels/whatsapp/<str:connection_id>/webhook", views.webhook, name="webhook"),
]
