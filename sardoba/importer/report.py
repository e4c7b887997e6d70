"""What an import did and what needs a human decision, printed for the operator."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any, TextIO

LIST_LIMIT = 50  # rows of each list printed; the --report file holds all of them


@dataclass
class TableStats:
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0


@dataclass
class Reconciliation:
    client_id: int
    phone: str
    entries: int = 0
    total: int = 0  # signed sum of the reconciliation entries written
    final: int = 0  # the last one, bringing the wallet to the imported balance


@dataclass
class ImportReport:
    version: str = ""
    dry_run: bool = False
    tables: dict[str, TableStats] = field(
        default_factory=lambda: defaultdict(TableStats)
    )
    collisions: list[dict[str, Any]] = field(default_factory=list)
    default_password_staff: list[dict[str, Any]] = field(default_factory=list)
    reconciliations: dict[int, Reconciliation] = field(default_factory=dict)
    negative_balances: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    deleted_phones: list[dict[str, Any]] = field(default_factory=list)
    missing_files: list[dict[str, Any]] = field(default_factory=list)
    verification: list[str] = field(default_factory=list)
    verified: bool | None = None
    seconds: float = 0.0

    def stats(self, table: str) -> TableStats:
        return self.tables[table]

    def skip(self, table: str, original_id: Any, reason: str) -> None:
        self.tables[table].skipped += 1
        self.skipped.append({"table": table, "id": original_id, "reason": reason})

    def warn(self, table: str, original_id: Any, message: str) -> None:
        self.warnings.append({"table": table, "id": original_id, "warning": message})

    def reconciled(
        self, *, client_id: int, phone: str, amount: int, final: bool
    ) -> None:
        item = self.reconciliations.setdefault(
            client_id, Reconciliation(client_id=client_id, phone=phone)
        )
        item.entries += 1
        item.total += amount
        if final:
            item.final = amount

    # -- output ---------------------------------------------------------------

    def as_dict(self) -> dict[str, Any]:
        data = {
            name: getattr(self, name)
            for name in self.__dataclass_fields__
            if name not in ("tables", "reconciliations")
        }
        data["tables"] = {name: asdict(stats) for name, stats in self.tables.items()}
        data["reconciliations"] = [asdict(r) for r in self.reconciliations.values()]
        return data

    def write_json(self, stream: TextIO) -> None:
        json.dump(self.as_dict(), stream, ensure_ascii=False, indent=2, default=str)

    def render(self) -> list[str]:
        """The operator's report: counts, then every list that needs a decision."""
        lines = [
            "",
            f"Import of the original backend (schema {self.version})"
            + (" -- DRY RUN: nothing was written" if self.dry_run else ""),
            "",
            f"{'table':<28}{'read':>10}{'created':>10}{'updated':>10}"
            f"{'unchanged':>11}{'skipped':>10}",
        ]
        for name, s in self.tables.items():
            lines.append(
                f"{name:<28}{s.read:>10}{s.created:>10}{s.updated:>10}"
                f"{s.unchanged:>11}{s.skipped:>10}"
            )
        lines.append(f"Time: {self.seconds:.1f} s")
        lines += self._section(
            "Phones that collide after normalisation (not imported; resolve in the "
            "original and import again)",
            [
                f"{c['phone']}: "
                + ", ".join(f"{r['table']} #{r['id']} ({r['raw']})" for r in c["rows"])
                for c in self.collisions
            ],
        )
        lines += self._section(
            "Staff with the shipped default password (imported without a usable "
            "password; a manager must set one)",
            [
                f"staff #{s['id']} {s['phone']} {s['name']}"
                for s in self.default_password_staff
            ],
        )
        recs = sorted(self.reconciliations.values(), key=lambda r: -abs(r.total))
        lines += self._section(
            f"Balances that needed reconciliation ({len(recs)} clients, "
            f"net {sum(r.total for r in recs):+d} so'm)",
            [
                f"client #{r.client_id} {r.phone}: {r.entries} entries, net "
                f"{r.total:+d} (last {r.final:+d})"
                for r in recs
            ],
        )
        lines += self._section(
            "Negative balances in the original (imported as 0)",
            [
                f"client #{n['client_id']} {n['phone']}: {n['balance']}"
                for n in self.negative_balances
            ],
        )
        lines += self._section(
            "Released phones of deleted clients (kept with the client id)",
            [
                f"client #{d.get('client_id')}: {d.get('real_phone')}"
                + (f" (pseudo-number {d['pseudo']} given)" if d.get("pseudo") else "")
                for d in self.deleted_phones
            ],
        )
        lines += self._section(
            "Rows skipped",
            [f"{s['table']} #{s['id']}: {s['reason']}" for s in self.skipped],
        )
        lines += self._section(
            "Warnings",
            [f"{w['table']} #{w['id']}: {w['warning']}" for w in self.warnings],
        )
        lines += self._section(
            "Media files not found in --media-dir",
            [f"{m['kind']} {m['name']} ({m['url']})" for m in self.missing_files],
        )
        lines += ["", "Verification:"] + [f"  {line}" for line in self.verification]
        return lines

    @staticmethod
    def _section(title: str, items: list[str]) -> list[str]:
        lines = ["", f"{title}: {len(items)}"]
        lines += [f"  {item}" for item in items[:LIST_LIMIT]]
        if len(items) > LIST_LIMIT:
            lines.append(f"  ... and {len(items) - LIST_LIMIT} more (see --report)")
        return lines
