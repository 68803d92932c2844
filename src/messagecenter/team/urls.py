from django.urls import path

from messagecenter.team.views import (
    notifications,
    operators,
    personal,
    settings_catalog,
    settings_channels,
    settings_chat_tools,
    settings_operators,
    settings_widgets,
)
from messagecenter.team.views.settings_catalog import GROUPS, TOPICS

urlpatterns = [
    path("operators/", operators.operators, name="operators"),
    path("notifications/", notifications.notifications, name="notifications"),
    path(
        "notifications/read/", notifications.notifications_read_all, name="notifications_read_all"
    ),
    path(
        "notifications/<str:public_id>/open/",
        notifications.notification_open,
        name="notification_open",
    ),
    path(
        "notifications/<str:public_id>/row/",
        notifications.notification_row,
        name="notification_row",
    ),
    path("me/settings/", personal.personal_settings, name="personal_settings"),
    path("me/preferences.json", personal.preferences_json, name="personal_preferences"),
    path("settings/", settings_operators.settings_home, name="settings"),
    path("settings/operators/", settings_operators.operator_list, name="settings_operators"),
    path(
        "settings/operators/invite/",
        settings_operators.operator_invite,
        name="settings_operator_invite",
    ),
    path(
        "settings/operators/<str:public_id>/",
        settings_operators.operator_edit,
        name="settings_operator",
    ),
    path(
        "settings/operators/<str:public_id>/invite/",
        settings_operators.operator_reinvite,
        name="settings_operator_reinvite",
    ),
    path(
        "settings/groups/",
        settings_catalog.catalog_list,
        {"catalog": GROUPS},
        name="settings_groups",
    ),
    path(
        "settings/groups/<str:public_id>/rename/",
        settings_catalog.catalog_rename,
        {"catalog": GROUPS},
        name="settings_group_rename",
    ),
    path(
        "settings/groups/<str:public_id>/delete/",
        settings_catalog.catalog_delete,
        {"catalog": GROUPS},
        name="settings_group_delete",
    ),
    path(
        "settings/topics/",
        settings_catalog.catalog_list,
        {"catalog": TOPICS},
        name="settings_topics",
    ),
    path(
        "settings/topics/<str:public_id>/rename/",
        settings_catalog.catalog_rename,
        {"catalog": TOPICS},
        name="settings_topic_rename",
    ),
    path(
        "settings/topics/<str:public_id>/delete/",
        settings_catalog.catalog_delete,
        {"catalog": TOPICS},
        name="settings_topic_delete",
    ),
    path("settings/chat-tools/", settings_chat_tools.chat_tools, name="settings_chat_tools"),
    path(
        "settings/chat-tools/macros/new/",
        settings_chat_tools.macro_new,
        name="settings_macro_new",
    ),
    path(
        "settings/chat-tools/macros/<str:public_id>/",
        settings_chat_tools.macro_edit,
        name="settings_macro",
    ),
    path(
        "settings/chat-tools/macros/<str:public_id>/delete/",
        settings_chat_tools.macro_delete,
        name="settings_macro_delete",
    ),
    path(
        "settings/chat-tools/groups/",
        settings_chat_tools.group_create,
        name="settings_macro_group_create",
    ),
    path(
        "settings/chat-tools/groups/<str:public_id>/delete/",
        settings_chat_tools.group_delete,
        name="settings_macro_group_delete",
    ),
    path(
        "settings/chat-tools/export.json",
        settings_chat_tools.export,
        {"fmt": "json"},
        name="settings_macros_export_json",
    ),
    path(
        "settings/chat-tools/export.csv",
        settings_chat_tools.export,
        {"fmt": "csv"},
        name="settings_macros_export_csv",
    ),
    path(
        "settings/chat-tools/import/",
        settings_chat_tools.import_macros,
        name="settings_macros_import",
    ),
    path("settings/widgets/", settings_widgets.widget_list, name="settings_widgets"),
    path("settings/widgets/new/", settings_widgets.widget_new, name="settings_widget_new"),
    # Before the widget's own page: "preview" is not a widget id.
    path(
        "settings/widgets/preview/",
        settings_widgets.widget_preview,
        name="settings_widget_preview",
    ),
    path("settings/widgets/<str:public_id>/", settings_widgets.widget_edit, name="settings_widget"),
    path("settings/channels/", settings_channels.channel_list, name="settings_channels"),
    path(
        "settings/channels/email/new/",
        settings_channels.email_new,
        name="settings_channel_email_new",
    ),
    path(
        "settings/channels/<str:public_id>/",
        settings_channels.email_edit,
        name="settings_channel",
    ),
    path(
        "settings/channels/<str:public_id>/secret/",
        settings_channels.email_secret,
        name="settings_channel_secret",
    ),
    path(
        "settings/channels/<str:public_id>/disconnect/",
        settings_channels.channel_disconnect,
        name="settings_channel_disconnect",
    ),
]

# Custom channels (team/views/settings_custom_channels.py).
from messagecenter.team.views import settings_custom_channels as _custom  # noqa: E402

urlpatterns += [
    path("settings/custom-channels/", _custom.channel_list, name="settings_custom_channels"),
    path("settings/custom-channels/new/", _custom.channel_new, name="settings_custom_channel_new"),
    path(
        "settings/custom-channels/<str:public_id>/",
        _custom.channel_edit,
        name="settings_custom_channel",
    ),
    path(
        "settings/custom-channels/<str:public_id>/rotate/",
        _custom.channel_rotate,
        name="settings_custom_channel_rotate",
    ),
    path(
        "settings/custom-channels/<str:public_id>/retire/",
        _custom.channel_retire,
        name="settings_custom_channel_retire",
    ),
    path(
        "settings/custom-channels/<str:public_id>/deactivate/",
        _custom.channel_deactivate,
        name="settings_custom_channel_deactivate",
    ),
    path(
        "settings/custom-channels/<str:public_id>/log/",
        _custom.channel_log,
        name="settings_custom_channel_log",
    ),
]

# Telegram (transports/telegram/views.py).
from messagecenter.transports.telegram import views as _telegram  # noqa: E402

urlpatterns += [
    path("settings/channels/telegram/new/", _telegram.connect, name="settings_telegram_new"),
    path("settings/channels/telegram/<str:public_id>/", _telegram.edit, name="settings_telegram"),
    path(
        "settings/channels/telegram/<str:public_id>/disconnect/",
        _telegram.disconnect,
        name="settings_telegram_disconnect",
    ),
]

# SMS through Twilio (transports/sms/views.py).
from messagecenter.transports.sms import views as _sms  # noqa: E402

urlpatterns += [
    path("settings/channels/sms/new/", _sms.connect, name="settings_sms_new"),
    path("settings/channels/sms/<str:public_id>/", _sms.edit, name="settings_sms"),
    path(
        "settings/channels/sms/<str:public_id>/disconnect/",
        _sms.disconnect,
        name="settings_sms_disconnect",
    ),
]

# WhatsApp (transports/whatsapp/views.py).
from messagecenter.transports.whatsapp import views as _whatsapp  # noqa: E402

urlpatterns += [
    path("settings/channels/whatsapp/new/", _whatsapp.connect, name="settings_whatsapp_new"),
    path("settings/channels/whatsapp/<str:public_id>/", _whatsapp.edit, name="settings_whatsapp"),
    path(
        "settings/channels/whatsapp/<str:public_id>/disconnect/",
        _whatsapp.disconnect,
        name="settings_whatsapp_disconnect",
    ),
]
