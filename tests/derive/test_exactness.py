"""Issue 16, "Exactness" and "Crash": a seeded random history of at least 5,000 changes over 24
devices, on a DynamoDB Local of the test's own; once `history.backlog` is 0, `devices` and 200
random stats and series equal what a full scan of the table says.

Exactness: the consumer runs inside `gql serve --derive`. Crash: it runs as `gql derive`, is
killed with SIGKILL half-way through the writes, and started again. Lambda: the stream's records,
in Lambda's event shape, go to gql.derive.lambda_handler in batches, one of them twice and one
with a record that is not a reading's, which the answer names alone.
"""

from __future__ import annotations

import copy
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from gql.derive import lambdas
from gql.derive.lambdas import lambda_handler
from tests.derive.checks import check_everything, graphql, wait_until_reflected
from tests.derive.conftest import OwnLocal
from tests.derive.recording import lambda_events
from tests.derive.scenario import Scenario, Truth
from tests.integration.conftest import GQL, Server, run_ok

CHANGES = 5000
BATCH = 250  # records per Lambda invocation
SETTINGS = {
    # Every answer is checked complete: the budgets are not what these tests are about.
    "GQL_HISTORY_READ_BUDGET": "200000",
    "GQL_REQUEST_TIMEOUT": "60",
    "GQL_READ_TIMEOUT": "30",
    "GQL_STREAM_POLL_SECONDS": "0.2",
}


def report(name: str, scenario: Scenario, seconds: float, checked: object, **more: object) -> None:
    """The figures of a run, for the note: `seconds` is how long deriving took after the
    last write (for the Lambda test, how long the handler took over all the batches)."""
    kinds = ", ".join(f"{k}: {n}" for k, n in sorted(scenario.kinds.items()))
    print(
        f"\n{name}: {scenario.done} changes ({kinds}); derived in {seconds:.1f} s after the "
        f"last write; checked {checked}; {more}"
    )


def test_a_random_history_derived_by_serve_derive_is_exact(
    own_local: OwnLocal, tmp_path: Path
) -> None:
    env = own_local.env("Exact", **SETTINGS)
    run_ok("table", "create", "--wait", env=env)
    with Server(env, tmp_path, "--derive") as server:
        scenario = Scenario(
            url=server.url, client=own_local.client, table="Exact", seed=16, changes=CHANGES
        )
        started = time.monotonic()
        scenario.run()
        written = time.time()
        writing = time.monotonic() - started
        caught_up = wait_until_reflected(server.http, written)
        checked = check_everything(server.http, Truth(own_local.client, "Exact"), seed=160)
    assert scenario.done >= CHANGES
    assert len(scenario.kinds) >= 8
    report("exactness", scenario, caught_up, checked, writing_seconds=round(writing, 1))


class Consumer:
    """`gql derive` as a process of its own, that can be killed and started again."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = env
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [str(GQL), "derive"],
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.starts += 1

    def kill(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> int:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=60)


def test_a_consumer_killed_mid_way_and_started_again_leaves_the_history_exact(
    own_local: OwnLocal, tmp_path: Path
) -> None:
    env = own_local.env("Crash", **SETTINGS)
    run_ok("table", "create", "--wait", env=env)
    consumer = Consumer(env, tmp_path / "derive.log")
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
    log = consumer.log.read_text()
    assert killed.is_set()
    assert consumer.starts == 2
    assert code == 0, log[-3000:]
    assert log.count("with a checkpoint") == 2
    report("crash", scenario, caught_up, checked, consumer_starts=consumer.starts)


def test_the_lambda_handler_fed_the_stream_in_batches_leaves_the_history_exact(
    own_local: OwnLocal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = own_local.env("Lambda", **SETTINGS)
    run_ok("table", "create", "--wait", env=env)
    for name, value in env.items():
        if name.startswith(("AWS_", "GQL_")):
            monkeypatch.setenv(name, value)  # the function's configuration
    monkeypatch.setattr(lambdas, "_runtime", None)
    with Server(env, tmp_path) as server:
        scenario = Scenario(
            url=server.url, client=own_local.client, table="Lambda", seed=18, changes=CHANGES
        )
        scenario.run()
        records = lambda_events(own_local.client, own_local.streams, "Lambda")
        bad = copy.deepcopy(records[1234])
        bad["dynamodb"]["Keys"] = {"device_id": {"S": "dev-01"}}  # no datacount: not a reading's
        bad["dynamodb"]["SequenceNumber"] = "1" + "0" * 20
        batches = [records[i : i + BATCH] for i in range(0, len(records), BATCH)]
        batches[3] = [*batches[3][:40], bad, *batches[3][40:]]
        batches.insert(6, batches[5])  # Lambda retrying a whole batch
        started = time.monotonic()
        answers = [lambda_handler({"Records": batch}, None) for batch in batches]
        handled = time.monotonic() - started
        failures = [a["batchItemFailures"] for a in answers]
        checked = check_everything(server.http, Truth(own_local.client, "Lambda"), seed=180)
        status = graphql(server.http, "{ history { upTo backlog consuming } }")["history"]
    assert failures[3] == [{"itemIdentifier": bad["dynamodb"]["SequenceNumber"]}]
    assert [f for n, f in enumerate(failures) if n != 3] == [[]] * (len(batches) - 1)
    assert status["consuming"] is True
    assert status["backlog"] == 0
    report(
        "lambda",
        scenario,
        handled,
        checked,
        records=len(records),
        batches=len(batches),
        failures=failures[3],
    )
