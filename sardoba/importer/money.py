"""Wallets and the ledger from the original's balances and transactions.

`domain-rules.md` §6.2, "Data from the original backend": each client's
transactions are appended in order (`created_at`, `id`) as ledger entries whose
kind comes from the source and the sign. Before each one, a reconciliation
entry bridges any gap between the running balance and the original's
`balance_after - amount`; a last reconciliation brings the wallet to the
original balance rounded half away from zero (a negative one to 0). Money is
written only through `wallet_lock` + `ledger_entry_append(notify=False)` /
reconciliation entries (`reconciliation_append`'s rule, dated): importing
history notifies nobody. Points are taken as
stored and the level recomputed from them; the gift flag as stored when the
original has it.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from psycopg import sql

from accounts.models import Client, Staff
from cashback.models import EntryKind, EntrySource, LedgerEntry, Wallet
from cashback.rules import level_for_points, round_sum
from cashback.services import ledger_entry_append, wallet_lock
from sardoba.importer.context import ImportContext
from sardoba.importer.mapping import RowMap, fingerprint

TX_COLUMNS = (
    "id", "user_id", "staff_id", "amount", "branch_id", "source", "balance_after",
    "iiko_event_id", "iiko_uoc_id", "created_at",
)  # fmt: skip
USERS_PER_BATCH_DIVISOR = 4  # a batch of wallets carries their transactions too


def entry_kind(*, source: str | None, amount: int, iiko_event_id: str | None) -> str:
    """The ledger kind of an original transaction (source and sign).

    Debits were payments with cashback; credits were iiko accruals when they came
    from an order or an iiko event, otherwise a staff member's manual credit.
    """
    if amount < 0:
        return EntryKind.PAYMENT
    if source == EntrySource.ORDER or iiko_event_id:
        return EntryKind.ACCRUAL
    return EntryKind.MANUAL_CREDIT


def _wallets_query(ctx: ImportContext) -> sql.Composed:
    source = ctx.source
    giftget = sql.SQL("u.giftget" if source.has("users", "giftget") else "NULL")
    query = sql.SQL(
        "SELECT u.id, u.phone, {giftget} AS giftget, b.balance, b.points, "
        "b.updated_at AS balance_updated_at "
        "FROM users u LEFT JOIN cashback_balances b ON b.user_id = u.id"
    ).format(giftget=giftget)
    if ctx.since is not None:
        since = sql.Literal(ctx.since)
        query += sql.SQL(
            " WHERE u.updated_at >= {s} OR b.updated_at >= {s} OR EXISTS ("
            "SELECT 1 FROM cashback_transactions t WHERE t.user_id = u.id "
            "AND t.created_at >= {s})"
        ).format(s=since)
    return query + sql.SQL(" ORDER BY u.id")


def wallets_import(ctx: ImportContext) -> None:
    source = ctx.source
    wallet_stats = ctx.report.stats("cashback_balances")
    tx_stats = ctx.report.stats("cashback_transactions")
    where = source.since_filter("cashback_transactions", ctx.since)
    total_tx = source.count("cashback_transactions", where)
    total_users = source.count("users")
    tx_query = source.select(
        "cashback_transactions", TX_COLUMNS, where=where,
        order_by=("user_id", "created_at", "id"),
    )  # fmt: skip
    transactions: Iterator[dict[str, Any]] = itertools.chain.from_iterable(
        source.stream(tx_query, size=ctx.batch_size)
    )
    pending = next(transactions, None)
    staff = Staff.objects.in_bulk()
    users_per_batch = max(ctx.batch_size // USERS_PER_BATCH_DIVISOR, 1)
    done_users = 0
    for users in source.stream(_wallets_query(ctx), size=users_per_batch):
        last_id = users[-1]["id"]
        by_user: dict[int, list[dict[str, Any]]] = defaultdict(list)
        while pending is not None and pending["user_id"] <= last_id:
            by_user[pending["user_id"]].append(pending)
            pending = next(transactions, None)
        with transaction.atomic():
            _wallet_batch(ctx, users, by_user, staff)
        done_users += len(users)
        wallet_stats.read += len(users)
        ctx.progress("cashback_balances", done_users, total_users)
        ctx.progress("cashback_transactions", tx_stats.read, total_tx)


def _wallet_batch(
    ctx: ImportContext,
    users: list[dict[str, Any]],
    by_user: dict[int, list[dict[str, Any]]],
    staff: dict[int, Staff],
) -> None:
    report = ctx.report
    tx_stats = report.stats("cashback_transactions")
    wallet_stats = report.stats("cashback_balances")
    wallet_map = RowMap("cashback_balances")
    tx_map = RowMap("cashback_transactions")
    known_wallets = wallet_map.lookup(u["id"] for u in users)
    known_tx = set(tx_map.lookup(t["id"] for ts in by_user.values() for t in ts))
    clients = Client.objects.in_bulk(
        [ctx.client_ids[u["id"]] for u in users if u["id"] in ctx.client_ids]
    )
    tx_records: list[tuple[int, int | None, str, dict[str, Any]]] = []
    wallet_records: list[tuple[int, int | None, str, dict[str, Any]]] = []
    for user in users:
        txs = by_user.pop(user["id"], [])
        tx_stats.read += len(txs)
        client = clients.get(ctx.client_ids.get(user["id"], -1))
        original_balance = round_sum(user["balance"] or 0)
        if client is not None and original_balance < 0:
            report.negative_balances.append(
                {
                    "client_id": client.pk,
                    "phone": client.phone,
                    "balance": str(user["balance"]),
                }
            )
        if client is None:
            for tx in txs:
                report.skip(
                    "cashback_transactions",
                    tx["id"],
                    f"client #{user['id']} not imported",
                )
            wallet_stats.skipped += 1
            continue
        new = [tx for tx in txs if tx["id"] not in known_tx]
        tx_stats.unchanged += len(txs) - len(new)
        fp = fingerprint({k: user[k] for k in ("balance", "points", "giftget")})
        known = known_wallets.get(user["id"])
        if not new and known is not None and known.fingerprint == fp:
            wallet_stats.unchanged += 1
            continue
        if known is not None and _has_local_activity(client, known.extra):
            report.skip(
                "cashback_balances", user["id"],
                "the wallet has ledger entries written in sardoba since the last import",
            )  # fmt: skip
            for tx in new:
                report.skip(
                    "cashback_transactions", tx["id"], "wallet changed in sardoba"
                )
            continue
        extra = _wallet_import(ctx, client, user, new, staff, tx_records,
                               previous=known.extra if known else {})  # fmt: skip
        wallet_records.append((user["id"], extra.pop("wallet_id"), fp, extra))
        if known is None:
            wallet_stats.created += 1
        else:
            wallet_stats.updated += 1
    for user_id, txs in by_user.items():  # transactions of users not in the batch
        for tx in txs:
            report.skip("cashback_transactions", tx["id"], f"user #{user_id} not found")
    tx_map.record(tx_records)
    wallet_map.record(wallet_records)


def _has_local_activity(client: Client, extra: dict[str, Any]) -> bool:
    last = (
        LedgerEntry.objects.filter(client_id=client.pk)
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )
    return last != extra.get("last_entry_id")


def _wallet_import(
    ctx: ImportContext,
    client: Client,
    user: dict[str, Any],
    new: list[dict[str, Any]],
    staff: dict[int, Staff],
    tx_records: list[tuple[int, int | None, str, dict[str, Any]]],
    *,
    previous: dict[str, Any],
) -> dict[str, Any]:
    report = ctx.report
    wallet = wallet_lock(client=client)
    last_entry_id = previous.get("last_entry_id")
    last_at = (
        dt.datetime.fromisoformat(previous["last_at"])
        if previous.get("last_at")
        else None
    )
    for tx in new:
        amount = round_sum(tx["amount"])
        if amount == 0:
            report.skip("cashback_transactions", tx["id"], "amount is 0")
            continue
        created_at = tx["created_at"] or timezone.now()
        before = round_sum(tx["balance_after"]) - amount
        floor = max(-amount, 0)
        if before < floor:
            report.warn(
                "cashback_transactions", tx["id"],
                f"balance before the entry was {before} in the original; taken as {floor}",
            )  # fmt: skip
        target = max(before, floor)
        rec = _reconcile(wallet, target, created_at)
        if rec is not None:
            report.reconciled(
                client_id=client.pk, phone=client.phone, amount=rec.amount, final=False
            )
        entry = _entry_append(ctx, wallet, tx, amount, staff, created_at)
        report.stats("cashback_transactions").created += 1
        tx_records.append((tx["id"], entry.pk, fingerprint(tx), {}))
        last_entry_id, last_at = entry.pk, max(filter(None, (last_at, created_at)))
    target = max(round_sum(user["balance"] or 0), 0)
    at = (
        max(filter(None, (last_at, user["balance_updated_at"])), default=None)
        or timezone.now()
    )
    rec = _reconcile(wallet, target, at)
    if rec is not None:
        report.reconciled(
            client_id=client.pk, phone=client.phone, amount=rec.amount, final=True
        )
        last_entry_id, last_at = rec.pk, at
    points = max(round_sum(user["points"] or 0), 0)
    giftget = wallet.giftget if user["giftget"] is None else bool(user["giftget"])
    Wallet.objects.filter(pk=wallet.pk).update(
        points=points, level=level_for_points(points), giftget=giftget
    )
    return {
        "wallet_id": wallet.pk,
        "last_entry_id": last_entry_id,
        "last_at": last_at.isoformat() if last_at else None,
    }


def _append(created_at: dt.datetime, **kwargs: Any) -> LedgerEntry:
    """`ledger_entry_append` without notification, dated as in the original."""
    return ledger_entry_append(**kwargs, notify=False, created_at=created_at)


def _reconcile(
    wallet: Wallet,
    target: int,
    created_at: dt.datetime,
) -> LedgerEntry | None:
    """What `reconciliation_append` does, dated: one entry to `target` (>= 0)."""
    gap = max(target, 0) - wallet.balance
    if gap == 0:
        return None
    return _append(
        created_at, wallet=wallet, kind=EntryKind.RECONCILIATION,
        amount=gap, source=EntrySource.MANUAL,
    )  # fmt: skip


def _entry_append(
    ctx: ImportContext,
    wallet: Wallet,
    tx: dict[str, Any],
    amount: int,
    staff: dict[int, Staff],
    created_at: dt.datetime,
) -> LedgerEntry:
    source = tx["source"] if tx["source"] in EntrySource.values else EntrySource.MANUAL
    received = tx["amount"]
    kwargs: dict[str, Any] = {
        "wallet": wallet,
        "kind": entry_kind(
            source=source, amount=amount, iiko_event_id=tx["iiko_event_id"]
        ),
        "amount": amount,
        "source": source,
        "staff": staff.get(ctx.staff_ids.get(tx["staff_id"], -1)),
        "branch_id": tx["branch_id"],
        "iiko_event_key": tx["iiko_event_id"] or None,
        "iiko_uoc_id": tx["iiko_uoc_id"] or None,
        "iiko_sum": str(received) if Decimal(received) != amount else None,
    }
    try:
        return _append(created_at, **kwargs)
    except IntegrityError:
        ctx.report.warn(
            "cashback_transactions", tx["id"],
            f"iiko event {tx['iiko_event_id']!r} already recorded here; imported without its key",
        )  # fmt: skip
        kwargs["iiko_event_key"] = None
        return _append(created_at, **kwargs)
