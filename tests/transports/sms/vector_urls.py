"""The project's URLs plus the SMS webhook view mounted where the Twilio test vectors were
signed (``/myapp.php``), for the connection whose public id is ``VECTOR_CONNECTION``."""

from django.urls import path

from messagecenter.transports.sms import views
from messagecenter.urls import urlpatterns as project

VECTOR_CONNECTION = "smsvectors"

urlpatterns = [
    path("myapp.php", views.inbound_webhook, {"connection_id": VECTOR_CONNECTION}),
    *project,
]
