from django.apps import AppConfig


class AdministrationConfig(AppConfig):
    """Account administration (issue #19): the audit log viewer, Help, the account profile
    and security rules, and data retention."""

    name = "messagecenter.administration"
    label = "administration"
