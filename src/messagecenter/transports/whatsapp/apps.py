from django.apps import AppConfig


class WhatsAppChannelConfig(AppConfig):
    """The WhatsApp (Cloud API) channel: its transport, the received webhooks (``models``),
    the webhook view and the settings page (and their German strings, ``locale/``)."""

    name = "messagecenter.transports.whatsapp"
    label = "whatsapp_channel"

    def ready(self) -> None:
        # Registers the WhatsApp transport (``transports.registry``).
        from messagecenter.transports.whatsapp import reactions, transport  # noqa: F401

        # The channel's messages show their files and the contact's reaction.
        reactions.register_extras()
