"""Issue 16's Exactness, Crash and Lambda tests, on one recorded history.

A seeded random history of at least 5,000 changes over 24 devices (tests/derive/scenario.py)
is written once, through the API and with plain boto3, to a table on a DynamoDB Local of the
module's own. Three consumers derive all of it, each into a history table of its own
(GQL_HISTORY_TABLE), and each test checks its own against a full scan of the table: `devices`,
every device's stats, and 200 random stats and series (tests/derive/checks.py):
- Exactness: `gql serve --derive`, the server the writes go through (ExactHistory);
- Crash: `gql derive`, a process of its own, reading the stream while the writes are made,
  killed with SIGKILL half-way through them and started again (CrashHistory);
- Lambda: after the writes, the stream's records in Lambda's event shape, fed to
  gql.derive.lambda_handler in batches, one of them delivered twice (Lambda retrying it) and one
  with a record that is not a reading's, which the answer names alone (LambdaHistory).

The history is written once because writing it is half the cost of each run; each consumer
still reads the stream (or is fed it) from the start and derives every change itself. Two
consumers of one stream also fix the time index of the same readings: each fix is conditional
on the reading's timestamp, so the second finds it done and changes nothing.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest

from gql.derive import lambdas
from gql.derive.lambdas import lambda_handler
from tests.conftest import LOCAL_URL, NO_LOCAL
from tests.derive.checks import (
    CHANGES,
    SETTINGS,
    check_everything,
    graphql,
    report,
    wait_until_reflected,
)
from tests.derive.conftest import OwnLocal
from tests.derive.recording import lambda_events
from tests.derive.scenario import Scenario, Truth
from tests.integration.conftest import Server, run_ok
from tests.integration.derive_process import DeriveProcess

TABLE = "Exact"
BATCH = 1000  # records per Lambda invocation: the top of the README's BatchSize


@dataclass
class Recorded:
    local: OwnLocal
    scenario: Scenario
    truth: Truth
    logs: Path
    serving: Server  # gql serve --derive: ExactHistory
    crash: Server  # gql serve over CrashHistory
    consumer: DeriveProcess  # the gql derive that was killed and started again
    consumer_code: int
    killed: bool
    caught_up: dict[str, float]

    def env(self, history: str) -> dict[str, str]:
        return self.local.env(TABLE, GQL_HISTORY_TABLE=history, **SETTINGS)


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Recorded]:
    if not LOCAL_URL:
        pytest.skip(NO_LOCAL)  # only inside the private network namespace
    logs = tmp_path_factory.mktemp("exactness")
    with ExitStack() as stack:
        local = OwnLocal(logs / "dynamodb-local.log")
        stack.callback(local.streams.close)
        stack.callback(local.client.close)
        stack.callback(local.stop)
        local.start()
        env: dict[str, dict[str, str]] = {}
        for history in ("ExactHistory", "CrashHistory", "LambdaHistory"):
            env[history] = local.env(TABLE, GQL_HISTORY_TABLE=history, **SETTINGS)
            run_ok("table", "create", "--wait", env=env[history])  # the table, then each history

        consumer = DeriveProcess(env["CrashHistory"], logs / "derive.log")
        consumer.start()
        stack.callback(consumer.kill)
        killed = threading.Event()

        def kill_half_way(done: int) -> None:
            if done >= CHANGES // 2 and not killed.is_set():
                killed.set()
                consumer.kill()  # in the middle of whatever it was doing
                consumer.start()

        (logs / "serving").mkdir()
        serving = stack.enter_context(Server(env["ExactHistory"], logs / "serving", "--derive"))
        scenario = Scenario(
            url=serving.url, client=local.client, table=TABLE, seed=16, changes=CHANGES
        )
        scenario.run(every=kill_half_way)
        written = time.time()
        caught_up = {"serve --derive": wait_until_reflected(serving.http, written)}
        (logs / "crash").mkdir()
        crash = stack.enter_context(Server(env["CrashHistory"], logs / "crash"))
        caught_up["gql derive"] = wait_until_reflected(crash.http, written)
        code = consumer.stop()
        yield Recorded(
            local=local,
            scenario=scenario,
            truth=Truth(local.client, TABLE),
            logs=logs,
            serving=serving,
            crash=crash,
            consumer=consumer,
            consumer_code=code,
            killed=killed.is_set(),
            caught_up=caught_up,
        )


def _backend(request: pytest.FixtureRequest) -> None:
    request.node.user_properties.append(("backend", "dynamodb-local"))


def test_a_random_history_derived_by_serve_derive_is_exact(
    recorded: Recorded, request: pytest.FixtureRequest
) -> None:
    _backend(request)
    checked = check_everything(recorded.serving.http, recorded.truth, seed=160)
    scenario = recorded.scenario
    assert scenario.done >= CHANGES
    assert len(recorded.truth.by_device) >= 20
    assert len(scenario.kinds) >= 9, scenario.kinds
    report("exactness", scenario, recorded.caught_up["serve --derive"], checked)


def test_a_consumer_killed_mid_way_and_started_again_leaves_the_history_exact(
    recorded: Recorded, request: pytest.FixtureRequest
) -> None:
    _backend(request)
    checked = check_everything(recorded.crash.http, recorded.truth, seed=170)
    log = recorded.consumer.output()
    assert recorded.killed
    assert recorded.consumer.starts == 2
    assert recorded.consumer_code == 0, log[-3000:]
    assert log.count("with a checkpoint") == 2
    report(
        "crash",
        recorded.scenario,
        recorded.caught_up["gql derive"],
        checked,
        consumer_starts=recorded.consumer.starts,
    )


def test_the_lambda_handler_fed_the_stream_in_batches_leaves_the_history_exact(
    recorded: Recorded, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    _backend(request)
    env = recorded.env("LambdaHistory")
    for name, value in env.items():
        if name.startswith(("AWS_", "GQL_")):
            monkeypatch.setenv(name, value)  # the function's configuration
    monkeypatch.setattr(lambdas, "_runtime", None)
    local = recorded.local
    records = lambda_events(local.client, local.streams, TABLE)
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
    (recorded.logs / "lambda").mkdir()
    with Server(env, recorded.logs / "lambda") as server:
        checked = check_everything(server.http, recorded.truth, seed=180)
        status = graphql(server.http, "{ history { upTo backlog consuming } }")["history"]
    assert failures[3] == [{"itemIdentifier": bad["dynamodb"]["SequenceNumber"]}]
    assert [f for n, f in enumerate(failures) if n != 3] == [[]] * (len(batches) - 1)
    assert status["consuming"] is True
    assert status["backlog"] == 0
    report(
        "lambda",
        recorded.scenario,
        handled,
        checked,
        records=len(records),
        batches=len(batches),
        failures=failures[3],
    )
