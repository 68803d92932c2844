"""ASGI entry point: HTTP through Django, WebSockets through Channels, lifespan for the loop."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "messagecenter.settings")

from channels.routing import ProtocolTypeRouter
from django.core.asgi import get_asgi_application

django_asgi_app = get_asgi_application()

from messagecenter.realtime.lifespan import lifespan  # noqa: E402
from messagecenter.realtime.routing import websocket_application  # noqa: E402

application = ProtocolTypeRouter(
    {"http": django_asgi_app, "websocket": websocket_application, "lifespan": lifespan}
)
