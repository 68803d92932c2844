"""WebSocket routes: the operator app and the website messenger."""

from channels.auth import AuthMiddlewareStack
from channels.routing import URLRouter
from django.urls import path

from messagecenter.realtime.operator import OperatorConsumer
from messagecenter.transports.webchat.consumer import MessengerConsumer

websocket_application = URLRouter(
    [
        path("ws/operator", AuthMiddlewareStack(OperatorConsumer.as_asgi())),
        path("ws/messenger/<str:widget_key>", MessengerConsumer.as_asgi()),
    ]
)
