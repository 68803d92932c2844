from django.urls import path

from messagecenter.transports.email import views

app_name = "email_channel"

urlpatterns = [
    path(
        "channels/email/<str:connection_id>/inbound",
        views.inbound_webhook,
        name="inbound",
    ),
    path("channels/email/files/<str:file_id>", views.attachment, name="file"),
]
