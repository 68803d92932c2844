from django.apps import AppConfig


class CustomChannelsConfig(AppConfig):
    """Custom channels: their transport, setup service and settings form (and their German
    strings, ``locale/``)."""

    name = "messagecenter.transports.custom"
    label = "custom_channels"

    def ready(self) -> None:
        # Registers the custom transport (``transports.registry``).
        from messagecenter.transports.custom import transport  # noqa: F401
