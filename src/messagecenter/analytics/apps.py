from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    """Analytics (R-ANALYTICS-1): one anonymous metric row per conversation plus presence and
    slot-use intervals, maintained from the durable outbox; the Analytics page reads them."""

    name = "messagecenter.analytics"
    label = "analytics"

    def ready(self) -> None:
        from messagecenter.analytics.events import JOB, PRESENCE_TOPIC, wants
        from messagecenter.jobs import outbox

        # Durable: from the outbox (written with the write), never from the push bus.
        outbox.subscribe("timeline.entry", JOB, wants=wants)
        outbox.subscribe(PRESENCE_TOPIC, JOB)
