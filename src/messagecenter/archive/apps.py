from django.apps import AppConfig


class ArchiveConfig(AppConfig):
    name = "messagecenter.archive"
    label = "archive"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Register the bulk jobs' resumable job kind with the job runner.
        from messagecenter.archive import jobs  # noqa: F401
