"""Device registration (`mobile-api.md` §8): the preferred language and the WS flag."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from accounts.models import Client
from notifications.models import DeviceRegistration

LANGUAGES = ("uz", "ru")


@transaction.atomic
def device_register(
    *,
    client: Client,
    device_type: str,
    device_token: str | None,
    language: str | None,
    uses_websocket: bool | None,
) -> DeviceRegistration:
    """Upsert the caller's device row and touch its `updated_at`.

    With a token: the row holding that token (moved to the caller if it was
    another account's). Without: the caller's latest row of `device_type`.
    Else a new row. Registrations of one client are serialized by locking
    the client row, so two parallel calls never insert two rows.
    """
    Client.objects.select_for_update().filter(pk=client.pk).first()
    language = language if language in LANGUAGES else "ru"
    if device_token:
        device = (
            DeviceRegistration.objects.select_for_update()
            .filter(device_token=device_token)
            .first()
        )
    else:
        device = (
            DeviceRegistration.objects.select_for_update()
            .filter(client_id=client.pk, device_type=device_type)
            .order_by("-updated_at", "-id")
            .first()
        )
    if device is None:
        try:
            with transaction.atomic():
                return DeviceRegistration.objects.create(
                    client=client,
                    device_type=device_type,
                    device_token=device_token or None,
                    language=language,
                    uses_websocket=bool(uses_websocket),
                )
        except IntegrityError:
            # Another account registered the same token at the same moment:
            # the token is unique, so take over that row instead.
            device = DeviceRegistration.objects.select_for_update().get(
                device_token=device_token
            )
    device.client = client
    device.device_type = device_type
    device.language = language
    fields = ["client", "device_type", "language", "updated_at"]
    if uses_websocket is not None:
        device.uses_websocket = uses_websocket
        fields.append("uses_websocket")
    device.save(update_fields=fields)
    return device
