from django.apps import AppConfig


class MacrosConfig(AppConfig):
    """Chat macros, push macros and macro groups (R-MACRO)."""

    name = "messagecenter.macros"
    label = "macros"
