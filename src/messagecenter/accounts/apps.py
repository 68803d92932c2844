from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "messagecenter.accounts"
    label = "accounts"
