"""Routes of this app, mounted under /api/v1 (no trailing slash; ids digits only)."""

from django.urls import path

from notifications import views

urlpatterns = [
    path("notifications/clients", views.InboxListView.as_view()),
    path(
        "notifications/clients/<int:notification_id>/read",
        views.InboxReadView.as_view(),
    ),
    path("notifications/register-token", views.DeviceRegisterView.as_view()),
    path("notifications/send", views.NotificationSendView.as_view()),
    path("notifications", views.BroadcastListView.as_view()),
    path("notifications/<int:broadcast_id>", views.BroadcastDetailView.as_view()),
]
