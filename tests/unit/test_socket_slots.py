"""Socket slots (gql/web/slots.py): sockets not past connection_init cannot keep others out."""

from __future__ import annotations

from gql.web.slots import Slot, SocketLimit


def admitted(limit: SocketLimit, count: int, *, acknowledge: bool = False) -> list[Slot]:
    slots = []
    for _ in range(count):
        slot = limit.admit()
        assert slot is not None
        if acknowledge:
            slot.acknowledged()
        slots.append(slot)
    return slots


def test_pending_sockets_get_a_tenth_of_the_sockets_by_default() -> None:
    assert SocketLimit(1000).max_pending == 100
    assert SocketLimit(5).max_pending == 1
    assert SocketLimit(10, pending=50).max_pending == 10  # never more than all of them


def test_a_new_socket_evicts_the_oldest_pending_one_when_the_pending_share_is_full() -> None:
    limit = SocketLimit(10, pending=3)
    evicted: list[int] = []
    slots = admitted(limit, 3)
    for index, slot in enumerate(slots):
        slot.evict = lambda index=index: evicted.append(index)  # type: ignore[misc]
    newest = limit.admit()
    assert newest is not None
    assert evicted == [0]
    assert (limit.open, limit.pending, limit.evictions) == (3, 3, 1)


def test_acknowledged_sockets_are_never_evicted() -> None:
    limit = SocketLimit(4, pending=2)
    keyed = admitted(limit, 4, acknowledge=True)
    assert limit.pending == 0
    assert limit.admit() is None  # full of authenticated sockets: the new one is refused
    keyed[0].release()
    assert limit.admit() is not None


def test_when_every_socket_is_taken_a_pending_one_makes_room() -> None:
    limit = SocketLimit(4, pending=2)
    keyed = admitted(limit, 3, acknowledge=True)
    waiting = admitted(limit, 1)[0]
    gone: list[Slot] = []
    waiting.evict = lambda: gone.append(waiting)
    assert limit.admit() is not None
    assert gone == [waiting]
    assert all(not slot.released for slot in keyed)
    assert (limit.open, limit.pending) == (4, 1)


def test_release_is_idempotent_and_frees_the_slot_once() -> None:
    limit = SocketLimit(2)
    slot = admitted(limit, 1)[0]
    slot.release()
    slot.release()
    slot.acknowledged()  # too late: nothing changes
    assert (limit.open, limit.pending) == (0, 0)
