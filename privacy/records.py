"""A stored record read back from its row, one way for every backend.

The stores' records (``StoredRequest``, ``AnswerFile``, ``ConsentRecord``…) are dataclasses whose fields are named as their table's
columns, so one reader builds any of them from a row, each value turned into its field's type. The backends differ
only in how a row gives a moment and a day back (SQLite keeps ISO 8601 text, PostgreSQL gives ``datetime`` and
``date``): each says that once, as a ``Reading``.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol, TypeVar

from .codes import Right

R = TypeVar("R")
Convert = Callable[[Any], Any]


class Row(Protocol):
    """A row by column name: ``sqlite3.Row``, psycopg's dict rows."""

    def __getitem__(self, column: str, /) -> Any: ...


@dataclass(frozen=True)
class Reading:
    """How one backend's rows give back what is neither text nor a number."""

    moment: Callable[[Any], datetime]
    day: Callable[[Any], date]


def _as_given(value: Any) -> Any:
    return value


# A driver that gives datetime and date themselves (psycopg).
NATIVE = Reading(moment=_as_given, day=_as_given)


def _rights(value: str) -> tuple[Right, ...]:
    return tuple(Right(r) for r in value.split(","))  # every backend keeps them as comma-separated text


def _optional(convert: Convert) -> Convert:
    return lambda value: None if value is None else convert(value)


def _converter(annotation: Any, reading: Reading) -> Convert | None:
    """What turns a column's value into a field of this annotation; None: the value is the field's already."""
    members = typing.get_args(annotation) if typing.get_origin(annotation) in (typing.Union, types.UnionType) else ()
    if type(None) in members:
        (inner,) = [member for member in members if member is not type(None)]
        convert = _converter(inner, reading)
        return _optional(convert) if convert else None
    if annotation is datetime:
        return reading.moment
    if annotation is date:
        return reading.day
    if annotation == tuple[Right, ...]:
        return _rights
    if annotation is bool:
        return bool  # SQLite gives 0 or 1
    if typing.get_origin(annotation) is dict:
        return json.loads  # a mapping is kept as JSON text on every backend (a proof's choices)
    return None


Columns = tuple[tuple[str, Convert | None], ...]
# Each record's columns and converters, worked out once per kind and reading (type hints are slow to resolve).
_COLUMNS: dict[tuple[type[Any], Reading], Columns] = {}


def _columns(kind: type[Any], reading: Reading) -> Columns:
    found = _COLUMNS.get((kind, reading))
    if found is None:
        hints = typing.get_type_hints(kind)
        found = tuple(
            (field.name, _converter(hints[field.name], reading)) for field in dataclasses.fields(kind) if field.init
        )
        _COLUMNS[(kind, reading)] = found
    return found


def record(kind: type[R], row: Row, reading: Reading) -> R:
    """``kind`` (a dataclass of ``privacy.stores``) from the row of its table, read as ``reading`` says."""
    # By position, in the dataclass's order: a row is read for each entry of an export, so this is kept lean.
    return kind(*[convert(row[name]) if convert else row[name] for name, convert in _columns(kind, reading)])


@dataclass(frozen=True)
class Writing:
    """How one backend keeps what is neither text nor a number (the reverse of a ``Reading``)."""

    moment: Callable[[datetime], Any]
    day: Callable[[date], Any]


NATIVE_WRITING = Writing(moment=_as_given, day=_as_given)


def insert_into(table: str, kind: type[Any], mark: str) -> str:
    """An INSERT of a record whose fields are named as ``table``'s columns; ``mark``: the driver's placeholder.
    Its parameters are ``values``, in the same order."""
    names = [field.name for field in dataclasses.fields(kind)]
    return f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join([mark] * len(names))})"


def values(item: Any, writing: Writing) -> tuple[object, ...]:
    """A record's fields in their order, as ``writing``'s backend keeps them: ``insert_into``'s parameters."""
    return tuple(_written(getattr(item, field.name), writing) for field in dataclasses.fields(item))


def _written(value: Any, writing: Writing) -> Any:
    if isinstance(value, datetime):  # before date: a datetime is a date too
        return writing.moment(value)
    if isinstance(value, date):
        return writing.day(value)
    return value
