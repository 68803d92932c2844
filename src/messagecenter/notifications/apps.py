from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """Per-operator notifications (R-OP-5), produced from domain events by a durable job."""

    name = "messagecenter.notifications"
    label = "notifications"

    def ready(self) -> None:
        from messagecenter.core.events import register_sink
        from messagecenter.notifications.sink import notification_sink

        register_sink(notification_sink)
