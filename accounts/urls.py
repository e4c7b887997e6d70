"""Routes of this app, mounted under /api/v1 (no trailing slash; ids digits only)."""

from django.urls import path, re_path

from accounts.views import auth, profile

urlpatterns = [
    path("auth/client/request-otp", auth.OtpRequestView.as_view()),
    path("auth/client/verify-otp", auth.OtpVerifyView.as_view()),
    path("auth/refresh", auth.RefreshView.as_view()),
    path("auth/me", auth.MeView.as_view()),
    path("auth/staff/login", auth.StaffLoginView.as_view()),
    path("auth/staff/change-password", auth.ChangePasswordView.as_view()),
    path("users/me", profile.UsersMeView.as_view()),
    path("user/delete", profile.UserDeleteLegacyView.as_view()),
    path("files/profile-photo", profile.ProfilePhotoView.as_view()),
    re_path(
        r"^files/profile-photo/(?P<file_name>[^/]+)$",
        profile.ProfilePhotoFileView.as_view(),
    ),
]
