from django.apps import AppConfig


class WebchatConfig(AppConfig):
    """The website messenger's front end: embed script, hosted pages, demo host page."""

    name = "messagecenter.webchat"
    label = "webchat"
