from django.apps import AppConfig


class TeamConfig(AppConfig):
    """Team pages: operators, notifications, personal settings and account settings."""

    name = "messagecenter.team"
    label = "team"
