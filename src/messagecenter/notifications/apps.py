from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """Per-operator notifications (R-OP-5), produced from domain events by a durable job."""

    name = "messagecenter.notifications"
    label = "notifications"

    def ready(self) -> None:
        from messagecenter.jobs import outbox
        from messagecenter.notifications.events import JOB, can_notify

        # Durable: from the outbox (written with the write), never from the push bus.
        outbox.subscribe("timeline.entry", JOB, wants=can_notify)
        outbox.subscribe("note.mention", JOB)
