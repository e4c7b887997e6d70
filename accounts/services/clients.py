"""Client profile writes: edit, photo, status, deletion (`domain-rules.md` §3, §11, §12)."""

from __future__ import annotations

import logging
import secrets
from functools import partial
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.exceptions import EmailTaken, NameRequired, WaiterNotFound
from accounts.images import image_clean
from accounts.models import (
    Client,
    DeletedPhone,
    FileKind,
    Staff,
    StaffRole,
    StoredFile,
)
from cashback.models import IikoJobOperation
from cashback.services import iiko_job_enqueue, wallet_lock
from sardoba.exceptions import ApplicationError

logger = logging.getLogger(__name__)

PROFILE_PHOTO_DIR = "profile_photos"
PROFILE_PHOTO_URL = "/api/v1/files/profile-photo/"

# Fields forwarded to iiko by `flush_profile` (domain-rules §13.5).
IIKO_PROFILE_FIELDS = (
    "name",
    "surname",
    "middle_name",
    "date_of_birth",
    "gender",
    "email",
)


def _json_value(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _email_check(*, client: Client, email: str | None) -> None:
    if email and (
        Client.objects.annotate(email_lower=Lower("email"))
        .filter(email_lower=email.lower())
        .exclude(pk=client.pk)
        .exists()
    ):
        raise EmailTaken()


@transaction.atomic
def client_profile_update(
    *, client: Client, changes: dict[str, Any], staff: Staff | None = None
) -> dict[str, tuple[Any, Any]]:
    """Apply parsed profile changes; return `{field: (before, after)}` of real changes.

    `changes` holds model fields already parsed (dates, e-mails, cleared values
    as None). A blank `name` is 422 `name_required`; a used e-mail 409
    `email_taken`. Changed iiko fields queue one `flush_profile` job.
    """
    client = Client.objects.select_for_update().get(pk=client.pk)
    if "name" in changes and not (changes["name"] or "").strip():
        raise NameRequired()
    if "email" in changes:
        _email_check(client=client, email=changes["email"])
    if "waiter_id" in changes and changes["waiter_id"] is not None:
        waiter = (
            Staff.objects.not_deleted()
            .filter(pk=changes["waiter_id"], role=StaffRole.WAITER, is_active=True)
            .first()
        )
        if waiter is None:
            raise WaiterNotFound()
    diff: dict[str, tuple[Any, Any]] = {}
    for field, value in changes.items():
        before = getattr(client, field)
        if before != value:
            diff[field] = (before, value)
            setattr(client, field, value)
    if not diff:
        return diff
    try:
        with transaction.atomic():
            client.save(update_fields=[*diff, "updated_at"])
    except IntegrityError as exc:  # a racing request took the e-mail
        raise EmailTaken() from exc
    flush = {f: _json_value(diff[f][1]) for f in IIKO_PROFILE_FIELDS if f in diff}
    if flush:
        iiko_job_enqueue(
            client=client,
            operation=IikoJobOperation.FLUSH_PROFILE,
            payload={"fields": flush},
        )
    return diff


@transaction.atomic
def client_giftget_set(*, client: Client, giftget: bool) -> bool:
    """Set or clear the gift flag under the wallet lock (no ledger entry)."""
    wallet = wallet_lock(client=client)
    before = wallet.giftget
    if before != giftget:
        wallet.giftget = giftget
        wallet.save(update_fields=["giftget", "updated_at"])
    return before


def client_status_set(
    *, client: Client, is_active: bool, staff: Staff | None
) -> Client:
    """Deactivate or reactivate; deactivation closes the sockets after commit."""
    from notifications.doorbell import sockets_close

    with transaction.atomic():
        client = Client.objects.select_for_update().get(pk=client.pk)
        if client.is_active != is_active:
            client.is_active = is_active
            client.save(update_fields=["is_active", "updated_at"])
        if not is_active:
            transaction.on_commit(
                partial(sockets_close, client_id=client.pk), robust=True
            )
    return client


def _pseudo_phone() -> str:
    for _ in range(10):
        phone = "+999" + "".join(secrets.choice("0123456789") for _ in range(9))
        if not Client.objects.filter(phone=phone).exists():
            return phone
    raise ApplicationError(code="server_error", status=500)


def _photo_files_remove(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(f"{PROFILE_PHOTO_DIR}/{name}")
        except OSError:
            logger.warning("could not delete a profile photo", extra={"file": name})


def client_delete(*, client: Client, request: Any = None) -> Client:
    """Delete an account the seed's way (`domain-rules.md` §11); idempotent.

    One transaction: pseudo-number, deleted-phones row, e-mail/photo/devices
    cleared, `mark_deleted` job. After commit: photo files removed, sockets closed.
    """
    from notifications.doorbell import sockets_close
    from notifications.models import DeviceRegistration

    with transaction.atomic():
        client = Client.objects.select_for_update().get(pk=client.pk)
        if client.is_deleted:
            return client
        released = client.phone
        pseudo = _pseudo_phone()
        DeletedPhone.objects.create(phone=released, pseudo_phone=pseudo, client=client)
        photos = list(
            StoredFile.objects.filter(
                owner=client, kind=FileKind.PROFILE_PHOTO
            ).values_list("name", flat=True)
        )
        StoredFile.objects.filter(owner=client, kind=FileKind.PROFILE_PHOTO).delete()
        client.phone = pseudo
        client.is_deleted = True
        client.deleted_at = timezone.now()
        client.email = None
        client.profile_photo_url = None
        client.save(
            update_fields=[
                "phone",
                "is_deleted",
                "deleted_at",
                "email",
                "profile_photo_url",
                "updated_at",
            ]
        )
        DeviceRegistration.objects.filter(client=client).delete()
        iiko_job_enqueue(
            client=client,
            operation=IikoJobOperation.MARK_DELETED,
            payload={
                "iiko_customer_id": client.iiko_customer_id,
                "phone": pseudo,
                "released_phone": released,
                "name": client.full_name,
            },
        )
        transaction.on_commit(partial(_photo_files_remove, photos), robust=True)
        transaction.on_commit(partial(sockets_close, client_id=client.pk), robust=True)
    return client


def client_photo_set(
    *, client: Client, upload: Any, staff: Staff | None = None
) -> Client:
    """Store a cleaned image as the client's photo; the old file goes after commit."""
    image = image_clean(upload)
    name = f"{secrets.token_hex(16)}.{image.extension}"
    stored = default_storage.save(
        f"{PROFILE_PHOTO_DIR}/{name}", ContentFile(image.content)
    )
    name = stored.rsplit("/", 1)[-1]
    try:
        with transaction.atomic():
            client = Client.objects.select_for_update().get(pk=client.pk)
            old = list(
                StoredFile.objects.filter(
                    owner=client, kind=FileKind.PROFILE_PHOTO
                ).values_list("name", flat=True)
            )
            StoredFile.objects.filter(
                owner=client, kind=FileKind.PROFILE_PHOTO
            ).delete()
            StoredFile.objects.create(
                kind=FileKind.PROFILE_PHOTO,
                name=name,
                mime_type=image.mime_type,
                size=len(image.content),
                url=PROFILE_PHOTO_URL + name,
                owner=client,
                uploaded_by=staff,
            )
            client.profile_photo_url = PROFILE_PHOTO_URL + name
            client.save(update_fields=["profile_photo_url", "updated_at"])
            transaction.on_commit(partial(_photo_files_remove, old), robust=True)
    except Exception:
        _photo_files_remove([name])
        raise
    return client


def client_photo_clear(*, client: Client) -> Client:
    """Remove the client's photo record and file, and clear the URL."""
    with transaction.atomic():
        client = Client.objects.select_for_update().get(pk=client.pk)
        files = StoredFile.objects.filter(owner=client, kind=FileKind.PROFILE_PHOTO)
        names = list(files.values_list("name", flat=True))
        files.delete()
        client.profile_photo_url = None
        client.save(update_fields=["profile_photo_url", "updated_at"])
        transaction.on_commit(partial(_photo_files_remove, names), robust=True)
    return client
