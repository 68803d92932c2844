from django.apps import AppConfig


class TelegramChannelConfig(AppConfig):
    """The Telegram channel: its transport, the received updates (``models``), the webhook and
    the settings page (and their German strings, ``locale/``)."""

    name = "messagecenter.transports.telegram"
    label = "telegram_channel"

    def ready(self) -> None:
        # Registers the Telegram transport (``transports.registry``).
        from messagecenter.transports.telegram import api, transport  # noqa: F401

        api.redact_http_logs()
