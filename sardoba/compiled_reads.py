"""Hot statements compiled to SQL once per database connection, then only executed.

Turning a queryset into SQL costs Django about 0.3 ms on this project's
machines for a 25-column select, as much as PostgreSQL takes to answer it
(docs/PERFORMANCE.md §8). The token check runs such a read on every
authenticated request, and `/auth/me` and `/cashback/user/{id}` add one or two
more; the app's device registration runs one UPDATE. A `CompiledRead` (or
`CompiledUpdate`) builds its queryset once per connection with sentinel
arguments, keeps the SQL and the compiler, and later runs the same SQL with the
real arguments through the connection's cursor wrappers (so query logging,
`execute_wrapper`s and query-count tests see it) and Django's own value
converters. What comes back are the rows the queryset would have returned (or
the number of rows updated).

On PostgreSQL the statements are also prepared: PostgreSQL parses and plans
each once per connection, about half of a hot read's time otherwise
(docs/PERFORMANCE.md, round 4; `DATABASE_PREPARED_READS`).

Only for statements whose SQL does not depend on the values passed (an
equality on an id, a fixed LIMIT): each sentinel must appear among the compiled
parameters (every place it appears gets the real value), which is checked when
it is compiled, and no argument may be None (Django would write IS NULL).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connections, transaction
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django.db.models import Model, QuerySet
from django.db.models.sql import UpdateQuery

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_ATTRIBUTE = "_sardoba_compiled_reads"


@dataclass(frozen=True)
class ArgumentKind:
    """How an argument of a compiled statement is recognised and bound.

    `sentinel(i)` is a value no caller passes, built into the statement in
    place of argument `i` so that its compiled parameter can be found;
    `adapt(value, connection)` is what Django's field preparation makes of a
    value of this kind, so the sentinel's parameter and the real one match.
    """

    name: str
    sentinel: Callable[[int], Any]
    adapt: Callable[[Any, Any], Any]


# An id this large is never allocated.
INT = ArgumentKind("int", lambda i: -(2**62) - i, lambda value, _c: int(value))
# No text column of the project holds a NUL character (PostgreSQL refuses them).
TEXT = ArgumentKind(
    "text", lambda i: f"\x00compiled-argument-{i}", lambda v, _c: str(v)
)
# A moment at the epoch's first microseconds; adapted as DateTimeField does.
DATETIME = ArgumentKind(
    "datetime",
    lambda i: dt.datetime(1970, 1, 2, 0, 0, 0, i + 1, tzinfo=dt.UTC),
    lambda value, connection: connection.ops.adapt_datetimefield_value(value),
)


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

    def __init__(self, compiler: Any, sentinels: Sequence[Any], *, read: bool) -> None:
        self.compiler = compiler
        sql, params = compiler.as_sql()
        self.sql = sql
        self.params = list(params)
        # positions[i]: every place argument i goes (a subquery may repeat it).
        self.positions: list[list[int]] = []
        for sentinel in sentinels:
            hits = [i for i, value in enumerate(self.params) if value == sentinel]
            if not hits:
                raise ValueError(
                    f"argument {sentinel!r} does not appear in the compiled "
                    "parameters; a compiled statement needs it at least once"
                )
            self.positions.append(hits)
        self.fields: list[Any] = []
        self.converters: dict[int, Any] = {}
        self.composite = False
        if read:
            # What `results_iter` works out on every call, once: the selected
            # fields and their value converters.
            self.fields = [c[0] for c in compiler.select[: compiler.col_count]]
            self.converters = compiler.get_converters(self.fields)
            self.composite = compiler.has_composite_fields(self.fields)

    def bind(self, values: Sequence[Any]) -> list[Any]:
        params = list(self.params)
        for positions, value in zip(self.positions, values, strict=True):
            for position in positions:
                params[position] = value
        return params

    def convert(self, fetched: Iterable[Sequence[Any]]) -> list[tuple[Any, ...]]:
        """The fetched rows with Django's converters applied, as `results_iter` does."""
        rows: Iterable[Sequence[Any]] = fetched
        if self.converters:
            rows = self.compiler.apply_converters(rows, self.converters)
        if self.composite:
            rows = self.compiler.composite_fields_to_tuples(rows, self.fields)
        return [tuple(row) for row in rows]


