from django.apps import AppConfig


class EmailChannelConfig(AppConfig):
    """The e-mail channel's own state: mailbox cursors, tombstones, inbound mail details."""

    name = "messagecenter.transports.email"
    label = "email_channel"

    def ready(self) -> None:
        # A deleted or erased conversation leaves tombstones of its Message-IDs, whoever
        # deleted it (archive, GDPR erasure, retention): the mailbox never brings it back.
        from messagecenter.conversations import extras
        from messagecenter.transports.email import tombstones
        from messagecenter.transports.email.extras import mail_extras, mail_file

        tombstones.connect()
        # The operator's view of a mail: its attachments and quoted history.
        extras.register("email", mail_extras, files=mail_file)
