from django.apps import AppConfig


class WidgetsConfig(AppConfig):
    name = "messagecenter.widgets"
    label = "widgets"
