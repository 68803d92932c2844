"""WebSocket routes. The operator and messenger consumers arrive with live messaging."""

from channels.routing import URLRouter

websocket_application = URLRouter([])
