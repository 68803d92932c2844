from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "messagecenter.conversations"
    label = "conversations"

    def ready(self) -> None:
        from messagecenter.conversations import attachments

        attachments.register_extras()
