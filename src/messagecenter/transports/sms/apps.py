from django.apps import AppConfig


class SmsChannelConfig(AppConfig):
    """The SMS channel (Twilio): its transport, the received webhook requests (``models``),
    the webhooks and the settings page (and their German strings, ``locale/``)."""

    name = "messagecenter.transports.sms"
    label = "sms_channel"

    def ready(self) -> None:
        # Registers the SMS transport (``transports.registry``).
        from messagecenter.transports.sms import transport  # noqa: F401
