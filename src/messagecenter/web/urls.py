from django.urls import include, path
from django.views.decorators.cache import cache_control
from django.views.i18n import JavaScriptCatalog

from messagecenter.web import health
from messagecenter.web.views import (
    actions,
    contact,
    conversation,
    home,
    inbox,
    login,
    notes,
    password,
    security,
    shell,
    tools,
    uploads,
)

# The JS catalogue is requested with ?l=<language>, so a language change is a new URL.
javascript_catalog = cache_control(max_age=3600, private=True)(JavaScriptCatalog.as_view())

conversation_urls = [
    path("", conversation.conversation, name="conversation"),
    path("timeline/", conversation.timeline, name="conversation_timeline"),
    path("files/<str:file_id>/", conversation.file, name="conversation_file"),
    path("uploads/", uploads.create, name="conversation_uploads"),
    path("uploads/<str:upload_id>/", uploads.upload, name="conversation_upload"),
    path("details/", conversation.details, name="conversation_details"),
    path("reply/", actions.reply, name="conversation_reply"),
    path("assign/", actions.assign, name="conversation_assign"),
    path("status/", actions.set_status, name="conversation_status"),
    path("end/", actions.end, name="conversation_end"),
    path("subject/", actions.set_subject, name="conversation_subject"),
    path("topic/", actions.set_topic, name="conversation_topic"),
    path("language/", actions.set_language, name="conversation_language"),
    path("messages/<int:seq>/delete/", actions.delete_message, name="conversation_delete_message"),
    path("messages/<int:seq>/retry/", actions.retry_delivery, name="conversation_retry_delivery"),
    path("notes/", notes.add, name="note_add"),
    path("notes/<int:seq>/edit/", notes.edit, name="note_edit"),
    path("notes/<int:seq>/delete/", notes.delete, name="note_delete"),
    path("contact/", contact.update_contact, name="conversation_contact"),
    path("contact/panel/", conversation.contact_panel, name="conversation_contact_panel"),
    path("transcript/", actions.send_transcript, name="conversation_transcript"),
    path("verify-email/", actions.verify_email, name="conversation_verify_email"),
    path("tools/", tools.tools, name="conversation_tools"),
    path("command/", tools.command, name="conversation_command"),
    path("macro-text/", tools.macro_text, name="conversation_macro_text"),
]

urlpatterns = [
    path("", home.home, name="home"),
    path("home/stats/", home.home_stats, name="home_stats"),
    path("inbox/", inbox.inbox, name="inbox"),
    path("inbox/rows/", inbox.inbox_rows, name="inbox_rows"),
    path("inbox/<str:conversation_id>/", include(conversation_urls)),
    path("me/presence/", shell.set_presence, name="set_presence"),
    path("me/mute/", shell.set_mute, name="set_mute"),
    path("me/away-hint/", shell.dismiss_away_hint, name="dismiss_away_hint"),
    path("campaigns/", shell.coming, {"feature": "campaigns"}, name="campaigns"),
    path("jsi18n/", javascript_catalog, name="javascript-catalog"),
    path("login/", login.LoginView.as_view(), name="login"),
    path("login/code/", login.LoginCodeView.as_view(), name="login_code"),
    path("logout/", login.LogoutView.as_view(), name="logout"),
    path("password/reset/", password.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/sent/",
        password.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        password.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        password.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("security/", security.security, name="security"),
    path("security/password/", password.PasswordChangeView.as_view(), name="password_change"),
    path("security/two-factor/setup/", security.totp_setup, name="totp_setup"),
    path("security/two-factor/disable/", security.totp_disable, name="totp_disable"),
    path("security/two-factor/recovery-codes/", security.recovery_codes, name="recovery_codes"),
    # Django's set_language view: the language switch on the sign-in pages.
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
]
