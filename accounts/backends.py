"""Django admin sign-in with a staff phone and password (managers only)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import BaseBackend

from accounts.exceptions import InvalidPhone
from accounts.models import Staff
from accounts.phones import staff_phone_normalize


class StaffPhoneBackend(BaseBackend):
    def authenticate(
        self,
        request: Any,
        username: str | None = None,
        password: str | None = None,
        **kw: Any,
    ) -> Staff | None:
        if not username or not password:
            return None
        try:
            phone = staff_phone_normalize(username)
        except InvalidPhone:
            return None
        staff = Staff.objects.not_deleted().filter(phone=phone).first()
        if staff is None or not staff.is_active or not staff.check_password(password):
            return None
        return staff

    def get_user(self, user_id: Any) -> Staff | None:
        staff = Staff.objects.not_deleted().filter(pk=user_id, is_active=True).first()
        return staff if staff is not None and staff.is_staff else None

    def has_perm(self, user_obj: Any, perm: str, obj: object = None) -> bool:
        return bool(getattr(user_obj, "is_staff", False))
