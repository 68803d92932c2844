from django.urls import path

from messagecenter.transports.whatsapp import profile, views

app_name = "whatsapp_channel"

urlpatterns = [
    path("channels/whatsapp/<str:connection_id>/webhook", views.webhook, name="webhook"),
    path(
        "settings/channels/whatsapp/<str:public_id>/templates/sync/",
        views.sync_templates,
        name="sync_templates",
    ),
    path(
        "inbox/<str:conversation_id>/whatsapp/templates/",
        views.conversation_templates,
        name="templates",
    ),
    path(
        "inbox/<str:conversation_id>/whatsapp/templates/<str:template_id>/send/",
        views.send_template,
        name="send_template",
    ),
    path("contacts/<str:public_id>/whatsapp/start/", profile.start, name="contact_start"),
    path(
        "contacts/<str:public_id>/whatsapp/consent/",
        profile.record_consent,
        name="contact_consent",
    ),
    path(
        "settings/channels/whatsapp/<str:public_id>/reminder/",
        views.reminder,
        name="reminder",
    ),
]
