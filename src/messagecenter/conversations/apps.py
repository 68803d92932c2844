from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "messagecenter.conversations"
    label = "conversations"
