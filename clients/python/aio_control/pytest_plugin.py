"""pytest plugin for testing firmware (or anything that talks Adafruit IO) against aio-local.

Load it with `pytest_plugins = ["aio_control.pytest_plugin"]` in your top-level conftest.py, `-p
aio_control.pytest_plugin` on the command line, or by installing the package (its `pytest11` entry point).

Settings (command line, else ini, else environment):

    --aio-control-url   aio_control_url   AIO_CONTROL_URL (or http://127.0.0.1:$AIO_CONTROL_PORT)
    --aio-control-key   aio_control_key   AIO_CONTROL_KEY
    --aio-user          aio_user          AIO_USER            (default "tester")
    --aio-fixture       aio_fixture       AIO_FIXTURE         JSON fixture seeded before each test
    --aio-http-url      aio_http_url      AIO_HTTP_URL        (default http://127.0.0.1:8080)
    --aio-mqtt-host     aio_mqtt_host     AIO_MQTT_HOST       (default: the host of the HTTP URL)
    --aio-mqtt-port     aio_mqtt_port     AIO_MQTT_PORT       (default 1883)

Fixtures:

    aio           the `Control` client (one per session)
    aio_account   seeds the fixture into the account before the test and resets the account after it;
                  gives `username, key, ids, http_url, mqtt_host, mqtt_port` (attributes or ["keys"])
    aio_clock     the server clock, frozen at the server's now for the test, back to system time after
    aio_settings  the resolved settings; override it in a conftest.py to start a server yourself

Marker: `@pytest.mark.aio_fixture("file.json")` seeds that file (relative to the test file) instead, or a
dict given inline.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, Mapping, Optional, Union
from urllib.parse import urlsplit

import pytest

from .client import Clock, Control, load_fixture

_SETTINGS = (
    # (option, ini name, environment variable, default, help)
    ("--aio-control-url", "aio_control_url", "AIO_CONTROL_URL", None, "base URL of the aio-local control plane"),
    ("--aio-control-key", "aio_control_key", "AIO_CONTROL_KEY", None, "bearer key of the control plane"),
    ("--aio-user", "aio_user", "AIO_USER", "tester", "account the aio_account fixture seeds and resets"),
    ("--aio-fixture", "aio_fixture", "AIO_FIXTURE", None, "JSON fixture seeded before each test"),
    ("--aio-http-url", "aio_http_url", "AIO_HTTP_URL", "http://127.0.0.1:8080", "base URL of the server's HTTP API"),
    ("--aio-mqtt-host", "aio_mqtt_host", "AIO_MQTT_HOST", None, "MQTT host (default: the HTTP URL's host)"),
    ("--aio-mqtt-port", "aio_mqtt_port", "AIO_MQTT_PORT", "1883", "MQTT port"),
)


@dataclass
class Settings:
    control_url: Optional[str]
    control_key: Optional[str]
    user: str
    fixture: Optional[str]
    http_url: str
    mqtt_host: str
    mqtt_port: int
    #: Where a relative `fixture` path is looked up (the rootdir of the run).
    root: Path = field(default_factory=Path.cwd)


@dataclass
class Account:
    """The seeded account a test runs against; also readable as a mapping (`account["key"]`)."""

    username: str
    key: str
    ids: Dict[str, Any]
    http_url: str
    mqtt_host: str
    mqtt_port: int

    def __getitem__(self, name: str) -> Any:
        return getattr(self, name)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("aio", "aio-local test control plane")
    for option, ini, env, default, text in _SETTINGS:
        where = f" (ini {ini}, env {env}" + (f", default {default})" if default else ")")
        group.addoption(option, dest=ini, default=None, help=text + where)
        parser.addini(ini, text)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "aio_fixture(path_or_dict): the fixture the aio_account fixture seeds for this test"
    )


def _setting(config: pytest.Config, ini: str, env: str, default: Optional[str]) -> Optional[str]:
    return config.getoption(ini) or config.getini(ini) or os.environ.get(env) or default


@pytest.fixture(scope="session")
def aio_settings(pytestconfig: pytest.Config) -> Settings:
    values = {ini: _setting(pytestconfig, ini, env, default) for _, ini, env, default, _ in _SETTINGS}
    http_url = str(values["aio_http_url"]).rstrip("/")
    return Settings(
        control_url=values["aio_control_url"],
        control_key=values["aio_control_key"],
        user=str(values["aio_user"]),
        fixture=values["aio_fixture"],
        http_url=http_url,
        mqtt_host=values["aio_mqtt_host"] or urlsplit(http_url).hostname or "127.0.0.1",
        mqtt_port=int(str(values["aio_mqtt_port"])),
        root=Path(str(pytestconfig.rootpath)),
    )


@pytest.fixture(scope="session")
def aio(aio_settings: Settings) -> Control:
    """The control plane client."""
    return Control(aio_settings.control_url, aio_settings.control_key)


def _fixture_for(request: pytest.FixtureRequest, settings: Settings) -> Dict[str, Any]:
    marker = request.node.get_closest_marker("aio_fixture")
    given: Union[Mapping[str, Any], str, None] = marker.args[0] if marker and marker.args else settings.fixture
    if given is None:
        return {}
    if isinstance(given, Mapping):
        return load_fixture(given)
    path = Path(given)
    if not path.is_absolute():
        # A marker's path is relative to its test file; the option's to the run's root.
        base = Path(str(request.node.fspath)).parent if marker else settings.root
        path = base / path
    return load_fixture(path)


@pytest.fixture
def aio_account(request: pytest.FixtureRequest, aio: Control, aio_settings: Settings) -> Iterator[Account]:
    """Seeds the account before the test; after it, removes the faults aimed at it and resets it."""
    fixture = _fixture_for(request, aio_settings)
    # The device needs the key, so the account always gets one the test knows.
    fixture.setdefault("key", "aio-" + secrets.token_hex(16))
    user = aio_settings.user
    ids = aio.seed(user, fixture)
    aio.clear_journal(user)
    try:
        yield Account(
            username=user,
            key=fixture["key"],
            ids=ids,
            http_url=aio_settings.http_url,
            mqtt_host=aio_settings.mqtt_host,
            mqtt_port=aio_settings.mqtt_port,
        )
    finally:
        for rule in aio.faults():
            if rule.get("account") == user:
                aio.remove_fault(rule["id"])
        aio.reset_account(user, disconnect=True)


@pytest.fixture
def aio_clock(aio: Control) -> Iterator[Clock]:
    """The server clock, frozen for the test (move it with `.advance(ms)`), back to system time after."""
    aio.clock.freeze()
    try:
        yield aio.clock
    finally:
        aio.clock.system()
