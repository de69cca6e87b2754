"""`Control` against a real server: every call, its errors, and the settings it reads from the environment."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from aio_control import Control, ControlError, JournalTimeout

from .conftest import CONTROL_KEY, USER, USER_KEY

FIXTURE = {
    "key": USER_KEY,
    "feeds": [
        {"key": "temp", "name": "Temp", "data": [{"value": "20.5", "ago_ms": 60_000}, {"value": "21", "ago_ms": 1_000}]},
        {"key": "door"},
    ],
}


@pytest.fixture
def aio(aio_server):
    aio = Control(aio_server.control_url, CONTROL_KEY)
    yield aio
    aio.clear_faults()
    aio.clock.system()
    aio.reset_account(USER)
    aio.seed(USER, {"key": USER_KEY})


def test_seed_gives_ids_and_the_device_reads_the_data_export_gives_the_fixture_back(aio, aio_server):
    ids = aio.seed(USER, FIXTURE)
    assert set(ids["feeds"]) == {"temp", "door"}
    status, data = aio_server.api("GET", f"/api/v2/{USER}/feeds/temp/data")
    assert status == 200
    assert [d["value"] for d in data] == ["21", "20.5"]
    exported = aio.export(USER)
    feeds = {f["key"]: f for f in exported["feeds"]}
    assert sorted(d["value"] for d in feeds["temp"]["data"]) == ["20.5", "21"]
    assert "door" in feeds


def test_seed_reads_a_fixture_file(aio, aio_server, tmp_path):
    path = tmp_path / "fixture.json"
    path.write_text('{"key": "%s", "feeds": [{"key": "from-file", "data": [{"value": "7"}]}]}' % USER_KEY)
    ids = aio.seed(USER, str(path))
    assert "from-file" in ids["feeds"]
    status, data = aio_server.api("GET", f"/api/v2/{USER}/feeds/from-file/data")
    assert (status, [d["value"] for d in data]) == (200, ["7"])


def test_reset_account_empties_it_and_reset_clears_the_server(aio, aio_server):
    aio.seed(USER, FIXTURE)
    aio.reset_account(USER)
    status, feeds = aio_server.api("GET", f"/api/v2/{USER}/feeds")
    assert (status, feeds) == (200, [])
    aio.seed(USER, FIXTURE)
    aio.reset()  # accounts kept, their content gone
    status, feeds = aio_server.api("GET", f"/api/v2/{USER}/feeds")
    assert (status, feeds) == (200, [])


def test_a_bad_fixture_is_a_control_error_with_the_servers_message(aio):
    with pytest.raises(ControlError) as err:
        aio.seed(USER, {"feeds": "not a list"})
    assert err.value.status == 422
    assert "feeds" in err.value.message


def test_an_unknown_account_is_a_404(aio):
    with pytest.raises(ControlError) as err:
        aio.export("nobody-here")
    assert err.value.status == 404


def test_a_wrong_key_is_a_401(aio_server):
    with pytest.raises(ControlError) as err:
        Control(aio_server.control_url, "not-the-right-key-at-all").clock.get()
    assert err.value.status == 401
    assert "Bearer" in err.value.message


def test_nothing_listening_is_status_0(aio_server):
    from .conftest import free_port

    with pytest.raises(ControlError) as err:
        Control(f"http://127.0.0.1:{free_port()}", CONTROL_KEY, timeout=2).clock.get()
    assert err.value.status == 0
    assert "unreachable" in err.value.message


def test_the_clock_freezes_advances_offsets_and_goes_back(aio):
    at = datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)
    assert aio.clock.freeze(at)["mode"] == "frozen"
    assert aio.clock.now() == at
    aio.clock.advance(90_000)
    assert aio.clock.now() == at + timedelta(seconds=90)
    state = aio.clock.offset(-86_400_000)
    assert state["mode"] == "offset"
    assert abs(aio.clock.now() - (datetime.now(timezone.utc) - timedelta(days=1))) < timedelta(seconds=30)
    assert aio.clock.system()["mode"] == "system"
    with pytest.raises(ControlError) as err:
        aio.clock.advance(-5)
    assert err.value.status == 400


def test_data_written_under_a_frozen_clock_carries_its_time(aio, aio_server):
    aio.clock.freeze("2026-02-02T02:02:02.000Z")
    status, _ = aio_server.api("POST", f"/api/v2/{USER}/feeds/t/data", {"value": 1})
    assert status == 200
    _, data = aio_server.api("GET", f"/api/v2/{USER}/feeds/t/data")
    assert data[0]["created_at"].startswith("2026-02-02T02:02:02")


def test_a_fault_block_answers_the_status_and_removes_its_rule(aio, aio_server):
    with aio.fault(
        door="http",
        account=USER,
        match={"method": "GET", "path": "/api/v2/*/feeds"},
        action={"type": "status", "status": 418, "body": {"error": "teapot"}},
    ) as rule:
        assert any(r["id"] == rule.id for r in aio.faults())
        status, body = aio_server.api("GET", f"/api/v2/{USER}/feeds")
        assert (status, body) == (418, {"error": "teapot"})
        assert rule.hits == 1
    assert all(r["id"] != rule.id for r in aio.faults())
    assert rule.hits == 1
    status, _ = aio_server.api("GET", f"/api/v2/{USER}/feeds")
    assert status == 200


def test_add_list_remove_fault(aio):
    rule = aio.add_fault("mqtt", {"type": "refuse", "return_code": 5}, match={"packet": "connect"}, account=USER)
    assert rule["hits"] == 0
    assert aio.get_fault(rule["id"])["id"] == rule["id"]
    aio.remove_fault(rule["id"])
    with pytest.raises(ControlError) as err:
        aio.get_fault(rule["id"])
    assert err.value.status == 404
    with pytest.raises(ControlError) as err:
        aio.add_fault("carrier-pigeon", {"type": "drop"})
    assert err.value.status == 400


def test_journal_wait_count_and_clear(aio, aio_server):
    aio.clear_journal(USER)
    since = aio.mark(USER)
    aio_server.api("POST", f"/api/v2/{USER}/feeds/j/data", {"value": 1})
    entries = aio.wait(USER, {"door": "http", "method": "POST"}, since=since)
    assert entries.matched is True
    assert entries[0]["method"] == "POST" and entries[0]["status"] == 200
    assert aio.count(USER, {"door": "http", "method": "POST"}) == 1
    assert len(aio.journal(USER, door="http")) >= 1
    # The key the device sent never shows up in the journal.
    assert USER_KEY not in repr(aio.journal(USER))
    aio.clear_journal(USER)
    assert aio.count(USER, {"door": "http"}) == 0


def test_a_wait_that_runs_out_says_what_it_saw(aio, aio_server):
    aio.clear_journal(USER)
    aio_server.api("POST", f"/api/v2/{USER}/feeds/j/data", {"value": 1})
    with pytest.raises(JournalTimeout) as err:
        aio.wait(USER, {"door": "http", "method": "POST"}, count=2, timeout=0.2)
    assert len(err.value.entries) == 1
    assert "saw 1" in str(err.value) and "method='POST'" in str(err.value)


def test_url_and_key_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("AIO_CONTROL_URL", "http://example.test:9999/")
    monkeypatch.setenv("AIO_CONTROL_KEY", "k" * 16)
    aio = Control()
    assert (aio.url, aio.key) == ("http://example.test:9999", "k" * 16)
    monkeypatch.delenv("AIO_CONTROL_URL")
    monkeypatch.setenv("AIO_CONTROL_PORT", "9123")
    assert Control().url == "http://127.0.0.1:9123"
    monkeypatch.delenv("AIO_CONTROL_PORT")
    with pytest.raises(ValueError, match="AIO_CONTROL_URL"):
        Control()
    monkeypatch.setenv("AIO_CONTROL_URL", "http://example.test")
    monkeypatch.delenv("AIO_CONTROL_KEY")
    with pytest.raises(ValueError, match="AIO_CONTROL_KEY"):
        Control()
