"""`notification_frame` is byte for byte the serializer's frame (mobile-api §7.3)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from notifications.models import Notification
from notifications.serializers import NotificationFrameOut, notification_frame
from tests.notifications.factories import make_client

pytestmark = pytest.mark.django_db

SPEC_FRAME = (
    '{"notification_id": 123, "title": "Кешбек начислен", "description": '
    '"+15000 сум начислено на ваш кешбек!", "created_at": "2025-12-01T18:00:01+05:00", '
    '"type": "cashback_accrual", "language": "ru", '
    '"payload": {"type": "cashback_accrual", "amount": "15000"}}'
)


def _row(created_at, **values):
    row = Notification.objects.create(client=make_client(), **values)
    Notification.objects.filter(pk=row.pk).update(created_at=created_at)
    return Notification.objects.get(pk=row.pk)  # as the database returns it


def _wire(frame):
    return json.dumps(frame, ensure_ascii=False)  # as the consumer sends it


@pytest.mark.parametrize(
    ("_case", "values", "created_at"),
    [
        (
            "cashback, microseconds",
            {
                "title": "Cashback qo‘shildi",
                "description": "+15000 so‘m",
                "notification_type": "cashback_accrual",
                "payload": {"type": "cashback_accrual", "amount": "-15000"},
                "language": "uz",
            },
            dt.datetime(2025, 12, 1, 13, 0, 1, 123456, tzinfo=dt.UTC),
        ),
        (
            "no type, empty payload, whole second",
            {"title": "T", "description": "", "notification_type": None},
            dt.datetime(2025, 3, 1, 0, 0, tzinfo=dt.UTC),
        ),
        (
            "nested payload, quotes",
            {
                "title": 'say "hi"',
                "description": "a\nb",
                "notification_type": "promo",
                "payload": {"ids": [1, 2], "nested": {"ok": True, "none": None}},
            },
            dt.datetime(2024, 2, 29, 23, 59, 59, 1, tzinfo=dt.UTC),
        ),
    ],
)
@pytest.mark.parametrize("zone", ["Asia/Tashkent", "UTC", "Europe/Moscow"])
def test_frame_is_the_serializers_frame_byte_for_byte(_case, values, created_at, zone):
    # given a row read back from the database, rendered in the project time zone or another
    row = _row(created_at, **values)
    with timezone.override(zone):
        # when
        frame = notification_frame(row)
        reference = dict(NotificationFrameOut(row).data)
    # then the same keys, in the same order, with the same values and bytes
    assert list(frame) == list(reference)
    assert frame == reference
    assert _wire(frame) == _wire(reference)


def test_frame_of_the_spec_example_is_the_spec_text():
    # given the spec's example row (18:00:01 in Tashkent is 13:00:01 UTC)
    row = _row(
        dt.datetime(2025, 12, 1, 13, 0, 1, tzinfo=dt.UTC),
        title="Кешбек начислен",
        description="+15000 сум начислено на ваш кешбек!",
        notification_type="cashback_accrual",
        payload={"type": "cashback_accrual", "amount": "15000"},
        language="ru",
    )
    row.pk = 123  # the example's id; the frame reads it, nothing is saved
    # when / then
    assert _wire(notification_frame(row)) == SPEC_FRAME
    assert _wire(dict(NotificationFrameOut(row).data)) == SPEC_FRAME
