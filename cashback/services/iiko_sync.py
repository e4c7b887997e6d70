"""What each iiko job does (`domain-rules.md` §13.4, §13.5, §11, §6.8).

Every function here calls iiko through an `IikoClient` outside any transaction,
then writes what iiko answered in a short transaction of its own; a retry of a
half-done run is safe. Money moves only as `reconciliation` entries under the
wallet lock, never by overwriting a balance.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from accounts.models import Client
from cashback.iiko import (
    CREATE_COMMENT,
    IikoClient,
    IikoCustomer,
    IikoRejected,
    profile_body,
)
from cashback.models import (
    Card,
    IikoJob,
    IikoJobOperation,
    IikoJobStatus,
    PendingEcho,
)
from cashback.services.ledger import reconciliation_append, wallet_lock
from cashback.services.manual_credit import pending_echo_record

# Local profile fields and the names a flush_profile payload may use for them.
PROFILE_FIELDS: dict[str, str] = {
    "name": "name",
    "first_name": "name",
    "surname": "surname",
    "last_name": "surname",
    "middle_name": "middle_name",
    "middleName": "middle_name",
    "date_of_birth": "date_of_birth",
    "birthday": "date_of_birth",
    "gender": "gender",
    "sex": "gender",
    "email": "email",
}
_NAME_FIELDS = {"name", "surname", "middle_name"}


@dataclass
class SyncReport:
    """What a run did: the §14.1 `changed_fields`, `warnings` and `operations`."""

    changed_fields: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    operations: list[dict[str, str]] = field(default_factory=list)

    def operation(self, name: str, status: str = "ok") -> None:
        self.operations.append({"operation": name, "status": status})

    def changed(self, name: str) -> None:
        if name not in self.changed_fields:
            self.changed_fields.append(name)


def _profile(client: Client, fields: set[str] | None = None) -> dict[str, Any]:
    """The client's profile for `create_or_update`; `fields` limits it (phone always)."""
    wanted = fields if fields else set(PROFILE_FIELDS.values())
    names = bool(wanted & _NAME_FIELDS)
    return profile_body(
        phone=client.phone,
        name=client.name if "name" in wanted else None,
        surname=client.surname if "surname" in wanted else None,
        middle_name=client.middle_name if "middle_name" in wanted else None,
        full_name=client.full_name if names else None,
        birthday=client.date_of_birth if "date_of_birth" in wanted else None,
        email=client.email if "email" in wanted else None,
        gender=client.gender if "gender" in wanted else None,
    )


def _payload_fields(payload: dict[str, Any]) -> set[str]:
    """Local field names a flush_profile payload names (`fields` list or keys)."""
    names = list(payload.get("fields") or []) + list(payload)
    return {
        PROFILE_FIELDS[n] for n in names if isinstance(n, str) and n in PROFILE_FIELDS
    }


def _unmirrored_credits(client: Client) -> int:
    """Manual credits iiko has not accepted yet: local only, so not in iiko's balance."""
    accepted = PendingEcho.objects.filter(ledger_entry__isnull=False).values(
        "ledger_entry"
    )
    total = (
        IikoJob.objects.filter(
            client_id=client.pk, operation=IikoJobOperation.WALLET_TOPUP
        )
        .exclude(status=IikoJobStatus.SUCCESS)
        .exclude(ledger_entry__in=accepted)
        .aggregate(total=Sum("ledger_entry__amount"))["total"]
    )
    return int(total or 0)


def _email_taken(client: Client, email: str) -> bool:
    return Client.objects.filter(email__iexact=email).exclude(pk=client.pk).exists()


@transaction.atomic
def _customer_link(
    *, client: Client, customer: IikoCustomer, report: SyncReport
) -> Client:
    """Store iiko's ids, fill empty profile fields, reconcile the balance (§13.4 step 2)."""
    client = Client.objects.select_for_update().get(pk=client.pk)
    if client.is_deleted:
        report.warnings.append("client was deleted during the sync")
        return client
    updates: list[str] = []
    if client.iiko_customer_id != customer.id:
        client.iiko_customer_id = customer.id
        updates.append("iiko_customer_id")
    wallet = customer.main_wallet
    if wallet is not None and client.iiko_wallet_id != wallet.id:
        Client.objects.filter(iiko_wallet_id=wallet.id).exclude(pk=client.pk).update(
            iiko_wallet_id=None
        )
        client.iiko_wallet_id = wallet.id
        updates.append("iiko_wallet_id")
    for local, value in (
        ("name", customer.name),
        ("middle_name", customer.middle_name),
        ("surname", customer.surname),
        ("date_of_birth", customer.birthday),
        ("gender", customer.gender),
        ("email", customer.email),
    ):
        if value is None or getattr(client, local):
            continue
        if local == "email" and _email_taken(client, str(value)):
            report.warnings.append(
                "iiko's e-mail belongs to another client; not copied"
            )
            continue
        setattr(client, local, value)
        updates.append(local)
    if updates:
        client.save(update_fields=[*updates, "updated_at"])
        for name in updates:
            report.changed(name)
    report.operation("link")
    if wallet is not None and wallet.balance is not None:
        locked = wallet_lock(client=client)
        target = max(wallet.balance, 0) + _unmirrored_credits(client)
        if reconciliation_append(wallet=locked, target_balance=target) is not None:
            report.changed("cashback_balance")
            report.operation("reconcile")
    return client


