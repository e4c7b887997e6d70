"""Routes of this app, mounted under /api/v1 (no trailing slash; ids digits only)."""

from django.urls import path, re_path

from accounts.views import auth, clients, logs, profile, staff

urlpatterns = [
    path("auth/client/request-otp", auth.OtpRequestView.as_view()),
    path("auth/client/verify-otp", auth.OtpVerifyView.as_view()),
    path("auth/refresh", auth.RefreshView.as_view()),
    path("auth/me", auth.MeView.as_view()),
    path("auth/staff/login", auth.StaffLoginView.as_view()),
    path("auth/staff/change-password", auth.ChangePasswordView.as_view()),
    path("auth/staff", staff.StaffCollectionView.as_view()),
    path("auth/staff/<int:staff_id>", staff.StaffItemView.as_view()),
    path(
        "auth/staff/<int:staff_id>/referral/regenerate",
        staff.StaffReferralRegenerateView.as_view(),
    ),
    path("waiters", staff.WaiterCollectionView.as_view()),
    path("waiters/<int:waiter_id>", staff.WaiterItemView.as_view()),
    path("users", clients.UserCollectionView.as_view()),
    path("users/<int:user_id>", clients.UserItemView.as_view()),
    path("users/<int:user_id>/status", clients.UserStatusView.as_view()),
    path("logs/auth", logs.AuthLogView.as_view()),
    path("admin/auth-logs", logs.AuthLogView.as_view()),
    path("logs/otp", logs.OtpLogView.as_view()),
    path("logs/validation", logs.ValidationLogView.as_view()),
    path("logs/audit", logs.AuditLogView.as_view()),
    path("users/me", profile.UsersMeView.as_view()),
    path("user/delete", profile.UserDeleteLegacyView.as_view()),
    path("files/profile-photo", profile.ProfilePhotoView.as_view()),
    re_path(
        r"^files/profile-photo/(?P<file_name>[^/]+)$",
        profile.ProfilePhotoFileView.as_view(),
    ),
]
