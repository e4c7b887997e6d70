"""Routes of the manager sync (`staff-api.md` §14), mounted under /api/v1."""

from django.urls import path

from cashback.views_sync import UsersSyncView, UserSyncView

urlpatterns = [
    path("admin/sync/users", UsersSyncView.as_view(), name="admin-sync-users"),
    path(
        "admin/sync/users/<int:user_id>",
        UserSyncView.as_view(),
        name="admin-sync-user",
    ),
]
