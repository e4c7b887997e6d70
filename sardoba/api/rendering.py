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

from rest_framework import serializers

# REST framework's own datetime rendering (`DATETIME_FORMAT`, the current time
# zone, "Z" for UTC), reused: the field object holds no per-call state.
_DATETIME = serializers.DateTimeField()


def datetime_render(value: dt.datetime | None) -> str | None:
    return None if value is None else _DATETIME.to_representation(value)


def str_or_none(value: object) -> str | None:
    return None if value is None else str(value)


def declared_representation(
    serializer: serializers.Serializer, instance: object
) -> dict[str, object]:
    """What REST framework renders from `serializer`'s declared fields alone.

    The reference the plain renderers are tested against.
    """
    return dict(serializers.Serializer.to_representation(serializer, instance))
