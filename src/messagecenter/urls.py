from django.urls import include, path

urlpatterns = [
    path("", include("messagecenter.transports.webchat.urls")),
    # Before web.urls: /contacts/ is the directory now, not the "coming" page.
    path("", include("messagecenter.directory.urls")),
    # Before web.urls: /conversations/ is the archive now, not the "coming" page.
    path("", include("messagecenter.archive.urls")),
    # Before web.urls: /analytics/ is the Analytics page now, not the "coming" page.
    path("", include("messagecenter.analytics.urls")),
    # Before web.urls: /help/ is the Help page now, not the "coming" page.
    path("", include("messagecenter.administration.urls")),
    path("", include("messagecenter.web.urls")),
    path("", include("messagecenter.team.urls")),
    path("api/v1/", include("messagecenter.api.urls")),
    path("", include("messagecenter.api.page_urls")),
    path("", include("messagecenter.transports.email.urls")),
    path("", include("messagecenter.transports.telegram.urls")),
    path("", include("messagecenter.webhooks.urls")),
    path("", include("messagecenter.addons.urls")),
    path("", include("messagecenter.transports.sms.urls")),
    path("", include("messagecenter.files.urls")),
    path("", include("messagecenter.transports.whatsapp.urls")),
    path("", include("messagecenter.translation.urls")),
]
