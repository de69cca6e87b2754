"""The examples of docs/firmware-testing.md, run as written: the pytest example as a sub-run, the
PlatformIO runner with a stand-in for PlatformIO and a device that speaks MQTT over a socket."""

from __future__ import annotations

import enum
import importlib.util
import re
import socket
import struct
import sys
import types
from pathlib import Path
from typing import Dict

import pytest

from aio_control import Control

from .conftest import CONTROL_KEY, ROOT, USER, USER_KEY

DOC = ROOT / "docs" / "firmware-testing.md"


def doc_files() -> Dict[str, str]:
    """Every code block preceded by `<!-- file: path -->`, by path."""
    text = DOC.read_text(encoding="utf-8")
    found = re.findall(r"<!-- file: (\S+) -->\n```\w*\n(.*?)\n```", text, flags=re.S)
    return {path: body + "\n" for path, body in found}


def test_the_doc_names_its_example_files():
    assert set(doc_files()) == {
        "tests/fixtures/thermostat.json",
        "tests/conftest.py",
        "tests/test_thermostat.py",
        "test/aio_fixture.json",
        "test/test_custom_runner.py",
    }


def test_the_pytest_example_passes_as_written(pytester, server_args, aio_server):
    for path, body in doc_files().items():
        if path.startswith("tests/"):
            target = pytester.path / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(body)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "tests", *server_args)
    result.assert_outcomes(passed=3)
    Control(aio_server.control_url, CONTROL_KEY).seed(USER, {"key": USER_KEY})


# -- the PlatformIO runner -------------------------------------------------------------------------


class PioStatus(enum.Enum):
    PASSED = enum.auto()
    FAILED = enum.auto()
    ERRORED = enum.auto()


class PioCase:
    def __init__(self, name, status, message=None, **_):
        self.name, self.status, self.message = name, status, message


class PioSuite:
    def __init__(self):
        self.cases = []

    def add_case(self, case):
        self.cases.append(case)


class UnityTestRunner:
    """The part of PlatformIO's TestRunnerBase the example relies on: setup, the stages, teardown."""

    def __init__(self, test_suite):
        self.test_suite = test_suite

    def start(self):
        try:
            self.setup()
            for stage in ("building", "uploading", "testing"):
                getattr(self, f"stage_{stage}")()
        except Exception as exc:  # as PlatformIO does: an error is a case
            self.test_suite.add_case(PioCase("errored", PioStatus.ERRORED, str(exc)))
        finally:
            self.teardown()

    def setup(self):
        pass

    def stage_building(self):
        pass

    def stage_uploading(self):
        pass

    def stage_testing(self):
        pass

    def teardown(self):
        pass


def mqtt_device(port: int, username: str, key: str, topic: str | None) -> None:
    """A device's MQTT 3.1.1 session in bytes: CONNECT, CONNACK, then one QoS 0 PUBLISH (or none)."""

    def string(s: str) -> bytes:
        b = s.encode()
        return struct.pack("!H", len(b)) + b

    def packet(header: int, body: bytes) -> bytes:
        assert len(body) < 128
        return bytes([header, len(body)]) + body

    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        connect = string("MQTT") + bytes([4, 0xC2]) + struct.pack("!H", 60)
        s.sendall(packet(0x10, connect + string("pio-device") + string(username) + string(key)))
        assert s.recv(4) == b"\x20\x02\x00\x00"
        if topic:
            s.sendall(packet(0x30, string(topic) + b"22.5"))
        s.sendall(b"\xe0\x00")  # DISCONNECT


def load_runner(monkeypatch, folder: Path):
    platformio = types.ModuleType("platformio")
    public = types.ModuleType("platformio.public")
    public.TestCase, public.TestStatus, public.UnityTestRunner = PioCase, PioStatus, UnityTestRunner
    monkeypatch.setitem(sys.modules, "platformio", platformio)
    monkeypatch.setitem(sys.modules, "platformio.public", public)
    spec = importlib.util.spec_from_file_location("test_custom_runner", folder / "test_custom_runner.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("publishes", [True, False])
def test_the_platformio_runner_seeds_in_setup_and_checks_the_journal_in_teardown(
    publishes, tmp_path, monkeypatch, aio_server
):
    for path, body in doc_files().items():
        if path.startswith("test/"):
            (tmp_path / Path(path).name).write_text(body)
    monkeypatch.setenv("AIO_CONTROL_URL", aio_server.control_url)
    monkeypatch.setenv("AIO_CONTROL_KEY", CONTROL_KEY)
    module = load_runner(monkeypatch, tmp_path)
    # Not to wait the example's 30 s for what is known not to come.
    monkeypatch.setattr(module.Control, "wait", _short_wait(module.Control.wait))
    suite = PioSuite()
    runner = module.CustomTestRunner(suite)

    def stage_testing():
        # The firmware, running between setup and teardown: it finds its account seeded and the clock frozen.
        assert runner.aio.clock.get()["mode"] == "frozen"
        mqtt_device(aio_server.mqtt_port, "device", "device-key-0123456789abcdef",
                    "device/feeds/temperature" if publishes else None)

    runner.stage_testing = stage_testing
    runner.start()
    statuses = [(c.name, c.status) for c in suite.cases]
    assert statuses == [
        ("aio: device connected over MQTT", PioStatus.PASSED),
        ("aio: device published a temperature", PioStatus.PASSED if publishes else PioStatus.FAILED),
    ]
    if not publishes:
        assert "saw 0" in suite.cases[1].message
    aio = Control(aio_server.control_url, CONTROL_KEY)
    assert aio.clock.get()["mode"] == "system"
    aio.reset("keep")
    aio.seed(USER, {"key": USER_KEY})


def _short_wait(wait):
    def short(self, user, match, count=1, since=None, timeout=5.0):
        return wait(self, user, match, count=count, since=since, timeout=min(timeout, 0.2))

    return short
