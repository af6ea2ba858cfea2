"""Issue 16, "Lambda": the history of test_exactness.py, its stream records in Lambda's event
shape fed to gql.derive.lambda_handler in batches, one of them delivered twice (Lambda retrying
it) and one with a record that is not a reading's, which the answer names alone.
"""

from __future__ import annotations

import copy
import time
from pathlib import Path

import pytest

from gql.derive import lambdas
from gql.derive.lambdas import lambda_handler
from tests.derive.checks import CHANGES, SETTINGS, check_everything, graphql, report
from tests.derive.conftest import OwnLocal
from tests.derive.recording import lambda_events
from tests.derive.scenario import Scenario, Truth
from tests.integration.conftest import Server, run_ok

BATCH = 250  # records per Lambda invocation


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
