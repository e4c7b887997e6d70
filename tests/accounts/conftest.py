from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _otp_settings(settings):
    settings.SMS_DRY_RUN = True
    settings.OTP_STATIC_CODE = "4321"
    settings.DEMO_PHONE = ""
    settings.OTP_RATE_LIMIT_BYPASS_PHONES = []
    settings.TRUSTED_PROXY_COUNT = 0
