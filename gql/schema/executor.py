"""graphql-core's executor as Strawberry configures it, without its per-subscription leak.

graphql-core 3.3 memoizes the subfields it collects per executor, keyed by the identity of
each field list (graphql-js keys the same memo on a WeakMap, so its entries die with the
lists). A subscription's executor makes one shallow copy per event, and the copies share
their parent's memo: every event adds entries that live as long as the subscription, about
3 KB per event of `readingChanges`, so a subscription that runs for days grows without bound.
Each event's executor gets a memo of its own here, which goes when the event is sent.
"""

from __future__ import annotations

from typing import Any

from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext


class Executor(StrawberryGraphQLCoreExecutionContext):
    def build_per_event_executor(self, payload: Any) -> Executor:
        executor = super().build_per_event_executor(payload)
        executor._relevant_sub_fields = {}
        return executor  # type: ignore[return-value]
