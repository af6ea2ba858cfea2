"""GQL_PIN_CPU (gql/web/affinity.py): one CPU per server process, a different one per worker.

Whatever pins runs in a child process: pinning the test process would change every test after.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

import pytest

from gql.config import Settings
from gql.errors import ConfigError
from gql.web import affinity

pytestmark = pytest.mark.skipif(
    not affinity.supported(), reason="pinning needs Linux (sched_setaffinity, /proc)"
)

# A child that starts a thread, pins, starts another, and prints its CPU and every thread's set.
PIN_AND_REPORT = """
import json, os, sys, threading
from gql.web import affinity
stop = threading.Event()
threading.Thread(target=stop.wait).start()  # started before the pin: pinned all the same
cpu = affinity.pin_to_one_cpu(sys.argv[1])
threading.Thread(target=stop.wait).start()  # started after: inherits the pin
sets = {tuple(sorted(os.sched_getaffinity(int(t)))) for t in os.listdir("/proc/self/task")}
print(json.dumps([cpu, len(os.listdir("/proc/self/task")), sorted(sets)]), flush=True)
sys.stdin.read()  # hold the claim until the test lets go
stop.set()
"""


def start_pinning(group: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", PIN_AND_REPORT, group],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def report(child: subprocess.Popen[str]) -> tuple[int, int, list[list[int]]]:
    """The child's CPU, its number of threads and the distinct CPU sets of its threads."""
    assert child.stdout is not None
    cpu, threads, sets = json.loads(child.stdout.readline())
    return cpu, threads, sets


def finish(child: subprocess.Popen[str]) -> None:
    child.communicate("", timeout=30)


def test_every_thread_of_the_process_is_pinned_to_one_allowed_cpu() -> None:
    child = start_pinning(uuid.uuid4().hex)
    try:
        cpu, threads, sets = report(child)
    finally:
        finish(child)
    assert cpu in os.sched_getaffinity(0)
    assert threads >= 3  # the main thread and the two started
    assert sets == [[cpu]]


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs two CPUs to tell apart")
def test_processes_of_one_group_take_different_cpus_and_a_freed_cpu_is_taken_again() -> None:
    group = uuid.uuid4().hex
    first, second = start_pinning(group), start_pinning(group)
    try:
        first_cpu, second_cpu = report(first)[0], report(second)[0]
        assert first_cpu != second_cpu
        finish(first)  # its claim ends with it (a worker that died and is started again)
        third = start_pinning(group)
        try:
            third_cpu = report(third)[0]
        finally:
            finish(third)
    finally:
        for child in (first, second):
            if child.poll() is None:
                finish(child)
    assert third_cpu != second_cpu
    if len(os.sched_getaffinity(0)) == 2:
        assert third_cpu == first_cpu


def test_a_claim_is_held_until_released() -> None:
    group = uuid.uuid4().hex
    try:
        assert affinity.claim(group, 0)
        assert not affinity.claim(group, 0)
        assert affinity.claim(group, 1)  # another CPU of the group
        assert affinity.claim(uuid.uuid4().hex, 0)  # the same CPU in another group
    finally:
        affinity.release_claims()
    assert affinity.claim(group, 0)
    affinity.release_claims()


def test_the_order_starts_where_the_process_runs_and_wraps() -> None:
    assert affinity.in_order_from([0, 1, 2, 3], 2) == [2, 3, 0, 1]
    assert affinity.in_order_from([0, 2], 1) == [0, 2]  # not allowed: the allowed order
    assert affinity.in_order_from([0, 2], None) == [0, 2]


def test_the_first_cpu_free_is_chosen_and_the_first_of_all_when_none_is() -> None:
    assert affinity.choose([2, 3, 0], lambda cpu: cpu != 2) == 3
    assert affinity.choose([2, 3, 0], lambda cpu: False) == 2


def test_the_setting_is_off_by_default_and_read_as_a_boolean() -> None:
    assert Settings.from_env({}).pin_cpu is False
    assert Settings.from_env({"GQL_PIN_CPU": "true"}).pin_cpu is True
    with pytest.raises(ConfigError, match="GQL_PIN_CPU: 'one' is not a boolean"):
        Settings.from_env({"GQL_PIN_CPU": "one"})
