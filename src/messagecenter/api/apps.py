from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "messagecenter.api"
    label = "api"
