"""Several workers, one scrape: prometheus-client's multiprocess mode, as the README sets it up.

Each worker is a real process (the mode is chosen when prometheus_client is imported, from
PROMETHEUS_MULTIPROC_DIR), recording into files in one directory; a scrape of any process
reads them all.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

WORKER = """
import sys
from gql.observe.metrics import Metrics
metrics = Metrics(multiprocess_dir=sys.argv[1])
for _ in range(int(sys.argv[2])):
    metrics.record_request("query", "ok", 0.01)
metrics.subscription_started()
if sys.argv[3] == "scrape":
    sys.stdout.write(metrics.render()[0].decode())
elif sys.argv[3] == "exit":
    metrics.close()
"""


def run(directory: Path, requests: int, then: str) -> str:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory)}
    done = subprocess.run(
        [sys.executable, "-c", WORKER, str(directory), str(requests), then],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout


def test_a_scrape_of_one_worker_sums_every_workers_counts(tmp_path: Path) -> None:
    run(tmp_path, 2, "exit")
    run(tmp_path, 3, "exit")
    text = run(tmp_path, 4, "scrape")
    values = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }
    labels = (("operation_type", "query"), ("outcome", "ok"))
    assert values[("gql_requests_total", labels)] == 2 + 3 + 4
    assert values[("gql_request_duration_seconds_count", labels)] == 9
    # livesum: the two workers that exited no longer count, the one answering does.
    assert values[("gql_subscriptions_active", ())] == 1
