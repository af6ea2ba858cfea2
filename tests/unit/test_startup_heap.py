"""`gql serve` freezes the heap its start-up built (gql/web/app.py: freeze_startup_heap), so
that the garbage collector's full collections stop walking it; apps built without asking
(tests, which build many in one process) freeze nothing."""

from __future__ import annotations

import subprocess
import sys

# In a process of its own: what is frozen stays frozen for the rest of the process.
STARTS = """
import gc
from starlette.testclient import TestClient
from gql.config import Settings
from gql.web.app import create_app
from gql.web.server import serving_app
settings = Settings(cursor_secrets=(b"s" * 16,))
for freeze in (False, True):
    app = serving_app(settings) if freeze else create_app(settings)
    before = gc.get_freeze_count()
    with TestClient(app) as client:
        answer = client.post("/graphql", json={"query": "{ __typename }"})
        frozen = gc.get_freeze_count() - before
        print(freeze, answer.status_code, frozen > 10_000 if freeze else frozen)
"""


def test_gql_serves_app_freezes_its_start_up_heap_and_a_plain_app_does_not() -> None:
    done = subprocess.run(
        [sys.executable, "-c", STARTS], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == ["False 200 0", "True 200 True"]
