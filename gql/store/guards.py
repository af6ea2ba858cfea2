"""Conditional writes: the guard every update and delete carries, and what a failed one means."""

from __future__ import annotations

from gql.errors import ConditionFailedError, ReadingNotFoundError
from gql.models import Condition, InfoPatch, Reading, ReadingKey
from gql.store.expressions import Expressions, condition_expression


def guard(ex: Expressions, expected_version: int | None, condition: Condition | None) -> str:
    # attribute_exists on the key makes a missing item fail the condition, so that update
    # never creates an item and both writes can report "not found".
    parts = [f"attribute_exists({ex.name('device_id')})"]
    if expected_version is not None:
        version = ex.name("version")
        # Items written outside this API have no version: expectedVersion 0 means that.
        parts.append(
            f"attribute_not_exists({version})"
            if expected_version == 0
            else f"{version} = {ex.value(expected_version)}"
        )
    if condition is not None:
        parts.append(condition_expression(condition, ex))
    return " AND ".join(parts)


def explain(key: ReadingKey, exc: ConditionFailedError, expected_version: int | None) -> Exception:
    current = exc.current
    if current is None:
        return ReadingNotFoundError(key)
    if expected_version is not None and (current.version or 0) != expected_version:
        return ConditionFailedError(
            f"expected version {expected_version}, but the reading is at version "
            f"{current.version or 0}",
            current,
        )
    return ConditionFailedError("the condition did not hold for the current reading", current)


def applied_by_lost_attempt(
    exc: ConditionFailedError, patch: InfoPatch, expected_version: int | None
) -> Reading | None:
    """The reading, when a retried update failed only because its first attempt was applied."""
    current = exc.current
    if not exc.retried or current is None or expected_version is None:
        return None
    if (current.version or 0) != expected_version + 1:
        return None
    info = current.info
    patched = all(getattr(info, name) == value for name, value in patch.set.items())
    removed = all(getattr(info, name) is None for name in patch.remove)
    return current if patched and removed else None
