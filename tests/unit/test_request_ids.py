"""New request ids: unique per request and per process, also across a fork (uvicorn's workers)."""

from __future__ import annotations

import os

from gql.observe.requestlog import request_id_from


def test_new_ids_are_32_hex_digits_and_do_not_repeat() -> None:
    ids = [request_id_from(None) for _ in range(10_000)]
    assert all(len(i) == 32 and int(i, 16) >= 0 for i in ids)
    assert len(set(ids)) == len(ids)


def test_a_forked_child_does_not_repeat_its_parents_ids() -> None:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its next ids, to the parent
        try:
            os.write(write, " ".join(request_id_from(None) for _ in range(3)).encode())
        finally:
            os._exit(0)
    os.close(write)
    parents = [request_id_from(None) for _ in range(3)]
    with os.fdopen(read) as pipe:
        childs = pipe.read().split()
    os.waitpid(pid, 0)
    assert len(childs) == 3
    # Without a new seed in the child both would draw the same sequence from the fork on.
    assert not set(childs) & set(parents)
