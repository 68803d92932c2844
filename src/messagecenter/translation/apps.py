from django.apps import AppConfig


class TranslationConfig(AppConfig):
    """Live translation (R-TRANS-1): providers, the conversation toggle, translated messages
    with their originals; contact messages are translated by jobs fed by the outbox."""

    name = "messagecenter.translation"
    label = "translation"

    def ready(self) -> None:
        from messagecenter.conversations import extras
        from messagecenter.jobs import outbox
        from messagecenter.translation import presenters
        from messagecenter.translation.inbound import JOB, wants
        from messagecenter.transports.webchat import events as messenger

        # Durable: a contact message must be translated even if the push was missed.
        outbox.subscribe("timeline.entry", JOB, wants=wants)
        extras.register_for_every_channel(presenters.operator_extras)
        messenger.register_contact_extras(presenters.contact_extras)