def _cards_import(
    *, client: Client, customer: IikoCustomer, report: SyncReport
) -> None:
    """Import iiko's cards, matched on the digits of the number (§6.7)."""
    for remote in customer.cards:
        with transaction.atomic():
            local = (
                Card.objects.select_for_update()
                .filter(card_number=remote.number)
                .first()
            )
            track_free = bool(remote.track) and not (
                Card.objects.filter(card_track=remote.track)
                .exclude(card_number=remote.number)
                .exists()
            )
            if local is None:
                Card.objects.create(
                    client=client,
                    card_number=remote.number,
                    card_track=remote.track if track_free else None,
                    iiko_card_id=remote.id,
                )
                report.changed("cards")
                continue
            if local.client_id != client.pk:
                report.warnings.append(
                    "an iiko card belongs to another client; skipped"
                )
                continue
            updates = []
            if remote.id and local.iiko_card_id != remote.id:
                local.iiko_card_id = remote.id
                updates.append("iiko_card_id")
            if track_free and local.card_track != remote.track:
                local.card_track = remote.track
                updates.append("card_track")
            if updates:
                local.save(update_fields=updates)
                report.changed("cards")
    if customer.cards:
        report.operation("import_cards")


def _cards_bind(*, client: Client, iiko: IikoClient, report: SyncReport) -> None:
    """Bind every local card without an iiko card id (`card/add`, §13.4 step 4)."""
    unbound = Card.objects.filter(client_id=client.pk).filter(
        Q(iiko_card_id__isnull=True) | Q(iiko_card_id="")
    )
    for card in unbound:
        if not card.card_track:
            report.warnings.append(
                f"card {card.card_number[-4:]} has no track; not bound"
            )
            continue
        try:
            card_id = iiko.card_add(
                customer_id=str(client.iiko_customer_id),
                card_number=card.card_number,
                card_track=card.card_track,
            )
        except IikoRejected as exc:
            report.warnings.append(f"card {card.card_number[-4:]}: {exc}")
            report.operation("bind_card", "error")
            continue
        Card.objects.filter(pk=card.pk).filter(
            Q(iiko_card_id__isnull=True) | Q(iiko_card_id="")
        ).update(iiko_card_id=card_id or card.card_number)
        report.changed("cards")
        report.operation("bind_card")


def _customer_id_store(
    *, client: Client, customer_id: str, report: SyncReport
) -> Client:
    with transaction.atomic():
        client = Client.objects.select_for_update().get(pk=client.pk)
        if client.iiko_customer_id != customer_id:
            client.iiko_customer_id = customer_id
            client.save(update_fields=["iiko_customer_id", "updated_at"])
            report.changed("iiko_customer_id")
    return client


def _pending_flushes_send(
    *, client: Client, iiko: IikoClient, report: SyncReport
) -> None:
    """Send the changes of the client's waiting flush_profile jobs, then close them."""
    jobs = list(
        IikoJob.objects.filter(
            client_id=client.pk,
            operation=IikoJobOperation.FLUSH_PROFILE,
            status__in=[IikoJobStatus.PENDING, IikoJobStatus.FAILED],
        )
    )
    if not jobs:
        return
    fields: set[str] = set()
    for job in jobs:
        fields |= _payload_fields(job.payload) or set(PROFILE_FIELDS.values())
    profile_send(client=client, iiko=iiko, fields=fields, report=report)
    IikoJob.objects.filter(
        pk__in=[job.pk for job in jobs],
        status__in=[IikoJobStatus.PENDING, IikoJobStatus.FAILED],
    ).update(
        status=IikoJobStatus.SUCCESS,
        completed_at=timezone.now(),
        last_error="sent by a sync_user run",
        updated_at=timezone.now(),
    )


