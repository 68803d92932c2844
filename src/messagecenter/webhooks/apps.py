from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    """Outgoing webhooks (R-API-2): signed HTTP calls on conversation, message and contact
    events, fed by the durable outbox."""

    name = "messagecenter.webhooks"
    label = "webhooks"

    def ready(self) -> None:
        from messagecenter.jobs import outbox
        from messagecenter.webhooks.events import JOB, TOPICS, wants

        # Durable: from the outbox (written with the write), never from the push bus.
        for topic in TOPICS:
            outbox.subscribe(topic, JOB, wants=wants)
