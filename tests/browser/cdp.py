"""Just enough of the Chrome DevTools Protocol to drive Debian's chromium from a test.

Chromium is started headless with `--remote-debugging-port=0`, and spoken to over its
WebSocket with the `websockets` package the server already depends on: no Node.js, no
Playwright, no browser download, and nothing to install inside the test's network namespace.
"""

from __future__ import annotations

import base64
import contextlib
import json
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from websockets.sync.client import connect

from tests.timing import patient

CHROMIUM_CANDIDATES = ("chromium", "chromium-browser")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",  # containers often have a tiny /dev/shm
    "--disable-extensions",
    "--window-size=1400,900",
    "--remote-debugging-address=127.0.0.1",
    "--remote-debugging-port=0",
)


class CdpError(Exception):
    pass


def find_chromium() -> str | None:
    for name in CHROMIUM_CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    return None


class Browser:
    """A headless chromium with a fresh profile, and one page in it (`page`)."""

    def __init__(self, executable: str, *, timeout: float = 20.0) -> None:
        self.timeout = timeout = patient(timeout)
        # chromium's helpers may still write into the profile as it exits (seen under load).
        self.profile = tempfile.TemporaryDirectory(
            prefix="gql-chromium-", ignore_cleanup_errors=True
        )
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in close()
        self.stack = contextlib.ExitStack()
        self.process = subprocess.Popen(
            [executable, *FLAGS, f"--user-data-dir={self.profile.name}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        try:
            self.ws = self.stack.enter_context(
                connect(self._ws_url(), max_size=None, open_timeout=timeout)
            )
            self.events: list[dict[str, Any]] = []
            self._next_id = 0
            target = self.call("Target.createTarget", url="about:blank")["targetId"]
            session = self.call("Target.attachToTarget", targetId=target, flatten=True)
            self.page = Page(self, session["sessionId"])
        except BaseException:
            self.close()
            raise

    def _ws_url(self) -> str:
        port_file = Path(self.profile.name) / "DevToolsActivePort"
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise CdpError(f"chromium exited with {self.process.returncode}: {self.output()}")
            lines = port_file.read_text().split() if port_file.exists() else []
            if len(lines) == 2:
                return f"ws://127.0.0.1:{lines[0]}{lines[1]}"
            time.sleep(0.05)
        raise CdpError(f"chromium did not open its DevTools port: {self.output()}")

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-4000:]

    def call(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        """Send a command and return its result; events that arrive meanwhile go to `events`."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if session is not None:
            message["sessionId"] = session
        self.ws.send(json.dumps(message))
        deadline = time.monotonic() + self.timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise CdpError(f"no answer to {method} within {self.timeout}s")
            reply: dict[str, Any] = json.loads(self.ws.recv(timeout=remaining))
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise CdpError(f"{method}: {reply['error']}")
                result: dict[str, Any] = reply.get("result", {})
                return result
            if "method" in reply:
                self.events.append(reply)

    def close(self) -> None:
        self.stack.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()
        self.profile.cleanup()

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Page:
    def __init__(self, browser: Browser, session: str) -> None:
        self.browser = browser
        self.session = session
        for domain in ("Page", "Runtime", "Network", "Log"):
            self.call(f"{domain}.enable")

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        return self.browser.call(method, self.session, **params)

    def events(self, method: str) -> list[dict[str, Any]]:
        """The params of every event `method` this page has sent so far."""
        self.call("Runtime.evaluate", expression="0")  # collects what is already queued
        return [
            e["params"]
            for e in self.browser.events
            if e["method"] == method and e.get("sessionId") == self.session
        ]

    def goto(self, url: str) -> None:
        result = self.call("Page.navigate", url=url)
        if result.get("errorText"):
            raise CdpError(f"cannot open {url}: {result['errorText']}")

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression (awaited if it is a promise)."""
        result = self.call(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in result:
            raise CdpError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(
        self, expression: str, what: str, *, timeout: float = 15.0, check: Callable[[Any], bool]
    ) -> Any:
        """Evaluate `expression` until `check` accepts its value (for `patient(timeout)`);
        return that value."""
        timeout = patient(timeout)
        deadline = time.monotonic() + timeout
        value: Any = None
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if check(value):
                return value
            time.sleep(0.1)
        raise CdpError(f"timed out after {timeout}s waiting for {what}; last value: {value!r}")

    def wait_for_selector(self, selector: str, *, timeout: float = 15.0) -> None:
        self.wait_for(
            f"!!document.querySelector({json.dumps(selector)})",
            selector,
            timeout=timeout,
            check=bool,
        )

    def click(self, selector: str, *, text: str | None = None) -> None:
        """A real mouse click in the middle of the (first) element matching selector [and text]."""
        find = f"[...document.querySelectorAll({json.dumps(selector)})]" + (
            f".find(e => e.textContent.trim() === {json.dumps(text)})" if text else "[0]"
        )
        box = self.wait_for(
            f"(() => {{ const e = {find}; if (!e) return null;"
            " e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect();"
            " return {x: r.x + r.width / 2,"
            " y: r.y + r.height / 2, w: r.width}; })()",
            f"{selector} {text or ''}".strip(),
            check=lambda b: bool(b) and b["w"] > 0,
        )
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.call(
                "Input.dispatchMouseEvent",
                type=kind,
                x=box["x"],
                y=box["y"],
                button="none" if kind == "mouseMoved" else "left",
                clickCount=0 if kind == "mouseMoved" else 1,
            )

    def press(self, key: str, code: str, key_code: int, *, modifiers: int = 0) -> None:
        """A key press; modifiers: 1 Alt, 2 Ctrl, 4 Meta, 8 Shift."""
        common = {"key": key, "code": code, "windowsVirtualKeyCode": key_code}
        self.call("Input.dispatchKeyEvent", type="rawKeyDown", modifiers=modifiers, **common)
        self.call("Input.dispatchKeyEvent", type="keyUp", modifiers=modifiers, **common)

    def insert_text(self, text: str) -> None:
        """Text typed into the focused element, as an input method commits it."""
        self.call("Input.insertText", text=text)

    def screenshot(self, path: Path) -> None:
        data = self.call("Page.captureScreenshot", format="png")["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
