"""Open WebSockets per process, and the share of them that has not sent connection_init yet.

Every socket starts pending: it holds a slot until its connection_init is acknowledged, when the
slot becomes an ordinary one. Two limits, then:

- at most `maximum` sockets in all (GQL_MAX_SOCKETS);
- at most `pending` of them not yet acknowledged (GQL_MAX_PENDING_SOCKETS).

A new socket that would break either limit takes the slot of the oldest pending socket, which
is closed (1013): whoever opens sockets and never authenticates only ever evicts its own
kind, so a client with a valid credential gets in unless the acknowledged sockets alone fill
the server. Only then is a new socket refused (1013, Try Again Later).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable


class Slot:
    """One socket's place. `evict` is what closes the socket when its place is taken."""

    def __init__(self, limit: SocketLimit) -> None:
        self._limit = limit
        self.pending = True
        self.released = False
        self.evict: Callable[[], None] = lambda: None

    def acknowledged(self) -> None:
        """connection_init was accepted: the socket no longer counts as pending."""
        self._limit._acknowledge(self)

    def release(self) -> None:
        """The socket is gone (or going): its place is free. Safe to call more than once."""
        self._limit._release(self)


class SocketLimit:
    def __init__(self, maximum: int, pending: int | None = None) -> None:
        self.maximum = maximum
        self.max_pending = min(pending or max(1, maximum // 10), maximum)
        self.open = 0
        self._pending: OrderedDict[Slot, None] = OrderedDict()  # oldest first
        self.evictions = 0

    @property
    def pending(self) -> int:
        return len(self._pending)

    def admit(self) -> Slot | None:
        """A slot for a new socket, evicting the oldest pending one if need be; None: full."""
        while self.open >= self.maximum or self.pending >= self.max_pending:
            if not self._pending:
                return None
            oldest, _ = self._pending.popitem(last=False)
            self._release(oldest)
            self.evictions += 1
            oldest.evict()
        slot = Slot(self)
        self.open += 1
        self._pending[slot] = None
        return slot

    def _acknowledge(self, slot: Slot) -> None:
        if slot.pending and not slot.released:
            slot.pending = False
            self._pending.pop(slot, None)

    def _release(self, slot: Slot) -> None:
        if slot.released:
            return
        slot.released = True
        self._pending.pop(slot, None)
        self.open -= 1