class _CompiledStatement:
    """What a compiled read and a compiled update share.

    The arguments' kinds, the compilation once per connection, the binding.
    """

    _read = True

    def __init__(
        self, build: Callable[..., Any], arguments: int | Sequence[ArgumentKind]
    ) -> None:
        self._build = build
        self._kinds = (
            [INT] * arguments if isinstance(arguments, int) else list(arguments)
        )

    def _compiler(self, built: Any, using: str) -> Any:
        raise NotImplementedError

    def _for(self, using: str) -> tuple[Any, _Compiled]:
        connection = connections[using]
        # Kept on the connection object (one per thread and alias), so it lives
        # and dies with it: the compiler holds that connection for its value
        # converters, and a connection is only ever used by one thread.
        compiled_here = connection.__dict__.setdefault(_ATTRIBUTE, {})
        compiled = compiled_here.get(self)
        if compiled is None:
            sentinels = [kind.sentinel(i) for i, kind in enumerate(self._kinds)]
            compiler = self._compiler(self._build(*sentinels), using)
            adapted = [
                kind.adapt(sentinel, connection)
                for kind, sentinel in zip(self._kinds, sentinels, strict=True)
            ]
            compiled = compiled_here[self] = _Compiled(
                compiler, adapted, read=self._read
            )
        return connection, compiled

    def _values(self, arguments: Sequence[Any], connection: Any) -> list[Any] | None:
        """The arguments as bound; None when an id is out of 64-bit range."""
        if len(arguments) != len(self._kinds):
            raise TypeError(
                f"expected {len(self._kinds)} arguments, got {len(arguments)}"
            )
        values = []
        for kind, value in zip(self._kinds, arguments, strict=True):
            if value is None:
                raise TypeError("a compiled statement's SQL would differ for None")
            bound = kind.adapt(value, connection)
            if kind is INT and not _INT64_MIN <= bound <= _INT64_MAX:
                # No 64-bit id equals it; Django's integer lookups answer so
                # too (SQLite would refuse to bind it).
                return None
            values.append(bound)
        return values


class CompiledRead(_CompiledStatement):
    """A values-list queryset built by `build(*arguments)`, compiled once per connection.

    `build` must return a `values_list()` queryset whose SQL is the same
    whatever arguments it is given; `arguments` is their number (ids) or
    their kinds.
    """

    def __init__(
        self,
        build: Callable[..., QuerySet[Any]],
        *,
        arguments: int | Sequence[ArgumentKind] = 1,
    ) -> None:
        super().__init__(build, arguments)

    def _compiler(self, built: QuerySet[Any], using: str) -> Any:
        return built.using(using).query.get_compiler(using=using)

    def rows(self, *arguments: Any, using: str = "default") -> list[tuple[Any, ...]]:
        """The rows the queryset built with `arguments` would return."""
        connection, compiled = self._for(using)
        values = self._values(arguments, connection)
        if values is None:
            return []
        with _cursor(connection) as cursor:
            cursor.execute(compiled.sql, compiled.bind(values))
            fetched = cursor.fetchall()
        return compiled.convert(fetched)


class CompiledUpdate(_CompiledStatement):
    """`queryset.update(**values)` compiled once per connection.

    `build(*arguments)` returns `(queryset, values)`; `execute` returns the
    number of rows updated. For updates whose SQL does not depend on the
    values (no F() of them); `arguments` gives their kinds.
    """

    _read = False

    def __init__(
        self,
        build: Callable[..., tuple[QuerySet[Any], dict[str, Any]]],
        *,
        arguments: Sequence[ArgumentKind],
    ) -> None:
        super().__init__(build, arguments)

    def _compiler(self, built: tuple[QuerySet[Any], dict[str, Any]], using: str) -> Any:
        queryset, changes = built
        # What QuerySet.update() builds before it executes.
        query = queryset.using(using).query.chain(UpdateQuery)
        query.add_update_values(changes)
        query.annotations = {}
        return query.get_compiler(using=using)

    def execute(self, *arguments: Any, using: str = "default") -> int:
        connection, compiled = self._for(using)
        values = self._values(arguments, connection)
        if values is None:
            # It may be a value to store, which the database would refuse.
            raise ValueError("an integer argument is beyond 64 bits")
        with (
            transaction.mark_for_rollback_on_error(using=using),
            _cursor(connection) as cursor,
        ):
            cursor.execute(compiled.sql, compiled.bind(values))
            return cursor.rowcount


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
    """Logs a prepared statement with its values in the SQL text.

    psycopg keeps no text of a prepared execution; Django logs its own
    server-side bound queries the same way.
    """

    def execute(self, sql: str, params: Any = None) -> Any:
        with self.debug_sql(self.db.ops.compose_sql(sql, params), params):
            return CursorWrapper.execute(self, sql, params)


def _cursor(connection: Any) -> Any:
    """A cursor of `connection` for a compiled statement: prepared on PostgreSQL."""
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
