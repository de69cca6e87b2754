"""Starts a real aio-local (from this checkout) with the control plane on, once per run, and points the
plugin's settings at it. `AIO_TEST_SERVER_CMD` replaces the command (e.g. "node dist/main.js")."""

from __future__ import annotations

import json
import os
import shlex
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Iterator

import pytest

pytest_plugins = ["pytester", "aio_control.pytest_plugin"]

ROOT = Path(__file__).resolve().parents[3]
CONTROL_KEY = "python-tests-control-key-0123"
USER = "tester"
USER_KEY = "tester-key-0123456789abcdef"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RunningServer:
    def __init__(self, http_url: str, mqtt_port: int, control_url: str, log: Path) -> None:
        self.http_url = http_url
        self.mqtt_port = mqtt_port
        self.control_url = control_url
        self.log = log

    def api(self, method: str, path: str, body: object = None, key: str = USER_KEY) -> tuple:
        """A call to the main HTTP API (what a device does); returns (status, parsed body)."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.http_url + path, data=data, method=method)
        req.add_header("X-AIO-Key", key)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=10) as res:
                return res.status, json.loads(res.read() or b"null")
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read() or b"null")


@pytest.fixture(scope="session")
def aio_server() -> Iterator[RunningServer]:
    tmp = Path(tempfile.mkdtemp(prefix="aio-py-"))
    port, mqtt_port, control_port = free_port(), free_port(), free_port()
    env = {
        **os.environ,
        "AIO_DB": str(tmp / "aio.sqlite"),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "MQTT_PORT": str(mqtt_port),
        "MQTTS_PORT": "0",
        "AIO_CONTROL_PORT": str(control_port),
        "AIO_CONTROL_KEY": CONTROL_KEY,
        "AIO_USERNAME": USER,
        "AIO_KEY": USER_KEY,
        "LOG_LEVEL": "warn",
    }
    # tsx compiles as it loads (no build step); one process, so the pid below is the server's.
    cmd = shlex.split(os.environ.get("AIO_TEST_SERVER_CMD", "node --import tsx src/main.ts"))
    log = tmp / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    http_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"aio-local exited with {proc.returncode}:\n{log.read_text()}")
            try:
                with urllib.request.urlopen(http_url + "/health", timeout=2) as res:
                    if res.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"aio-local did not answer /health within 60 s:\n{log.read_text()}")
            time.sleep(0.1)
        yield RunningServer(http_url, mqtt_port, f"http://127.0.0.1:{control_port}", log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        for p in sorted(tmp.rglob("*"), reverse=True):
            p.rmdir() if p.is_dir() else p.unlink()
        tmp.rmdir()


@pytest.fixture(scope="session")
def aio_settings(aio_server: RunningServer):
    """The plugin's settings, pointed at the server this run started."""
    # Imported here: importing the plugin before pytest loads it would keep its asserts from being rewritten.
    from aio_control.pytest_plugin import Settings

    return Settings(
        control_url=aio_server.control_url,
        control_key=CONTROL_KEY,
        user=USER,
        fixture=None,
        http_url=aio_server.http_url,
        mqtt_host="127.0.0.1",
        mqtt_port=aio_server.mqtt_port,
        root=Path(__file__).parent,
    )


@pytest.fixture
def server_args(aio_server: RunningServer) -> list:
    """Command-line options for a pytest sub-run (pytester) against the same server; the sub-run's own
    conftest.py loads the plugin, as a user's does."""
    return [
        f"--aio-control-url={aio_server.control_url}",
        f"--aio-control-key={CONTROL_KEY}",
        f"--aio-user={USER}",
        f"--aio-http-url={aio_server.http_url}",
        f"--aio-mqtt-port={aio_server.mqtt_port}",
    ]
