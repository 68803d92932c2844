from django.apps import AppConfig


class FilesConfig(AppConfig):
    name = "messagecenter.files"
    label = "files"
