"""GraphiQL that works offline: strawberry's page, with its CDN assets served from the package.

Strawberry's GraphiQL page loads React, GraphiQL and the explorer plugin from unpkg.com, which
many networks cannot reach. Those exact files are vendored under `gql/web/static/graphiql/`
(`<package>@<version>/<path>`, see its README and `scripts/vendor-graphiql`), served by
`assets()` under `ASSETS_PATH`, and `GraphiQLPage` rewrites the page's `https://unpkg.com/`
to that path. The page's `integrity` (sha384) attributes stay: the files are byte-for-byte the
ones they describe, so the browser still verifies them.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import Scope
from strawberry.http.ides import get_graphql_ide_html

log = logging.getLogger("gql.graphiql")

CDN = "https://unpkg.com/"
ASSETS_DIR = Path(__file__).parent / "static" / "graphiql"
ASSETS_PATH = "/graphql/static/graphiql"
ASSETS_ROUTE = "graphiql-assets"
_CDN_URL = re.compile(re.escape(CDN) + r'(?P<path>[^"\'\s)]+)')
# Every vendored file sits under a `<package>@<version>/` directory, so its URL changes whenever
# its content does, and browsers may keep it.
_IMMUTABLE = "public, max-age=31536000, immutable"


class GraphiQLPage:
    """Strawberry's GraphiQL page with every unpkg.com URL pointing at the vendored copy.

    When the installed strawberry's page loads a file that is not vendored (strawberry was
    upgraded without running scripts/vendor-graphiql), the page is served as strawberry has
    it, from the CDN, with a warning: GraphiQL then works wherever the CDN is reachable.
    """

    def __init__(self, html: str | None = None, assets_dir: Path = ASSETS_DIR) -> None:
        self.html = get_graphql_ide_html("graphiql") if html is None else html
        self.missing = [path for path in cdn_paths(self.html) if not (assets_dir / path).is_file()]
        if self.missing:
            log.warning(
                "GraphiQL loads its assets from %s: %s not vendored under %s; run "
                "scripts/vendor-graphiql",
                CDN,
                ", ".join(self.missing),
                assets_dir,
            )

    def render(self, prefix: str) -> str:
        """The page, with assets under `prefix` (the URL path of the assets, e.g. ASSETS_PATH)."""
        if self.missing:
            return self.html
        return self.html.replace(CDN, prefix.rstrip("/") + "/")

    def render_for(self, request: Request) -> str:
        # url_for includes the app's root_path, so the page also works behind a path prefix.
        return self.render(request.url_for(ASSETS_ROUTE, path="/").path)


def cdn_paths(html: str) -> list[str]:
    """The `<package>@<version>/<path>` of every unpkg.com URL in `html`, in order."""
    return [match["path"] for match in _CDN_URL.finditer(html)]


class _Assets(StaticFiles):
    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers["cache-control"] = _IMMUTABLE
        response.headers["x-content-type-options"] = "nosniff"
        return response


def assets(assets_dir: Path = ASSETS_DIR) -> Mount:
    """The route that serves the vendored files at ASSETS_PATH."""
    return Mount(ASSETS_PATH, app=_Assets(directory=assets_dir), name=ASSETS_ROUTE)
