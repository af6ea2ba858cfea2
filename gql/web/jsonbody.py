"""Request bodies and socket messages as JSON, with numbers checked as written.

Numbers are kept as text until checked: once parsed into a double, a 39-digit value or 1e400
can no longer be told apart from a storable one.
"""

from __future__ import annotations

import json

from gql.errors import InputError
from gql.store import to_number


class _Unstorable:
    """A number as written in the body, kept as text because a double would round it."""

    def __init__(self, text: str) -> None:
        self.text = text


def _float(text: str) -> float | _Unstorable:
    try:
        to_number(text, "")
    except InputError:
        return _Unstorable(text)
    return float(text)


def _int(text: str) -> int | float | _Unstorable:
    if len(text.lstrip("-")) <= 15:  # exact as a double: the common case, kept an int
        return int(text)
    # Beyond that graphql-core's Float refuses an int it cannot hold exactly, while the same
    # number written in the document is accepted as a double: a variable is treated the same.
    return _float(text)


# Built once: json.loads with hooks builds a decoder on every call (a third of its time).
_DECODER = json.JSONDecoder(parse_float=_float, parse_int=_int, parse_constant=_Unstorable)


def decode(text: str) -> object:
    """JSON with every number kept exact enough to tell whether DynamoDB can store it."""
    return _DECODER.decode(text)


def unstorable_number(variables: object, path: str = "$") -> str | None:
    """What is wrong with the first number of `variables` DynamoDB cannot store, naming the
    variable (e.g. `$info.temperature1`); None when there is none."""
    if isinstance(variables, _Unstorable):
        where = path.replace("$.", "$", 1)
        try:
            to_number(variables.text, where)
        except InputError as exc:
            return exc.message
        return f"{where}: {variables.text} is not a number DynamoDB can store"
    items: list[tuple[str, object]] = []
    if isinstance(variables, dict):
        items = [(f"{path}.{key}", item) for key, item in variables.items()]
    elif isinstance(variables, list):
        items = [(f"{path}[{index}]", item) for index, item in enumerate(variables)]
    for where, item in items:
        problem = unstorable_number(item, where)
        if problem is not None:
            return problem
    return None
