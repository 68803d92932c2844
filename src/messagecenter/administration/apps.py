from django.apps import AppConfig


class AdministrationConfig(AppConfig):
    """Account administration (issue #19): the audit log viewer, Help, the account profile
    and security rules, and data retention."""

    name = "messagecenter.administration"
    label = "administration"

    def ready(self) -> None:
        # Registers the retention job's kind with the resumable job runner.
        from messagecenter.administration import hours, retention  # noqa: F401
        from messagecenter.conversations import routing

        # Routing asks whether a widget is open; it never imports this app.
        routing.register_closed_check(hours.closed_check)
        # The two-factor rule keeps the operator socket shut as it keeps the pages.
        from messagecenter.administration.security import socket_refused
        from messagecenter.realtime import operator

        operator.register_admission_check(socket_refused)