def client_sync(
    *, client: Client, iiko: IikoClient, allow_create: bool = True
) -> tuple[Client, SyncReport]:
    """Run `sync_user` (§13.4): look up, link and merge or create, cards, profile."""
    report = SyncReport()
    client = Client.objects.get(pk=client.pk)
    if client.is_deleted:
        report.warnings.append("client is deleted; nothing to sync")
        report.operation("lookup", "skipped")
        return client, report
    customer = iiko.customer_info(phone=client.phone)
    if customer is not None and not customer.is_deleted:
        report.operation("lookup")
        client = _customer_link(client=client, customer=customer, report=report)
        _cards_import(client=client, customer=customer, report=report)
    else:
        report.operation("lookup", "not_found")
        if not allow_create:
            report.warnings.append("customer not found in iiko")
            return client, report
        customer_id = iiko.customer_create_or_update(
            profile=_profile(client), comment=CREATE_COMMENT
        )
        report.operation("create")
        client = _customer_id_store(
            client=client, customer_id=customer_id, report=report
        )
    if client.is_deleted:
        return client, report
    _cards_bind(client=client, iiko=iiko, report=report)
    _pending_flushes_send(client=client, iiko=iiko, report=report)
    return client, report


def profile_send(
    *, client: Client, iiko: IikoClient, fields: set[str] | None, report: SyncReport
) -> None:
    """`create_or_update` with the customer id and the changed fields (§13.5)."""
    iiko.customer_create_or_update(
        customer_id=client.iiko_customer_id, profile=_profile(client, fields)
    )
    report.operation("flush_profile")


def client_profile_flush(
    *, client: Client, iiko: IikoClient, payload: dict[str, Any]
) -> SyncReport:
    """Run `flush_profile`; a client not yet linked gets a full `sync_user` instead."""
    client = Client.objects.get(pk=client.pk)
    if client.is_deleted:
        report = SyncReport()
        report.warnings.append("client is deleted; profile not sent")
        report.operation("flush_profile", "skipped")
        return report
    fields = _payload_fields(payload) or None
    if not client.iiko_customer_id:
        client, report = client_sync(client=client, iiko=iiko)
        done = {op["operation"] for op in report.operations}
        if (
            client.iiko_customer_id
            and not client.is_deleted
            and not done
            & {
                "create",
                "flush_profile",
            }
        ):
            profile_send(client=client, iiko=iiko, fields=fields, report=report)
        return report
    report = SyncReport()
    profile_send(client=client, iiko=iiko, fields=fields, report=report)
    return report


def client_mark_deleted(
    *, client: Client, iiko: IikoClient, payload: dict[str, Any]
) -> SyncReport:
    """Run `mark_deleted` (§11): pseudo phone, `isDeleted`, released phone as comment."""
    report = SyncReport()
    client = Client.objects.get(pk=client.pk)
    released = payload.get("released_phone")
    if not client.is_deleted:
        report.warnings.append("client is not deleted; nothing sent")
        report.operation("mark_deleted", "skipped")
        return report
    customer_id = client.iiko_customer_id
    if not customer_id and released:
        customer = iiko.customer_info(phone=str(released))
        report.operation("lookup", "ok" if customer else "not_found")
        if customer is not None and not customer.is_deleted:
            customer_id = customer.id
    if not customer_id:
        report.warnings.append("no iiko customer for this client")
        report.operation("mark_deleted", "skipped")
        return report
    iiko.customer_create_or_update(
        customer_id=customer_id,
        profile=profile_body(phone=client.phone, name=client.name),
        comment=str(released) if released else None,
        is_deleted=True,
    )
    report.operation("mark_deleted")
    return report


class TopupNotPossible(Exception):
    """The client has no iiko wallet yet; the job is retried later."""


def ledger_entry_topup(*, job: IikoJob, iiko: IikoClient) -> SyncReport:
    """Run `wallet_topup` (§6.8): mirror a manual credit, then record its echo."""
    report = SyncReport()
    entry = job.ledger_entry
    if entry is None or entry.amount <= 0:
        report.warnings.append("no positive ledger entry to mirror")
        report.operation("wallet_topup", "skipped")
        return report
    if PendingEcho.objects.filter(ledger_entry=entry).exists():
        report.operation("wallet_topup", "skipped")
        return report
    client = Client.objects.get(pk=job.client_id)
    if client.is_deleted:
        report.warnings.append("client is deleted; top-up not sent")
        report.operation("wallet_topup", "skipped")
        return report
    if not client.iiko_customer_id or not client.iiko_wallet_id:
        client, report = client_sync(client=client, iiko=iiko)
        if client.iiko_customer_id and not client.iiko_wallet_id:
            client, _ = client_sync(client=client, iiko=iiko, allow_create=False)
    if not client.iiko_customer_id or not client.iiko_wallet_id:
        raise TopupNotPossible("the iiko customer has no wallet yet")
    iiko.wallet_topup(
        customer_id=client.iiko_customer_id,
        wallet_id=client.iiko_wallet_id,
        amount=entry.amount,
        comment=f"Sardoba manual credit, ledger entry #{entry.pk}",
    )
    pending_echo_record(client=client, amount=entry.amount, ledger_entry=entry)
    report.operation("wallet_topup")
    return report
