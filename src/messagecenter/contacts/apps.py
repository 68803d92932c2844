from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "messagecenter.contacts"
    label = "contacts"
