"""Live changes: one change source fanned out to every subscriber. Plain asyncio.

hub.py         the hub: one reader task per source, fan-out, shutdown
subscriber.py  a subscription's interest (device, kinds, filter) and its bounded buffer
source.py      the change sources: a blocking one on a thread of its own, or an asyncio one
"""

from gql.live.hub import AsyncChangeSource, ChangeSource, Hub, Interest, Subscriber
from gql.live.subscriber import Failing, Tally

__all__ = [
    "AsyncChangeSource",
    "ChangeSource",
    "Failing",
    "Hub",
    "Interest",
    "Subscriber",
    "Tally",
]
