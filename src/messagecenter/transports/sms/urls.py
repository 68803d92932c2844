from django.urls import path

from messagecenter.transports.sms import views

app_name = "sms_channel"

urlpatterns = [
    path("channels/sms/<str:connection_id>/inbound", views.inbound_webhook, name="inbound"),
    path("channels/sms/<str:connection_id>/status", views.status_webhook, name="status"),
]
