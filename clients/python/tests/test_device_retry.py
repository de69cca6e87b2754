"""The Python side of "the Python client retries a 503": a device loop written the way firmware is,
hit by a one-shot `status` fault, seen through the journal and the stored data."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Callable, List

from aio_control import Control

from .conftest import CONTROL_KEY, USER, USER_KEY


def send_reading(base_url: str, user: str, key: str, feed: str, value: float,
                 sleep: Callable[[float], None], attempts: int = 3) -> int:
    """POSTs one value; on a 503 waits what Retry-After says and tries again. Returns the final status."""
    body = json.dumps({"value": value}).encode()
    for _ in range(attempts):
        req = urllib.request.Request(f"{base_url}/api/v2/{user}/feeds/{feed}/data", data=body, method="POST")
        req.add_header("X-AIO-Key", key)
        req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=10) as res:
                return res.status
        except urllib.error.HTTPError as err:
            if err.code != 503:
                return err.code
            sleep(float(err.headers.get("Retry-After", "1")))
    return 503


def test_the_device_retries_a_503_after_retry_after_and_the_point_is_stored_once(aio_server):
    aio = Control(aio_server.control_url, CONTROL_KEY)
    aio.seed(USER, {"key": USER_KEY, "feeds": [{"key": "temp"}]})
    aio.clear_journal(USER)
    waits: List[float] = []
    with aio.fault(
        door="http",
        account=USER,
        match={"method": "POST", "path": "/api/v2/*/feeds/*/data"},
        action={"type": "status", "status": 503, "headers": {"Retry-After": "7"}},
        times=1,
    ) as rule:
        # The device's sleep is recorded, not slept: the test never waits for the wall clock.
        status = send_reading(aio_server.http_url, USER, USER_KEY, "temp", 21.5, sleep=waits.append)
    assert status == 200
    assert waits == [7.0]
    assert rule.hits == 1
    posts = aio.wait(USER, {"door": "http", "method": "POST"}, count=2)
    assert [e["status"] for e in posts] == [503, 200]
    assert posts[0]["fault"] == rule.id and posts[1]["fault"] is None
    stored = json.loads(urllib.request.urlopen(urllib.request.Request(
        f"{aio_server.http_url}/api/v2/{USER}/feeds/temp/data", headers={"X-AIO-Key": USER_KEY})).read())
    assert [d["value"] for d in stored] == ["21.5"]
    aio.reset_account(USER)
    aio.seed(USER, {"key": USER_KEY})


def test_without_the_fault_one_post_is_enough(aio_server):
    aio = Control(aio_server.control_url, CONTROL_KEY)
    aio.seed(USER, {"key": USER_KEY, "feeds": [{"key": "temp"}]})
    aio.clear_journal(USER)
    waits: List[float] = []
    assert send_reading(aio_server.http_url, USER, USER_KEY, "temp", 1, sleep=waits.append) == 200
    assert waits == []
    assert aio.count(USER, {"door": "http", "method": "POST"}) == 1
