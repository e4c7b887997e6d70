"""Recompute every wallet from its ledger (`manage.py cashback_audit`)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Max, Sum

from cashback.models import LedgerEntry, Wallet
from cashback.rules import LEVELS, level_for_points


@dataclass(frozen=True, slots=True)
class Mismatch:
    client_id: int
    problem: str


_RANK = {rule.level: index for index, rule in enumerate(LEVELS)}


def _chain_breaks() -> Iterator[Mismatch]:
    """Entries whose `balance_before` is not the previous entry's `balance_after`."""
    rows = LedgerEntry.objects.order_by("client_id", "id").values_list(
        "client_id", "id", "balance_before", "balance_after"
    )
    previous: tuple[int, int] | None = None  # (client_id, balance_after)
    for client_id, entry_id, before, after in rows.iterator(chunk_size=2000):
        expected = previous[1] if previous and previous[0] == client_id else 0
        if before != expected:
            yield Mismatch(
                client_id,
                f"entry #{entry_id}: balance_before {before}, expected {expected}",
            )
        previous = (client_id, after)


def wallet_audit() -> list[Mismatch]:
    """Every disagreement between wallets and the ledger; empty when all is well.

    Checks, per client: balance = sum of amounts = the last entry's
    `balance_after`; each entry continues the previous one; the stored level is
    at least the level of the points (levels never go down).
    """
    sums = {
        row["client_id"]: row
        for row in LedgerEntry.objects.values("client_id").annotate(
            total=Sum("amount"), last_id=Max("id")
        )
    }
    last_after = dict(
        LedgerEntry.objects.filter(
            id__in=[row["last_id"] for row in sums.values()]
        ).values_list("client_id", "balance_after")
    )
    problems: list[Mismatch] = []
    wallets = {w.client_id: w for w in Wallet.objects.all()}
    for client_id in sums.keys() - wallets.keys():
        problems.append(Mismatch(client_id, "ledger entries but no wallet"))
    for client_id, wallet in wallets.items():
        total = int(sums.get(client_id, {}).get("total") or 0)
        last = last_after.get(client_id, 0)
        if wallet.balance != total:
            problems.append(
                Mismatch(client_id, f"balance {wallet.balance} != ledger sum {total}")
            )
        if wallet.balance != last:
            problems.append(
                Mismatch(
                    client_id, f"balance {wallet.balance} != last balance_after {last}"
                )
            )
        if _RANK[wallet.level] < _RANK[level_for_points(wallet.points)]:
            problems.append(
                Mismatch(
                    client_id, f"level {wallet.level} below {wallet.points} points"
                )
            )
    problems.extend(_chain_breaks())
    return sorted(problems, key=lambda m: m.client_id)
