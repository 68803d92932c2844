from django.urls import include, path

urlpatterns = [
    path("", include("messagecenter.webchat.urls")),
    path("", include("messagecenter.web.urls")),
    path("", include("messagecenter.team.urls")),
    path("api/v1/", include("messagecenter.api.urls")),
]
