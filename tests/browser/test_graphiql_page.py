"""The GraphiQL page and its vendored assets over HTTP (no browser needed).

The page is strawberry's, with every unpkg.com URL pointing at a copy served by the app; these
tests check that the copies are complete, byte-for-byte what the page's integrity attributes
describe, licensed, shipped in the wheel, and off in production.
"""

from __future__ import annotations

import base64
import glob
import hashlib
import logging
import re
import tomllib
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from strawberry.http.ides import get_graphql_ide_html

from gql.config import Settings
from gql.web.app import create_app
from gql.web.graphiql import ASSETS_DIR, ASSETS_PATH, CDN, GraphiQLPage, cdn_paths
from tests.api.conftest import SECRET

ROOT = Path(__file__).resolve().parents[2]
HTML = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
# <script src=...> and <link href=...>, with the integrity attribute that follows.
ASSET = re.compile(r'(?:src|href)="(?P<url>[^"]+)"\s+integrity="(?P<integrity>[^"]+)"')
REFRESH = "strawberry's page loads files that are not vendored: run scripts/vendor-graphiql"


def sri(data: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()


def client(*, production: bool = False, root_path: str = "") -> httpx.AsyncClient:
    # The page needs no store; the ASGI transport does not run the lifespan that builds one.
    app = create_app(Settings(cursor_secrets=(SECRET,), production=production))
    transport = httpx.ASGITransport(app=app, root_path=root_path)
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


def package_dir(path: str) -> str:
    """'@graphiql/plugin-explorer@1.0.2/dist/x.js' -> '@graphiql/plugin-explorer@1.0.2'."""
    parts = path.split("/")
    return "/".join(parts[:2] if path.startswith("@") else parts[:1])


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with client() as c:
        yield c


def test_every_file_strawberrys_page_loads_is_vendored_unchanged() -> None:
    page = get_graphql_ide_html("graphiql")
    assets = ASSET.findall(page)
    assert len(assets) == page.count(CDN) == 7, "every CDN asset has an integrity attribute"
    for url, integrity in assets:
        vendored = ASSETS_DIR / url.removeprefix(CDN)
        assert vendored.is_file(), f"{url}: {REFRESH}"
        assert sri(vendored.read_bytes()) == integrity, f"{url}: {REFRESH}"


def test_every_vendored_package_has_its_licence_and_is_in_the_readme() -> None:
    readme = (ASSETS_DIR / "README.md").read_text(encoding="utf-8")
    wanted = {package_dir(path) for path in cdn_paths(get_graphql_ide_html("graphiql"))}
    assert wanted == {
        "react@18.2.0",
        "react-dom@18.2.0",
        "js-cookie@3.0.5",
        "graphiql@3.8.3",
        "@graphiql/plugin-explorer@1.0.2",
    }
    dirs = {
        str(d.relative_to(ASSETS_DIR))
        for d in [*ASSETS_DIR.glob("[!@]*@*"), *ASSETS_DIR.glob("@*/*@*")]
        if d.is_dir()
    }
    assert dirs == wanted, "only what the page loads is vendored"
    for name in dirs:
        licence = (ASSETS_DIR / name / "LICENSE").read_text(encoding="utf-8")
        assert "MIT License" in licence or "Permission is hereby granted, free of charge" in licence
        package, _, version = name.rpartition("@")
        assert f"| `{package}` | {version} |" in readme


def test_the_wheel_includes_every_vendored_file() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["gql"]
    package_dir = ROOT / "gql"
    shipped = {
        Path(match)
        for pattern in patterns
        for match in glob.glob(pattern, root_dir=package_dir, recursive=True)
    }
    vendored = {p.relative_to(package_dir) for p in ASSETS_DIR.rglob("*") if p.is_file()}
    assert vendored, "nothing is vendored"
    assert vendored <= shipped


async def test_the_page_loads_every_asset_from_this_server(http: httpx.AsyncClient) -> None:
    response = await http.get("/graphql", headers=HTML)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert "unpkg.com" not in page
    assert not re.search(r'(?:src|href)="(?:https?:)?//', page), "nothing from another host"
    assets = ASSET.findall(page)
    assert len(assets) == 7
    for url, integrity in assets:
        assert url.startswith(f"{ASSETS_PATH}/")
        asset = await http.get(url)
        assert asset.status_code == 200, url
        # The browser checks the integrity attribute: the served bytes must match it.
        assert sri(asset.content) == integrity, url
        assert "immutable" in asset.headers["cache-control"]
        assert asset.headers["x-content-type-options"] == "nosniff"
        expected = "text/css" if url.endswith(".css") else "javascript"
        assert expected in asset.headers["content-type"], url


async def test_assets_outside_the_vendored_directory_are_not_served(
    http: httpx.AsyncClient,
) -> None:
    for path in ("../../app.py", "..%2F..%2Fapp.py", "nothing@1.0.0/x.js"):
        response = await http.get(f"{ASSETS_PATH}/{path}")
        assert response.status_code == 404, path


async def test_asset_urls_follow_the_root_path_behind_a_proxy() -> None:
    async with client(root_path="/api") as http:
        response = await http.get("/api/graphql", headers=HTML)
        assert response.status_code == 200
        urls = [url for url, _ in ASSET.findall(response.text)]
        assert urls
        assert all(url.startswith(f"/api{ASSETS_PATH}/") for url in urls), urls
        asset = await http.get(urls[0])
        assert asset.status_code == 200


async def test_production_serves_neither_graphiql_nor_its_assets() -> None:
    async with client(production=True) as http:
        page = await http.get("/graphql", headers=HTML)
        assert page.status_code == 404
        assert "graphiql" not in page.text.lower()
        asset = await http.get(f"{ASSETS_PATH}/react@18.2.0/umd/react.production.min.js")
        assert asset.status_code == 404


def test_a_page_that_loads_unvendored_files_is_served_unchanged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # After a strawberry upgrade, before scripts/vendor-graphiql: GraphiQL keeps working where
    # the CDN is reachable (rewriting only some URLs would mix versions), and the log says why.
    (tmp_path / "react@18.2.0").mkdir()
    (tmp_path / "react@18.2.0" / "react.js").write_text("")
    vendored = f'<script src="{CDN}react@18.2.0/react.js"></script>'
    html = vendored + f'<script src="{CDN}new@2/x.js"></script>'
    with caplog.at_level(logging.WARNING, logger="gql.graphiql"):
        page = GraphiQLPage(html, assets_dir=tmp_path)
    assert page.missing == ["new@2/x.js"]
    assert page.render(ASSETS_PATH) == html
    assert "new@2/x.js" in caplog.text
    assert "scripts/vendor-graphiql" in caplog.text

    complete = GraphiQLPage(vendored, assets_dir=tmp_path)
    assert complete.missing == []
    assert complete.render("/p/") == '<script src="/p/react@18.2.0/react.js"></script>'
