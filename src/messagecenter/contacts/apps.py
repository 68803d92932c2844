from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "messagecenter.contacts"
    label = "contacts"

    def ready(self) -> None:
        # Register the resumable job kinds (imports, erasures) with the job runner.
        from messagecenter.contacts import gdpr, importer  # noqa: F401
