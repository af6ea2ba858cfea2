"""Readings, keys, conditions and patches as plain values: no boto3, no strawberry."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from typing import Literal

TEMPERATURES = ("temperature1", "temperature2", "temperature3", "temperature4", "temperature5")
INFO_FIELDS = ("info_timestamp", *TEMPERATURES)


@dataclass(frozen=True, slots=True, order=True)
class ReadingKey:
    device_id: str
    datacount: int


@dataclass(frozen=True, slots=True)
class ReadingInfo:
    info_timestamp: str
    temperature1: Decimal | None = None
    temperature2: Decimal | None = None
    temperature3: Decimal | None = None
    temperature4: Decimal | None = None
    temperature5: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Reading:
    device_id: str
    datacount: int
    info: ReadingInfo
    version: int | None = None

    @property
    def key(self) -> ReadingKey:
        return ReadingKey(self.device_id, self.datacount)


@dataclass(frozen=True, slots=True)
class InfoPatch:
    """Fields in `set` are written, fields in `remove` deleted, all others left alone."""

    set: dict[str, str | Decimal] = field(default_factory=dict)
    remove: frozenset[str] = frozenset()


class Order(Enum):
    ASC = "ASC"
    DESC = "DESC"


CompareOp = Literal["eq", "ne", "lt", "lte", "gt", "gte", "between", "begins_with", "exists"]
Scalar = str | Decimal
Operand = Scalar | tuple[Scalar, Scalar] | bool


@dataclass(frozen=True, slots=True)
class Compare:
    """`info.<field> <op> value`; `between` takes a pair, `exists` a bool."""

    field: str
    op: CompareOp
    value: Operand


@dataclass(frozen=True, slots=True)
class AllOf:
    conditions: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    conditions: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class Not:
    condition: Condition


Condition = Compare | AllOf | AnyOf | Not

KeyOp = Literal["eq", "lt", "lte", "gt", "gte", "between"]


@dataclass(frozen=True, slots=True)
class DatacountRange:
    """One sort-key operator on `datacount`; `between` takes an inclusive pair."""

    op: KeyOp
    value: int | tuple[int, int]


@dataclass(frozen=True, slots=True)
class Page:
    """Readings of one page; `resume` continues after them, None when nothing is left."""

    readings: list[Reading]
    resume: ReadingKey | None
    has_more: bool
    budget_spent: bool = False


class ChangeKind(Enum):
    INSERT = "INSERT"
    MODIFY = "MODIFY"
    REMOVE = "REMOVE"


@dataclass(frozen=True, slots=True)
class Change:
    """One change to a reading, as the table's stream recorded it (or, on the embedded
    backend, as the store made it). `new` is None for REMOVE, `old` None for INSERT."""

    kind: ChangeKind
    key: ReadingKey
    new: Reading | None
    old: Reading | None
    # Epoch seconds, as precise as the source reports them (DynamoDB Local: the minute).
    changed_at: float
    # The stream's sequence number; empty when the change did not come from a stream.
    sequence: str = ""
