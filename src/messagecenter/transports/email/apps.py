from django.apps import AppConfig


class EmailChannelConfig(AppConfig):
    """The e-mail channel's own state: mailbox cursors, tombstones, inbound mail details."""

    name = "messagecenter.transports.email"
    label = "email_channel"

    def ready(self) -> None:
        # A deleted or erased conversation leaves tombstones of its Message-IDs, whoever
        # deleted it (archive, GDPR erasure, retention): the mailbox never brings it back.
        from messagecenter.transports.email import tombstones

        tombstones.connect()
