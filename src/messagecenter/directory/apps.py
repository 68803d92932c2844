from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    """The contacts pages of the operator app: list, profile, import, custom field settings."""

    name = "messagecenter.directory"
    label = "directory"
