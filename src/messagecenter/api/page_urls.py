"""The app's pages for API tokens (the API itself is under /api/v1/, see ``api.urls``)."""

from django.urls import path

from messagecenter.api import pages

urlpatterns = [
    path("me/settings/api-tokens/", pages.personal_tokens, name="personal_api_tokens"),
    path("settings/api-tokens/", pages.integration_tokens, name="settings_api_tokens"),
    path(
        "settings/api-tokens/<str:public_id>/revoke/",
        pages.revoke_token,
        name="api_token_revoke",
    ),
]
