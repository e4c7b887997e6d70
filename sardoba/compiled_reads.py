"""Hot reads compiled to SQL once per database connection, then only executed.

Turning a queryset into SQL costs Django about 0.3 ms on this project's
machines for a 25-column select, as much as PostgreSQL takes to answer it
(docs/PERFORMANCE.md §8). The token check runs such a read on every
authenticated request, and `/auth/me` and `/cashback/user/{id}` add one or two
more. A `CompiledRead` builds its queryset once per connection with sentinel
arguments, keeps the SQL and the compiler, and later runs the same SQL with the
real arguments through the connection's ordinary cursor (so query logging,
`execute_wrapper`s and query-count tests see it) and Django's own value
converters. What comes back are the rows the queryset would have returned.

Only for reads whose SQL does not depend on the values passed (an equality on
an id, a fixed LIMIT): each sentinel must appear among the compiled parameters
(every place it appears gets the real value), which is checked when it is
compiled.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import connections
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django.db.models import Model, QuerySet

# Values no caller passes: an id this large is never allocated.
_SENTINEL_BASE = -(2**62)
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_ATTRIBUTE = "_sardoba_compiled_reads"


@functools.cache
def concrete_attnames(model: type[Model]) -> tuple[str, ...]:
    """The model's columns in the order `Model.from_db` takes them."""
    return tuple(field.attname for field in model._meta.concrete_fields)


class _Compiled:
    __slots__ = (
        "compiler",
        "composite",
        "converters",
        "fields",
        "params",
        "positions",
        "sql",
    )

    def __init__(self, queryset: QuerySet[Any], sentinels: Sequence[int]) -> None:
        self.compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = self.compiler.as_sql()
        self.sql = sql
        self.params = list(params)
        # positions[i]: every place argument i goes (a subquery may repeat it).
        self.positions: list[list[int]] = []
        for sentinel in sentinels:
            hits = [i for i, value in enumerate(self.params) if value == sentinel]
            if not hits:
                raise ValueError(
                    f"argument {sentinel} does not appear in the compiled "
                    "parameters; a CompiledRead needs it at least once"
                )
            self.positions.append(hits)
        # What `results_iter` works out on every call, once: the selected
        # fields and their value converters.
        compiler = self.compiler
        self.fields = [column[0] for column in compiler.select[: compiler.col_count]]
        self.converters = compiler.get_converters(self.fields)
        self.composite = compiler.has_composite_fields(self.fields)

    def convert(self, fetched: Iterable[Sequence[Any]]) -> list[tuple[Any, ...]]:
        """The fetched rows with Django's converters applied, as `results_iter` does."""
        rows: Iterable[Sequence[Any]] = fetched
        if self.converters:
            rows = self.compiler.apply_converters(rows, self.converters)
        if self.composite:
            rows = self.compiler.composite_fields_to_tuples(rows, self.fields)
        return [tuple(row) for row in rows]


class CompiledRead:
    """A values-list queryset built by `build(*arguments)`, compiled once per connection.

    `build` must return a `values_list()` queryset whose SQL is the same
    whatever integer arguments it is given.
    """

    def __init__(
        self, build: Callable[..., QuerySet[Any]], *, arguments: int = 1
    ) -> None:
        self._build = build
        self._sentinels = [_SENTINEL_BASE - i for i in range(arguments)]

    def _for(self, using: str) -> tuple[Any, _Compiled]:
        connection = connections[using]
        # Kept on the connection object (one per thread and alias), so it lives
        # and dies with it: the compiler holds that connection for its value
        # converters, and a connection is only ever used by one thread.
        compiled_here = connection.__dict__.setdefault(_ATTRIBUTE, {})
        compiled = compiled_here.get(self)
        if compiled is None:
            queryset = self._build(*self._sentinels).using(using)
            compiled = compiled_here[self] = _Compiled(queryset, self._sentinels)
        return connection, compiled

    def rows(self, *arguments: int, using: str = "default") -> list[tuple[Any, ...]]:
        """The rows the queryset built with `arguments` would return."""
        if len(arguments) != len(self._sentinels):
            raise TypeError(
                f"expected {len(self._sentinels)} arguments, got {len(arguments)}"
            )
        values = [int(value) for value in arguments]
        if any(not _INT64_MIN <= value <= _INT64_MAX for value in values):
            # No 64-bit id equals it; Django's integer lookups answer so too
            # (SQLite would refuse to bind it).
            return []
        connection, compiled = self._for(using)
        params = list(compiled.params)
        for positions, value in zip(compiled.positions, values, strict=True):
            for position in positions:
                params[position] = value
        with _cursor(connection) as cursor:
            cursor.execute(compiled.sql, params)
            fetched = cursor.fetchall()
        return compiled.convert(fetched)


@functools.cache
def _preparing_cursor_class() -> type:
    from django.db.backends.postgresql.base import ServerBindingCursor

    class PreparingCursor(ServerBindingCursor):
        """Binds on the server and has every statement prepared.

        PostgreSQL parses and plans each SQL text once per connection.
        """

        def execute(self, query, params=None, *, prepare=None, binary=None):  # type: ignore[no-untyped-def]
            return super().execute(query, params, prepare=True, binary=binary)

    return PreparingCursor


class _PreparedDebugCursor(CursorDebugWrapper):
    """Logs a prepared read with its values in the SQL text.

    psycopg keeps no text of a prepared execution; Django logs its own
    server-side bound queries the same way.
    """

    def execute(self, sql: str, params: Any = None) -> Any:
        with self.debug_sql(self.db.ops.compose_sql(sql, params), params):
            return CursorWrapper.execute(self, sql, params)


def _cursor(connection: Any) -> Any:
    """A cursor of `connection` for a compiled read: prepared on PostgreSQL."""
    if connection.settings_dict["OPTIONS"].get("prepare_threshold") is None:
        return connection.cursor()  # SQLite, or prepared reads turned off
    from django.db.backends.postgresql.base import TIMESTAMPTZ_OID, register_tzloader
    from psycopg.pq import Format

    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        raw = _preparing_cursor_class()(connection.connection)
        # As Django's own cursors: the session's time zone if it has changed.
        loader = connection.connection.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
        if connection.timezone != loader.timezone:
            register_tzloader(connection.timezone, raw)
        if connection.queries_logged:
            return _PreparedDebugCursor(raw, connection)
        return connection.make_cursor(raw)


def instance_from_row(
    model: type[Model], row: Sequence[Any], start: int, using: str = "default"
) -> tuple[Model | None, int]:
    """The `model` instance in `row[start:]` (its concrete columns), and where it ends.

    None when its primary key is NULL: the row of a LEFT JOIN that found nothing.
    """
    names = concrete_attnames(model)
    end = start + len(names)
    values = tuple(row[start:end])
    if values[names.index(model._meta.pk.attname)] is None:
        return None, end
    return model.from_db(using, list(names), values), end
