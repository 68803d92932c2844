from django.apps import AppConfig


class AddonsConfig(AppConfig):
    """Add-ons (R-CONV-4, R-ARCH-2, R-API-2): HTTPS endpoints an administrator registers; an
    operator runs one on a conversation (the action bar) or on many (All conversations), it
    receives the conversation signed like a webhook and answers with content for the
    sidebar or with actions."""

    name = "messagecenter.addons"
    label = "addons"

    def ready(self) -> None:
        from messagecenter.addons import bulk

        bulk.register()
