"""Hot reads compiled once, run many times.

The ORM builds a queryset and compiles its SQL on every call. On the live write path that
cost more CPU than the database's own work: building and compiling the conversation lock's
one statement took a quarter of the server's CPU per message (profile in docs/benchmarks.md).
``Prepared`` builds the queryset once per thread and database with *placeholder* values,
keeps its SQL and the ORM's plan for turning rows into instances (``select_related`` and
annotations included), and then runs that SQL with each call's values.

    LOCK = Prepared(
        lambda pk, since: Conversation.objects.select_related("contact").filter(pk=pk)...,
        placeholders=(Placeholder.INT, Placeholder.DATETIME),
    )
    conversation = LOCK.first(conversation.pk, grace_start)

Rules for a prepared query:
- every value that differs between calls is an argument of ``build`` (a time such as "now
  minus the grace period" included); anything else is compiled in for good;
- each placeholder must reach the SQL as exactly one parameter (checked when compiling:
  a lookup that turns a value into several parameters, or drops it, is refused);
- the statement still runs through Django's cursor, so query logging and the query-count
  tests see it like any other.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators

M = TypeVar("M", bound=Model)


class Placeholder:
    """Values no real call passes, so each can be found among the compiled parameters."""

    INT = -7_306_421_001
    INT2 = -7_306_421_002
    INT3 = -7_306_421_003
    TEXT = "\x01mc-placeholder-1\x01"
    TEXT2 = "\x01mc-placeholder-2\x01"
    DATETIME = datetime(1901, 2, 3, 4, 5, 6, 789_012, tzinfo=UTC)


@dataclass
class _Plan:
    sql: str
    params: list[Any]
    slots: list[int]
    # How each call's value becomes a parameter, as the ORM adapts it (SQLite stores times
    # as text, for one).
    adapters: list[Callable[[Any], Any]]
    compiler: Any
    converters: dict[int, Any]
    model: type[Model]
    fields_start: int
    fields_end: int
    init_list: list[str]
    populators: list[Any]
    annotations: dict[str, int]


class Prepared(Generic[M]):
    def __init__(self, build: Callable[..., QuerySet[M]], placeholders: Sequence[Any]) -> None:
        self._build = build
        self._placeholders = tuple(placeholders)
        # Per thread: a compiler holds its thread's connection.
        self._local = threading.local()

    def all(self, *values: Any, using: str = DEFAULT_DB_ALIAS) -> list[M]:
        plan = self._plan(using)
        params = list(plan.params)
        for slot, adapt, value in zip(plan.slots, plan.adapters, values, strict=True):
            params[slot] = adapt(value)
        with plan.compiler.connection.cursor() as cursor:
            cursor.execute(plan.sql, params)
            rows = cursor.fetchall()
        return [self._instance(plan, row, using) for row in self._converted(plan, rows)]

    def first(self, *values: Any, using: str = DEFAULT_DB_ALIAS) -> M | None:
        found = self.all(*values, using=using)
        return found[0] if found else None

    # --- compiling -----------------------------------------------------------------------

    def _plan(self, using: str) -> _Plan:
        connection = connections[using]
        plans = getattr(self._local, "plans", None)
        if plans is None:
            plans = self._local.plans = {}
        key = (using, id(connection))
        plan = plans.get(key)
        if plan is None:
            plan = plans[key] = self._compile(using)
        return plan

    def _compile(self, using: str) -> _Plan:
        queryset = self._build(*self._placeholders)
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        params = list(params)
        adapters = [_adapter(connections[using], p) for p in self._placeholders]
        slots = [
            self._slot(params, adapt(placeholder))
            for adapt, placeholder in zip(adapters, self._placeholders, strict=True)
        ]
        select, klass_info = compiler.select, compiler.klass_info
        fields = [s[0] for s in select[0 : compiler.col_count]]
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        return _Plan(
            sql=sql,
            params=params,
            slots=slots,
            adapters=adapters,
            compiler=compiler,
            converters=compiler.get_converters(fields),
            model=klass_info["model"],
            fields_start=start,
            fields_end=end,
            init_list=[f[0].target.attname for f in select[start:end]],
            # The stubs describe Django 6's signature (with fetch_mode); this is 5.2's.
            populators=get_related_populators(klass_info, select, using),  # type: ignore[call-arg]
            annotations=dict(compiler.annotation_col_map or {}),
        )

    def _slot(self, params: list[Any], placeholder: Any) -> int:
        found = [i for i, param in enumerate(params) if param == placeholder]
        if len(found) != 1:
            raise ImproperlyConfigured(
                f"A prepared query's placeholder {placeholder!r} must become exactly one SQL "
                f"parameter, not {len(found)}."
            )
        return found[0]

    # --- rows to instances (as Django's ModelIterable does) ------------------------------

    def _converted(self, plan: _Plan, rows: list[tuple]) -> Any:
        if not plan.converters:
            return rows
        return plan.compiler.apply_converters(rows, plan.converters)

    def _instance(self, plan: _Plan, row: Sequence[Any], using: str) -> M:
        obj = plan.model.from_db(using, plan.init_list, row[plan.fields_start : plan.fields_end])
        for populator in plan.populators:
            populator.populate(row, obj)
        for name, position in plan.annotations.items():
            setattr(obj, name, row[position])
        return obj  # type: ignore[return-value]


def _adapter(connection: Any, placeholder: Any) -> Callable[[Any], Any]:
    if isinstance(placeholder, datetime):
        return connection.ops.adapt_datetimefield_value
    return _same


def _same(value: Any) -> Any:
    return value
