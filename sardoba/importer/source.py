"""Reading the original backend's PostgreSQL database (`original-schema.md`).

One plain psycopg connection in a single REPEATABLE READ, READ ONLY transaction,
so every table is read from the same snapshot while the original keeps serving.
Big tables are streamed through server-side (named) cursors in batches. Columns
that only the later version has are detected in `information_schema` and read
as NULL when missing.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

LATER_MARKER = ("users", "surname")
APPEND_ONLY = frozenset({"cashback_transactions", "auth_logs"})
_cursor_numbers = itertools.count(1)


class OriginalDatabase:
    """A read-only view of the original database, either schema version."""

    def __init__(self, url: str) -> None:
        self.connection = psycopg.connect(url, autocommit=False, row_factory=dict_row)
        self.connection.execute(
            "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"
        )
        rows = self.connection.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema()"
        ).fetchall()
        self.columns: dict[str, set[str]] = {}
        for row in rows:
            self.columns.setdefault(row["table_name"], set()).add(row["column_name"])

    def close(self) -> None:
        self.connection.rollback()
        self.connection.close()

    @property
    def version(self) -> str:
        table, column = LATER_MARKER
        return "2026-02-13" if self.has(table, column) else "2025-12-15"

    def has(self, table: str, column: str | None = None) -> bool:
        if column is None:
            return table in self.columns
        return column in self.columns.get(table, set())

    def select(
        self,
        table: str,
        columns: Sequence[str],
        *,
        where: sql.Composable | None = None,
        order_by: Sequence[str] = ("id",),
    ) -> sql.Composed:
        """`SELECT` the columns of a table, NULL for those this version lacks."""
        parts = [
            sql.Identifier(column)
            if self.has(table, column)
            else sql.SQL("NULL AS {}").format(sql.Identifier(column))
            for column in columns
        ]
        query = sql.SQL("SELECT {} FROM {}").format(
            sql.SQL(", ").join(parts), sql.Identifier(table)
        )
        if where is not None:
            query += sql.SQL(" WHERE ") + where
        if order_by:
            query += sql.SQL(" ORDER BY ") + sql.SQL(", ").join(
                sql.Identifier(column) for column in order_by
            )
        return query

    def since_filter(self, table: str, since: Any) -> sql.Composable | None:
        """Rows written at or after `since` (None: read the whole table).

        By `updated_at`; by `created_at` only for append-only tables. Tables edited
        in place without `updated_at` (inbox read state, news, catalog) are read
        whole, so `--since` never misses a change.
        """
        if since is None:
            return None
        if self.has(table, "updated_at"):
            column = "updated_at"
        elif table in APPEND_ONLY and self.has(table, "created_at"):
            column = "created_at"
        else:
            return None
        return sql.SQL("{} >= {}").format(sql.Identifier(column), sql.Literal(since))

    def count(self, table: str, where: sql.Composable | None = None) -> int:
        query = sql.SQL("SELECT count(*) AS n FROM {}").format(sql.Identifier(table))
        if where is not None:
            query += sql.SQL(" WHERE ") + where
        row = self.connection.execute(query).fetchone()
        return int(row["n"]) if row else 0

    def fetch_all(
        self, query: sql.Composable | str, params: Sequence[Any] = ()
    ) -> list[dict[str, Any]]:
        return self.connection.execute(query, params).fetchall()  # type: ignore[arg-type]

    def stream(
        self, query: sql.Composable | str, params: Sequence[Any] = (), size: int = 1000
    ) -> Iterator[list[dict[str, Any]]]:
        """Yield the rows of `query` in lists of `size` from a server-side cursor."""
        name = f"sardoba_import_{next(_cursor_numbers)}"
        with self.connection.cursor(name=name, row_factory=dict_row) as cursor:
            cursor.itersize = size
            cursor.execute(query, params)  # type: ignore[arg-type]
            while rows := cursor.fetchmany(size):
                yield rows
