"""The union results of the mutations: expected failures are members, not errors."""

from __future__ import annotations

from typing import Annotated

import strawberry

from gql.schema.types import Reading


@strawberry.type(description="The condition or expectedVersion did not hold; nothing changed.")
class ConditionFailed:
    message: str
    current: Reading | None = strawberry.field(description="The reading as it stands now.")


@strawberry.type(description="No reading has this key; nothing changed.")
class ReadingNotFound:
    message: str
    device_id: strawberry.ID
    datacount: int


PutReadingResult = Annotated[Reading | ConditionFailed, strawberry.union("PutReadingResult")]
UpdateReadingResult = Annotated[
    Reading | ConditionFailed | ReadingNotFound, strawberry.union("UpdateReadingResult")
]
DeleteReadingResult = Annotated[
    Reading | ConditionFailed | ReadingNotFound,
    strawberry.union("DeleteReadingResult", description="Reading = the reading deleted."),
]
