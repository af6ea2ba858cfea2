"""GQL_PIN_CPU: each server process runs on one CPU of those it may use.

A request's DynamoDB call runs on a thread of the store's pool while the event loop waits for
it. When the two threads are on different CPUs, every hand-over wakes the other CPU (on a VM,
an interrupt through the hypervisor) and runs botocore there with cold caches; the GIL lets
only one of the threads run Python at a time anyway. On one CPU the hand-over is a switch
between two threads. README "Pinning to a CPU" has the figures.

Off by default: a process sees only its own CPU set. Containers on one host whose CPU sets
are the whole host do not see each other's claims, and two may take the same CPU. The workers
of one `gql serve --workers N` do know of each other: each claims a CPU under a name derived
from their common parent (an abstract Unix socket, which the kernel frees when its process
dies, so a worker started again takes the CPU its predecessor left), and they take different
CPUs while there are CPUs enough.
"""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import Callable, Sequence

# The claims this process holds: open for its whole life.
_claims: list[socket.socket] = []


def supported() -> bool:
    return hasattr(os, "sched_setaffinity") and os.path.isdir("/proc/self/task")


def pin_to_one_cpu(group: str | None = None) -> int:
    """Pin every thread of this process (and those it starts later) to one CPU; return it.

    The CPU is the first of those allowed, starting from the one this process runs on now
    (where the kernel placed it), that no other process of `group` has claimed. `group`
    defaults to this process's parent: the workers of one server are its children.
    """
    allowed = sorted(os.sched_getaffinity(0))
    group = group if group is not None else str(os.getppid())
    cpu = choose(in_order_from(allowed, current_cpu()), lambda c: claim(group, c))
    for thread in os.listdir("/proc/self/task"):
        with contextlib.suppress(ProcessLookupError):  # a thread that has just ended
            os.sched_setaffinity(int(thread), {cpu})
    return cpu


def in_order_from(allowed: Sequence[int], first: int | None) -> list[int]:
    """`allowed`, starting at `first` (when allowed) and wrapping around."""
    if first not in allowed:
        return list(allowed)
    at = allowed.index(first)
    return [*allowed[at:], *allowed[:at]]


def choose(candidates: Sequence[int], take: Callable[[int], bool]) -> int:
    """The first candidate `take` accepts; the first of all when every one is taken (more
    processes than CPUs: they share, as they would unpinned)."""
    for cpu in candidates:
        if take(cpu):
            return cpu
    return candidates[0]


def claim(group: str, cpu: int) -> bool:
    """Hold the name of `cpu` in `group` for this process's life; False if another has it."""
    held = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        held.bind(f"\0gql-cpu-{group}-{cpu}")
    except OSError:  # EADDRINUSE: claimed by a live process
        held.close()
        return False
    _claims.append(held)
    return True


def release_claims() -> None:
    """Let go of this process's claims (tests; a process's end does this by itself)."""
    while _claims:
        _claims.pop().close()


def current_cpu() -> int | None:
    """The CPU this process last ran on (field 39 of /proc/self/stat); None if unreadable."""
    try:
        with open("/proc/self/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return int(fields[36])
    except (OSError, IndexError, ValueError):
        return None
