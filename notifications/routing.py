"""WebSocket routes; the notifications issue adds the consumer."""

websocket_urlpatterns: list = []
