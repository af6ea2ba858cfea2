"""Issue 16, "Exactness": a seeded random history of at least 5,000 changes over 24 devices,
through the API and through plain boto3, on a DynamoDB Local of the test's own, derived by the
consumer inside `gql serve --derive`; once `history.backlog` is 0 (and `upTo` is past the last
write), `devices` and 200 random stats and series equal what a full scan of the table says.

The same history, with the consumer killed: test_exactness_crash.py; fed to the Lambda
handler: test_exactness_lambda.py (one module each, so that xdist runs them at once).
"""

from __future__ import annotations

import time
from pathlib import Path

from tests.derive.checks import CHANGES, SETTINGS, check_everything, report, wait_until_reflected
from tests.derive.conftest import OwnLocal
from tests.derive.scenario import Scenario, Truth
from tests.integration.conftest import Server, run_ok


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
