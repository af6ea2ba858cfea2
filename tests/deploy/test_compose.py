"""docker-compose.yml, checked without Docker.

The file is parsed (PyYAML, with compose's interpolation) and its wiring checked: services,
ports, volumes, environment, health checks and start order. Then its commands run on this
machine the way the containers would run them: the dynamodb health check (curl) and the
one-shot `init` against DynamoDB Local, and the API's `gql serve` with the API's environment.

What this cannot check: that the images pull, build and start, that the named volume is
writable by DynamoDB Local (the `user: root` choice), and the health checks' timing; those
need a Docker engine.
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import boto3
import httpx
import pytest

from gql.config import Settings
from gql.store import HistoryTable
from gql.store.client import DynamoDB
from gql.store.tables import Tables
from tests.conftest import LOCAL_URL, NO_LOCAL
from tests.deploy.deployfiles import (
    ROOT,
    compose,
    dockerfile,
    free_port,
    instruction,
    interpolate,
    running,
    service_env,
    with_venv_path,
)
from tests.integration.conftest import create_table
from tests.timing import patient

QUERY = '{ readingsByDevice(deviceId: "10001") { edges { node { datacount } } } }'
READING = '{ reading(deviceId: "10001", datacount: 1) { info { temperature1 } } }'
DB_PATH = "/home/dynamodblocal/data"


def services() -> dict[str, dict[str, object]]:
    found: dict[str, dict[str, object]] = compose()["services"]
    return found


def test_the_services_are_dynamodb_local_a_one_shot_init_the_consumer_and_the_api() -> None:
    s = services()
    assert set(s) == {"dynamodb", "redis", "init", "derive", "api"}
    # The consumer is the API's image running `gql derive`, on the same table.
    assert s["derive"]["build"] == "."
    assert s["derive"]["image"] == s["api"]["image"]
    assert s["derive"]["command"] == ["gql", "derive"]
    assert service_env("derive") == service_env("init")
    image = str(s["dynamodb"]["image"])
    name, _, tag = image.partition(":")
    assert name == "amazon/dynamodb-local"
    assert tag not in ("", "latest"), "pin DynamoDB Local's version"
    # init runs the API's image, so it has the same `gql` and the sample data.
    assert s["api"]["build"] == s["init"]["build"] == "."
    assert s["api"]["image"] == s["init"]["image"]
    assert s["init"]["restart"] == "no"


def test_dynamodb_local_keeps_its_data_in_a_named_volume() -> None:
    dynamodb = services()["dynamodb"]
    command = str(dynamodb["command"]).split()
    assert command[:2] == ["-jar", "DynamoDBLocal.jar"]
    assert "-sharedDb" in command
    assert "-inMemory" not in command
    assert command[command.index("-dbPath") + 1] == DB_PATH
    assert dynamodb["volumes"] == [f"dynamodb-data:{DB_PATH}"]
    assert "dynamodb-data" in compose()["volumes"]
    # A new named volume is owned by root; see the comment in docker-compose.yml.
    assert dynamodb["user"] == "root"
    assert dynamodb["working_dir"] == "/home/dynamodblocal"


def test_ports_are_published_on_loopback_only() -> None:
    s = services()
    assert s["dynamodb"]["ports"] == ["127.0.0.1:8000:8000"]
    assert s["api"]["ports"] == ["127.0.0.1:8080:8080"]
    assert "ports" not in s["init"]
    # The API's container port is the one the image's CMD serves on.
    cmd = instruction("CMD").exec_form()
    assert cmd[cmd.index("--port") + 1] == "8080"


def test_the_api_and_init_reach_dynamodb_local_by_its_service_name() -> None:
    api, init = service_env("api"), service_env("init")
    endpoint = urlsplit(api["AWS_ENDPOINT_URL_DYNAMODB"])
    assert (endpoint.hostname, endpoint.port) == ("dynamodb", 8000)
    # init must create and load the very table the API serves.
    for name in ("AWS_ENDPOINT_URL_DYNAMODB", "AWS_REGION", "GQL_TABLE", "AWS_ACCESS_KEY_ID"):
        assert api[name] == init[name], name
    # DynamoDB Local accepts only letters and digits in an access key id.
    assert re.fullmatch(r"[A-Za-z0-9]+", api["AWS_ACCESS_KEY_ID"])

    settings = Settings.from_env(api)  # what the API reads at start: valid, and the aws backend
    assert settings.backend == "aws"
    assert settings.endpoint_url == "http://dynamodb:8000"
    assert settings.table == "Devices"
    assert len(settings.cursor_secrets) == 1  # set, so cursors survive a restart of the API
    assert Settings.from_env(init).backend == "aws"


def test_the_cursor_secret_can_be_set_from_the_shell() -> None:
    default = service_env("api")["GQL_CURSOR_SECRET"]
    assert len(default) >= 16
    given = service_env("api", {"GQL_CURSOR_SECRET": "a-secret-from-the-environment"})
    assert given["GQL_CURSOR_SECRET"] == "a-secret-from-the-environment"


def test_every_variable_compose_sets_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for service in ("api", "init", "derive"):
        for name in service_env(service):
            assert name in readme, f"{service}: {name} is not in README.md"


def test_start_order_waits_for_a_healthy_database_and_a_finished_init() -> None:
    s = services()
    assert s["init"]["depends_on"] == {"dynamodb": {"condition": "service_healthy"}}
    for name in ("api", "derive"):
        assert s[name]["depends_on"] == {
            "dynamodb": {"condition": "service_healthy"},
            "redis": {"condition": "service_healthy"},
            "init": {"condition": "service_completed_successfully"},
        }, name
    for name in ("dynamodb", "redis", "api"):
        check = s[name]["healthcheck"]
        assert isinstance(check, dict)
        assert check["test"][0] == "CMD", name
        assert {"interval", "timeout", "retries", "start_period"} <= set(check), name


def test_the_api_healthcheck_is_the_dockerfiles() -> None:
    check = services()["api"]["healthcheck"]
    assert isinstance(check, dict)
    assert check["test"] == ["CMD", *instruction("HEALTHCHECK").exec_form()]


def test_the_init_script_loads_the_sample_data_shipped_in_the_image() -> None:
    script = init_script()
    assert "gql table create --wait" in script
    assert "gql table index on" in script  # a table made before the time index gets it
    assert "gql load /app/gql/data/sample.json" in script
    # The Dockerfile puts the package's sources, sample data included, in /app.
    assert instruction("WORKDIR").args == "/app"
    assert "gql ./gql" in [i.args for i in dockerfile() if i.keyword == "COPY"]


def init_script() -> str:
    command = services()["init"]["command"]
    assert isinstance(command, list)
    assert command[:2] == ["sh", "-ec"]
    return interpolate(str(command[2]), {})


# --- the commands, run against DynamoDB Local -------------------------------------------


@pytest.fixture
def local(request: pytest.FixtureRequest) -> str:
    request.node.user_properties.append(("backend", "dynamodb-local"))
    if not LOCAL_URL:
        pytest.skip(NO_LOCAL)
    return LOCAL_URL


@pytest.fixture
def table(local: str) -> Iterator[str]:
    """A table name nobody else uses; the test's init creates it, and it is deleted after."""
    name = f"Devices-compose-{uuid.uuid4().hex[:8]}"
    yield name
    client = boto3.client(
        "dynamodb",
        endpoint_url=local,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    Tables(DynamoDB(client, name), history=f"{name}History").delete(wait=True)


def container_env(service: str, local: str, table: str) -> dict[str, str]:
    """The service's environment, with DynamoDB Local where the `dynamodb` service would be,
    and without the `redis` service (the relay's own tests run a real one: tests/relay)."""
    env = service_env(service)
    assert env["AWS_ENDPOINT_URL_DYNAMODB"] == "http://dynamodb:8000"
    assert env.pop("GQL_REDIS_URL") == "redis://redis:6379/0"
    return {**env, "AWS_ENDPOINT_URL_DYNAMODB": local, "GQL_TABLE": table}


def test_the_consumer_and_the_api_share_one_redis_relay() -> None:
    for name in ("derive", "api"):
        settings = Settings.from_env(service_env(name))
        assert settings.redis_url == "redis://redis:6379/0", name
    redis = services()["redis"]
    assert str(redis["image"]).startswith("redis:7"), "the relay needs Redis 7 (XINFO STREAM)"
    assert "6379" not in str(redis.get("ports", "")), "Redis has no password: keep it inside"


def run_init(local: str, table: str) -> str:
    # The script as the container runs it; /app in the image is this repository.
    script = init_script().replace("/app/", f"{ROOT}/")
    env = with_venv_path(container_env("init", local, table))
    done = subprocess.run(
        ["sh", "-ec", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=patient(60),
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_the_dynamodb_healthcheck_passes_on_dynamodb_local_and_fails_without(local: str) -> None:
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed (the DynamoDB Local image has it)")
    check = services()["dynamodb"]["healthcheck"]
    assert isinstance(check, dict)
    argv = [str(arg) for arg in check["test"][1:]]
    assert argv[-1] == "http://127.0.0.1:8000"
    passed = subprocess.run([*argv[:-1], local], capture_output=True, timeout=10)
    assert passed.returncode == 0, passed.stderr
    nobody = f"http://127.0.0.1:{free_port()}"
    assert subprocess.run([*argv[:-1], nobody], capture_output=True, timeout=10).returncode != 0
    # Without the Authorization header DynamoDB Local answers 400: -f turns that into a failure.
    unsigned = [a for a in argv[:-1] if not a.startswith("Authorization:")]
    unsigned.remove("-H")  # the -H that came before it
    assert subprocess.run([*unsigned, local], capture_output=True, timeout=10).returncode != 0


def test_init_then_api_serve_the_sample_data_and_a_rerun_keeps_changes(
    local: str, table: str
) -> None:
    first = run_init(local, table)
    assert f"table {table} created" in first
    assert "loaded 6 readings" in first

    port = free_port()
    serve = [
        {"0.0.0.0": "127.0.0.1", "8080": str(port)}.get(arg, arg)  # noqa: S104
        for arg in instruction("CMD").exec_form()
    ]
    with running(serve, container_env("api", local, table), port) as server:
        ready = httpx.get(f"{server.url}/readyz", timeout=10)
        assert ready.status_code == 200, ready.text
        edges = post(server.url, QUERY)["readingsByDevice"]["edges"]
        assert [edge["node"]["datacount"] for edge in edges] == [1, 2]
        changed = post(
            server.url,
            'mutation { putReading(reading: {deviceId: "10001", datacount: 1, '
            'info: {infoTimestamp: "1612519200", temperature1: 99.5}}) { __typename } }',
        )
        assert changed["putReading"]["__typename"] == "Reading"

        # `docker compose up` again: init runs again, and must not reload the sample over it.
        again = run_init(local, table)
        assert "already exists" in again
        assert "loaded 6 readings" not in again
        assert "sample readings were not loaded" in again
        reading = post(server.url, READING)["reading"]
        assert reading["info"]["temperature1"] == 99.5


def test_init_gives_a_table_made_before_the_history_its_index_and_history(
    local: str, table: str
) -> None:
    client = boto3.client(
        "dynamodb",
        endpoint_url=local,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    create_table(client, table)  # as the tutorial's create_table.py makes it
    client.put_item(
        TableName=table,
        Item={
            "device_id": {"S": "10009"},
            "datacount": {"N": "1"},
            "info": {"M": {"info_timestamp": {"S": "1612519200"}, "temperature1": {"S": "2.5"}}},
        },
    )

    output = run_init(local, table)

    assert "created for a table that has readings" in output
    assert "rebuilt the history" in output
    assert "loaded 6 readings" not in output
    entry = HistoryTable(DynamoDB(client, f"{table}History")).entries(["10009"])["10009"]
    assert entry.total.count == 1
    assert "rebuilt the history" not in run_init(local, table)  # once


def post(url: str, document: str) -> dict[str, Any]:
    body = httpx.post(f"{url}/graphql", json={"query": document}, timeout=10).json()
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


def test_the_consumer_derives_the_sample_data_init_loaded(local: str, table: str) -> None:
    run_init(local, table)
    derive_command = services()["derive"]["command"]
    assert isinstance(derive_command, list)
    command = [str(arg) for arg in derive_command]
    env = with_venv_path(container_env("derive", local, table))
    consumer = subprocess.Popen(
        command,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=ROOT,
    )
    client = boto3.client(
        "dynamodb",
        endpoint_url=local,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    history = HistoryTable(DynamoDB(client, f"{table}History"))
    try:
        deadline = time.monotonic() + patient(60)
        while len(history.entries(["10001", "10002", "10003"])) < 3:
            assert consumer.poll() is None, consumer.communicate()[0]
            assert time.monotonic() < deadline, "the consumer derived nothing in time"
            time.sleep(0.2)
    finally:
        consumer.send_signal(signal.SIGTERM)
        output = consumer.communicate(timeout=patient(30))[0]
    assert consumer.returncode == 0, output
    assert history.entries(["10001"])["10001"].total.count == 2
