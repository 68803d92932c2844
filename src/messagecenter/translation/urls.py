from django.urls import path

from messagecenter.translation import views

urlpatterns = [
    path("settings/translation/", views.settings_page, name="settings_translation"),
    path("settings/translation/test/", views.settings_test, name="settings_translation_test"),
    path("me/languages/", views.reading_page, name="translation_reading"),
    path(
        "inbox/<str:conversation_id>/translation/",
        views.toggle,
        name="translation_toggle",
    ),
    path(
        "inbox/<str:conversation_id>/translation/preview/",
        views.preview,
        name="translation_preview",
    ),
    path(
        "inbox/<str:conversation_id>/translation/send/",
        views.send,
        name="translation_send",
    ),
]
