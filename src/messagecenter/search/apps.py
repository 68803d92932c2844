from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "messagecenter.search"
    label = "search"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from messagecenter.search import matching, receivers

        receivers.connect()
        connection_created.connect(matching.register, dispatch_uid="search.sqlite_match")
