from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "messagecenter.jobs"
    label = "jobs"
    default_auto_field = "django.db.models.BigAutoField"
