"""WebSocket routes: the notifications socket (a trailing slash is tolerated)."""

from django.urls import re_path

from notifications.consumers import NotificationConsumer

websocket_urlpatterns = [
    re_path(r"^api/v1/notifications/ws/?$", NotificationConsumer.as_asgi()),
]
