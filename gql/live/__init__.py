"""Live changes: one change source fanned out to every subscriber. Plain asyncio.

hub.py         the hub: one reader task per source, fan-out, shutdown
subscriber.py  a subscription's interest (device, kinds, filter) and its bounded buffer
"""

from gql.live.hub import ChangeSource, Hub, Interest, Subscriber

__all__ = ["ChangeSource", "Hub", "Interest", "Subscriber"]
