"""A headless Chromium driven over the DevTools protocol: load a page, record what it logged
and fetched, measure its charts, take a screenshot. Only a websocket client from PyPI is
needed; the browser is Debian's ``chromium`` (no test tool downloads its own)."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# without the background-networking flags Chromium dials Google at every start
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--hide-scrollbars",
    "--remote-debugging-port=0",
    "--remote-allow-origins=*",
)

# what the page reports about its charts once they are drawn
MEASURE = """(() => {
  const plots = [...document.querySelectorAll('[data-chart]')];
  return {
    charts: plots.length,
    drawn: plots.filter(p => { const s = p.querySelector('svg');
      return s && s.querySelectorAll('path, rect, line, text').length > 5 && s.getBoundingClientRect().width > 50; }).length,
    canvases: document.querySelectorAll('canvas').length,
    tables: document.querySelectorAll('[data-table]').length,
    table_rows: [...document.querySelectorAll('[data-table] tbody')].map(b => b.rows.length),
    height: document.documentElement.scrollHeight,
  };
})()"""


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


@dataclass
class PageLoad:
    console_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    measure: dict[str, Any] = field(default_factory=dict)


class Browser:
    """One Chromium process and a websocket to its first tab."""

    def __init__(self, executable: str) -> None:
        import websocket

        self._profile = tempfile.mkdtemp(prefix="outrank-chromium-")
        self._process = subprocess.Popen(
            [executable, *FLAGS, f"--user-data-dir={self._profile}", "--window-size=1280,900", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        port_file = Path(self._profile) / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not port_file.exists() or not port_file.read_text().strip():
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.close()
                raise RuntimeError("chromium did not open its DevTools port")
            time.sleep(0.05)
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as answer:
            tabs = [t for t in json.load(answer) if t.get("type") == "page"]
        self._socket = websocket.create_connection(tabs[0]["webSocketDebuggerUrl"], timeout=60)
        self._next = 0
        self._events: list[dict[str, Any]] = []
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable")

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self._next += 1
        ident = self._next
        self._socket.send(json.dumps({"id": ident, "method": method, "params": params}))
        while True:
            message = json.loads(self._socket.recv())
            if message.get("id") == ident:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return dict(message.get("result", {}))
            self._events.append(message)

    def _drain(self, seconds: float) -> None:
        self._socket.settimeout(seconds)
        with contextlib.suppress(Exception):
            while True:
                self._events.append(json.loads(self._socket.recv()))
        self._socket.settimeout(60)

    def evaluate(self, expression: str) -> Any:
        answer = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        return answer.get("result", {}).get("value")

    def load(self, path: Path, *, settle: float = 0.3, timeout: float = 20.0) -> PageLoad:
        """Open ``path``; wait until every chart has drawn (or ``timeout``); report what happened."""
        self._events.clear()
        url = path.resolve().as_uri()
        self.call("Page.navigate", url=url)
        deadline = time.monotonic() + timeout
        measure: dict[str, Any] = {}
        while time.monotonic() < deadline:
            self._drain(0.2)
            measure = self.evaluate(MEASURE) or {}
            if measure.get("charts") is not None and measure.get("drawn") == measure.get("charts"):
                break
        self._drain(settle)
        load = PageLoad(measure=self.evaluate(MEASURE) or measure)
        for event in self._events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert", "warning"):
                load.console_errors.append(" ".join(str(a.get("value", a.get("description"))) for a in params["args"]))
            elif method == "Runtime.exceptionThrown":
                load.console_errors.append(str(params["exceptionDetails"].get("exception", {}).get("description")))
            elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                load.console_errors.append(str(params["entry"].get("text")))
            elif method == "Network.requestWillBeSent":
                request_url = params["request"]["url"]
                if request_url != url:
                    load.requests.append(request_url)
        return load

    def screenshot(self, path: Path, *, width: int = 1280, max_height: int = 2400) -> None:
        height = min(int(self.evaluate("document.documentElement.scrollHeight") or 900), max_height)
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=False)
        shot = self.call("Page.captureScreenshot", format="png")
        self.call("Emulation.clearDeviceMetricsOverride")
        path.write_bytes(base64.b64decode(shot["data"]))

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._socket.close()
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
        shutil.rmtree(self._profile, ignore_errors=True)


@contextlib.contextmanager
def chromium() -> Iterator[Browser]:
    executable = os.environ.get("OUTRANK_CHROMIUM") or find_chromium()
    if executable is None:
        raise FileNotFoundError("chromium")
    browser = Browser(executable)
    try:
        yield browser
    finally:
        browser.close()
