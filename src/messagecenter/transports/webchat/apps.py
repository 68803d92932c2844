from django.apps import AppConfig


class WebchatConfig(AppConfig):
    """The website messenger: its transport, socket consumer, embed script and hosted pages."""

    name = "messagecenter.transports.webchat"
    label = "webchat"

    def ready(self) -> None:
        # Registers the webchat transport (``transports.registry``).
        from messagecenter.transports.webchat import transport  # noqa: F401
