"""The HTTP side of the query lane (gql/schema/lane.py): which requests it is offered.

A POST whose body is a JSON object, or a GET with `query` or `extensions` in its URL, with
no field but `query`, `variables`, `operationName` and `extensions`, each of the type the
GraphQL-over-HTTP spec gives it. Everything else, and anything that does not decode, goes
Strawberry's way, which answers it as it always did: the lane never answers an error of the
request's shape itself.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cross_web import HTTPException
from starlette.requests import Request
from strawberry.http.parse_content_type import parse_content_type

JSON = "application/json"
FIELDS = frozenset({"query", "variables", "operationName", "extensions"})


@dataclass(frozen=True, slots=True)
class Offer:
    query: str | None
    variables: dict[str, Any] | None
    operation_name: str | None
    extensions: dict[str, Any] | None


@functools.lru_cache(maxsize=64)
def mime_type(content_type: str) -> str:
    """The header's type without its parameters; parsed by the email package (10 us), so
    the few values clients send are remembered."""
    return parse_content_type(content_type)[0]


async def offer_of(request: Request, decode: Callable[[str | bytes], object]) -> Offer | None:
    """The request's GraphQL fields, if the lane may be offered it; `decode` is the view's."""
    fields: Any
    if request.method == "POST":
        if mime_type(request.headers.get("content-type", "")) != JSON:
            return None
        raw = await request.body()  # kept by the request: Strawberry's way reads it again
        fields = _decoded(raw, decode)
    elif request.method == "GET":
        params = request.query_params
        if "query" not in params and "extensions" not in params:  # GraphiQL, or nothing to run
            return None
        fields = dict(params)  # as Strawberry reads them: the last of a repeated name
        for field in ("variables", "extensions"):
            if fields.get(field):  # an empty value is Strawberry's to refuse
                fields[field] = _decoded(fields[field], decode)
    else:
        return None
    if type(fields) is not dict or not fields.keys() <= FIELDS:
        return None
    query, name = fields.get("query"), fields.get("operationName")
    variables, extensions = fields.get("variables"), fields.get("extensions")
    if not (isinstance(query, str | None) and isinstance(name, str | None)):
        return None
    if not (isinstance(variables, dict | None) and isinstance(extensions, dict | None)):
        return None
    return Offer(query, variables, name, extensions)


_UNDECODED = object()  # of no type a field may have: the request is not offered


def _decoded(raw: str | bytes, decode: Callable[[str | bytes], object]) -> Any:
    try:
        return decode(raw)
    except (ValueError, HTTPException):
        return _UNDECODED
