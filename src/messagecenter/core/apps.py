from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "messagecenter.core"
    label = "core"
