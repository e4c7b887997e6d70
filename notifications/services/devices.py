"""Device registration (`mobile-api.md` §8): the preferred language and the WS flag."""

from __future__ import annotations

from django.db import IntegrityError, connection, transaction
from django.db.models import CharField, Func, QuerySet, Subquery, Value
from django.db.models.lookups import Exact
from django.utils import timezone

from accounts.models import Client
from notifications.models import DeviceRegistration
from sardoba.compiled_reads import DATETIME, INT, TEXT, CompiledUpdate

LANGUAGES = ("uz", "ru")


def device_register(
    *,
    client: Client,
    device_type: str,
    device_token: str | None,
    language: str | None,
    uses_websocket: bool | None,
) -> None:
    """Upsert the caller's device row and touch its `updated_at`.

    With a token: the row holding that token (moved to the caller if it was
    another account's). Without: the caller's latest row of `device_type`.
    Else a new row.

    The app registers at every launch, almost always a device it registered
    before: that is one UPDATE in autocommit. Only when no row matched does
    the locked upsert run (`_device_register_locked`).
    """
    language = language if language in LANGUAGES else "ru"
    if not _device_touch(
        client=client,
        device_type=device_type,
        device_token=device_token,
        language=language,
        uses_websocket=uses_websocket,
    ):
        _device_register_locked(
            client=client,
            device_type=device_type,
            device_token=device_token,
            language=language,
            uses_websocket=uses_websocket,
        )


def _touch_changes(
    client_id: object,
    device_type: object,
    language: object,
    now: object,
    ws: bool | None,
) -> dict[str, object]:
    changes = {
        "client_id": client_id,
        "device_type": device_type,
        "language": language,
        "updated_at": now,
    }
    if ws is not None:
        changes["uses_websocket"] = ws
    return changes


class _SetLocal(Func):
    """`set_config(name, value, true)`: a setting for the current transaction only."""

    function = "set_config"
    output_field = CharField()


def _relaxed(rows: QuerySet[DeviceRegistration]) -> QuerySet[DeviceRegistration]:
    """`rows`, in a statement that sets `synchronous_commit = off` for itself.

    Its transaction then commits without waiting for the WAL flush. Only for
    an UPDATE run in autocommit, where the statement is the whole
    transaction: a crash of the database server can lose the last few hundred
    milliseconds of such commits, never corrupt anything, and the app repeats
    its registration at every launch. Never for money.
    """
    setting = _SetLocal(Value("synchronous_commit"), Value("off"), Value(True))
    return rows.filter(Exact(setting, Value("off")))


def _touch_by_token(ws: bool | None, relaxed: bool) -> CompiledUpdate:
    """The row holding a device token, moved to the caller if it was another's."""

    def build(token, client_id, device_type, language, now):  # type: ignore[no-untyped-def]
        rows = DeviceRegistration.objects.filter(device_token=token)
        rows = _relaxed(rows) if relaxed else rows
        return rows, _touch_changes(client_id, device_type, language, now, ws)

    return CompiledUpdate(build, arguments=(TEXT, INT, TEXT, TEXT, DATETIME))


def _touch_latest(ws: bool | None, relaxed: bool) -> CompiledUpdate:
    """The caller's latest row of a device type, by (-updated_at, -id)."""

    def build(client_id, device_type, language, now):  # type: ignore[no-untyped-def]
        latest = (
            DeviceRegistration.objects.filter(
                client_id=client_id, device_type=device_type
            )
            .order_by("-updated_at", "-id")
            .values("pk")[:1]
        )
        rows = DeviceRegistration.objects.filter(pk=Subquery(latest))
        rows = _relaxed(rows) if relaxed else rows
        return rows, _touch_changes(client_id, device_type, language, now, ws)

    return CompiledUpdate(build, arguments=(INT, TEXT, TEXT, DATETIME))


# Every app launch registers: one UPDATE, compiled once per connection and
# prepared on PostgreSQL (`sardoba.compiled_reads`), per `usesWebSocket` value;
# relaxed (see `_relaxed`) on PostgreSQL outside a transaction.
_VARIANTS = [(ws, relaxed) for ws in (None, True, False) for relaxed in (False, True)]
_TOUCH_BY_TOKEN = {key: _touch_by_token(*key) for key in _VARIANTS}
_TOUCH_LATEST = {key: _touch_latest(*key) for key in _VARIANTS}


def _device_touch(
    *,
    client: Client,
    device_type: str,
    device_token: str | None,
    language: str,
    uses_websocket: bool | None,
) -> bool:
    """Update the row an upsert would update, in one statement; False if none.

    Never inserts, so it needs no lock: two racing calls update the same row.
    """
    now = timezone.now()
    ws = None if uses_websocket is None else bool(uses_websocket)
    # Inside a transaction the setting would reach the caller's other writes.
    relaxed = connection.vendor == "postgresql" and not connection.in_atomic_block
    if device_token:
        touch = _TOUCH_BY_TOKEN[ws, relaxed]
        touched = touch.execute(device_token, client.pk, device_type, language, now)
    else:
        touch = _TOUCH_LATEST[ws, relaxed]
        touched = touch.execute(client.pk, device_type, language, now)
    return touched > 0


@transaction.atomic
def _device_register_locked(
    *,
    client: Client,
    device_type: str,
    device_token: str | None,
    language: str,
    uses_websocket: bool | None,
) -> DeviceRegistration:
    """The upsert under the client's row lock, so two calls never insert two rows."""
    Client.objects.select_for_update().filter(pk=client.pk).first()
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
