"""After an import: wallets equal the original balances, the ledger adds up."""

from __future__ import annotations

from django.db import connection

from cashback.models import LedgerEntry, Wallet
from cashback.rules import round_sum
from sardoba.importer.context import ImportContext
from sardoba.importer.mapping import RowMap

CHAIN_BREAKS_SQL = """
SELECT count(*) FROM (
    SELECT balance_before,
           lag(balance_after) OVER (PARTITION BY client_id ORDER BY id) AS previous
    FROM {ledger}
) AS chain
WHERE balance_before <> coalesce(previous, 0)
"""
WALLET_SUMS_SQL = """
SELECT count(*) FROM {wallet} AS w
LEFT JOIN (SELECT client_id, sum(amount) AS total FROM {ledger} GROUP BY client_id) AS l
       ON l.client_id = w.client_id
LEFT JOIN (SELECT DISTINCT ON (client_id) client_id, balance_after FROM {ledger}
           ORDER BY client_id, id DESC) AS last ON last.client_id = w.client_id
WHERE w.balance <> coalesce(l.total, 0) OR w.balance <> coalesce(last.balance_after, 0)
"""


def verify(ctx: ImportContext) -> bool:
    """Check the two promises of the import and write them into the report."""
    report = ctx.report
    balances_ok = _balances_match(ctx)
    ledger_ok = _ledger_consistent(ctx)
    audit_ok = _cashback_audit(ctx)
    report.verified = balances_ok and ledger_ok and audit_ok
    return report.verified


def _balances_match(ctx: ImportContext) -> bool:
    imported = RowMap("cashback_balances").local_ids()  # original user id -> wallet id
    wallets = dict(
        Wallet.objects.values_list("pk", "balance").iterator(chunk_size=5000)
    )
    skipped = {s["id"] for s in ctx.report.skipped if s["table"] == "cashback_balances"}
    checked = mismatched = 0
    query = "SELECT user_id, balance FROM cashback_balances"
    for rows in ctx.source.stream(query, size=5000):
        for row in rows:
            wallet_id = imported.get(row["user_id"])
            if wallet_id is None or row["user_id"] in skipped:
                continue
            checked += 1
            if wallets.get(wallet_id) != max(round_sum(row["balance"] or 0), 0):
                mismatched += 1
                if mismatched <= 20:
                    ctx.report.verification.append(
                        f"MISMATCH: user #{row['user_id']} original {row['balance']}, "
                        f"wallet {wallets.get(wallet_id)}"
                    )
    ok = mismatched == 0
    ctx.report.verification.append(
        f"{'OK' if ok else 'FAILED'}: {checked} imported wallets checked against the "
        f"original balances rounded half away from zero (negative -> 0); "
        f"{mismatched} differ"
    )
    return ok


def _ledger_consistent(ctx: ImportContext) -> bool:
    names = {
        "ledger": connection.ops.quote_name(LedgerEntry._meta.db_table),
        "wallet": connection.ops.quote_name(Wallet._meta.db_table),
    }
    if connection.vendor != "postgresql":
        ctx.report.verification.append("SKIPPED: ledger audit needs PostgreSQL")
        return True
    with connection.cursor() as cursor:
        cursor.execute(CHAIN_BREAKS_SQL.format(**names))
        breaks = cursor.fetchone()[0]
        cursor.execute(WALLET_SUMS_SQL.format(**names))
        wallets_off = cursor.fetchone()[0]
    entries = LedgerEntry.objects.count()
    ok = breaks == 0 and wallets_off == 0
    ctx.report.verification.append(
        f"{'OK' if ok else 'FAILED'}: ledger audit over {entries} entries: "
        f"{breaks} broken balance chains, {wallets_off} wallets differing from "
        "the sum of their entries or their last balance_after"
    )
    return ok


def _cashback_audit(ctx: ImportContext) -> bool:
    """What `manage.py cashback_audit` checks, when the cashback app provides it."""
    try:
        from cashback.audit import wallet_audit
    except ImportError:
        ctx.report.verification.append("SKIPPED: cashback_audit is not available")
        return True
    problems = wallet_audit()
    for problem in problems[:20]:
        ctx.report.verification.append(
            f"MISMATCH: client #{problem.client_id}: {problem.problem}"
        )
    ctx.report.verification.append(
        f"{'OK' if not problems else 'FAILED'}: cashback_audit "
        f"({'clean' if not problems else f'{len(problems)} mismatches'})"
    )
    return not problems
