from django.apps import AppConfig


class CallsConfig(AppConfig):
    """Audio and video calls between an operator and a contact in the messenger (R-FILE-3):
    the call's state (offered, accepted, declined, missed, ended), its timeline entries and
    the TURN credentials; the media itself flows browser to browser through the relay."""

    name = "messagecenter.calls"
    label = "calls"
