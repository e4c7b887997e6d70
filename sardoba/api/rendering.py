"""Plain-function renderers for the hottest output shapes.

A DRF serializer builds (and deep-copies) its fields every time it is
instantiated, then renders each value through a field object: about a
millisecond per request for `/auth/me`'s profile, cards and ten transactions,
a quarter of the endpoint's time (docs/PERFORMANCE.md §4). The serializers of
those shapes keep their declared fields (the OpenAPI schema is generated from
them) and delegate `to_representation` to a plain function; a test renders the
same objects both ways and requires the results to be equal
(tests/foundation/test_rendering.py).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone
from rest_framework import serializers

# REST framework's own datetime rendering (`DATETIME_FORMAT`, the current time
# zone, "Z" for UTC), reused: the field object holds no per-call state.
_DATETIME = serializers.DateTimeField()


def datetime_render(value: dt.datetime | None) -> str | None:
    """`DateTimeField().to_representation(value)`, without the field's detours.

    An aware value in the current time zone, ISO 8601, "Z" for UTC: what REST
    framework does with `DATETIME_FORMAT = "iso-8601"`. Naive values (never read
    from the database) go through REST framework itself.
    """
    if value is None:
        return None
    if value.utcoffset() is None or not settings.USE_TZ:
        return _DATETIME.to_representation(value)
    try:
        text = value.astimezone(timezone.get_current_timezone()).isoformat()
    except OverflowError:  # the edges of the calendar: REST framework's error
        return _DATETIME.to_representation(value)
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def str_or_none(value: object) -> str | None:
    return None if value is None else str(value)


def declared_representation(
    serializer: serializers.Serializer, instance: object
) -> dict[str, object]:
    """What REST framework renders from `serializer`'s declared fields alone.

    The reference the plain renderers are tested against.
    """
    return dict(serializers.Serializer.to_representation(serializer, instance))
