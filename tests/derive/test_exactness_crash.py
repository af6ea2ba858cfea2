"""Issue 16, "Crash": the history of test_exactness.py, derived by `gql derive` (a process of
its own), which is killed with SIGKILL half-way through the writes and started again; once it
has caught up, the history is exact.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from tests.derive.checks import CHANGES, SETTINGS, check_everything, report, wait_until_reflected
from tests.derive.conftest import OwnLocal
from tests.derive.scenario import Scenario, Truth
from tests.integration.conftest import Server, run_ok
from tests.integration.derive_process import DeriveProcess


def test_a_consumer_killed_mid_way_and_started_again_leaves_the_history_exact(
    own_local: OwnLocal, tmp_path: Path
) -> None:
    env = own_local.env("Crash", **SETTINGS)
    run_ok("table", "create", "--wait", env=env)
    consumer = DeriveProcess(env, tmp_path / "derive.log")
    consumer.start()
    killed = threading.Event()

    def kill_half_way(done: int) -> None:
        if done >= CHANGES // 2 and not killed.is_set():
            killed.set()
            consumer.kill()  # in the middle of whatever it was doing
            consumer.start()

    try:
        with Server(env, tmp_path) as server:
            scenario = Scenario(
                url=server.url, client=own_local.client, table="Crash", seed=17, changes=CHANGES
            )
            scenario.run(every=kill_half_way)
            written = time.time()
            caught_up = wait_until_reflected(server.http, written)
            checked = check_everything(server.http, Truth(own_local.client, "Crash"), seed=170)
    finally:
        code = consumer.stop()
    log = consumer.output()
    assert killed.is_set()
    assert consumer.starts == 2
    assert code == 0, log[-3000:]
    assert log.count("with a checkpoint") == 2
    report("crash", scenario, caught_up, checked, consumer_starts=consumer.starts)
