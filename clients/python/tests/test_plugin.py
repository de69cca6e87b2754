"""The pytest plugin as a user meets it: sub-runs (pytester) of small test files against the server."""

from __future__ import annotations

from aio_control import Control

from .conftest import CONTROL_KEY, USER, USER_KEY

CONFTEST = 'pytest_plugins = ["aio_control.pytest_plugin"]\n'


def control(aio_server) -> Control:
    return Control(aio_server.control_url, CONTROL_KEY)


def test_aio_account_seeds_before_each_test_and_resets_after(pytester, server_args, aio_server):
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(
        test_account='''
        import json, urllib.request
        import pytest

        def get(account, path):
            req = urllib.request.Request(account.http_url + "/api/v2/" + account.username + path,
                                         headers={"X-AIO-Key": account.key})
            with urllib.request.urlopen(req) as res:
                return json.load(res)

        def post(account, path, body):
            req = urllib.request.Request(account.http_url + "/api/v2/" + account.username + path,
                                         data=json.dumps(body).encode(), method="POST",
                                         headers={"X-AIO-Key": account.key, "Content-Type": "application/json"})
            with urllib.request.urlopen(req) as res:
                return res.status

        @pytest.mark.aio_fixture({"feeds": [{"key": "seeded", "data": [{"value": "1"}]}]})
        def test_first(aio, aio_account):
            assert aio_account.username == "tester" and aio_account["key"].startswith("aio-")
            assert "seeded" in aio_account.ids["feeds"]
            assert post(aio_account, "/feeds/extra/data", {"value": 2}) == 200
            aio.add_fault("http", {"type": "status", "status": 500}, account=aio_account.username,
                          match={"path": "/api/v2/*/nothing-here"})

        @pytest.mark.aio_fixture({"feeds": [{"key": "seeded"}]})
        def test_second(aio, aio_account):
            assert [f["key"] for f in get(aio_account, "/feeds")] == ["seeded"]
            assert [r for r in aio.faults() if r.get("account") == aio_account.username] == []
        '''
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", *server_args)
    result.assert_outcomes(passed=2)
    # The second test's teardown removed its rules too.
    aio = control(aio_server)
    assert [r for r in aio.faults() if r.get("account") == USER] == []
    aio.seed(USER, {"key": USER_KEY})


def test_aio_clock_is_frozen_for_the_test_and_back_to_system_after(pytester, server_args, aio_server):
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(
        test_clock='''
        def test_frozen(aio_clock):
            assert aio_clock.get()["mode"] == "frozen"
            before = aio_clock.now()
            aio_clock.advance(3_600_000)
            assert (aio_clock.now() - before).total_seconds() == 3600
        '''
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", *server_args)
    result.assert_outcomes(passed=1)
    assert control(aio_server).clock.get()["mode"] == "system"


def test_fixture_files_from_the_marker_and_the_option(pytester, server_args, aio_server):
    pytester.makeconftest(CONFTEST)
    (pytester.path / "sub").mkdir()
    (pytester.path / "sub" / "marked.json").write_text('{"feeds": [{"key": "from-marker"}]}')
    (pytester.path / "run.json").write_text('{"key": "run-key-0123456789abcdef", "feeds": [{"key": "from-option"}]}')
    (pytester.path / "sub" / "test_files.py").write_text(
        "import pytest\n\n"
        "@pytest.mark.aio_fixture('marked.json')\n"
        "def test_marker(aio_account):\n"
        "    assert list(aio_account.ids['feeds']) == ['from-marker']\n\n"
        "def test_option(aio_account):\n"
        "    assert list(aio_account.ids['feeds']) == ['from-option']\n"
        "    assert aio_account.key == 'run-key-0123456789abcdef'\n"
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "--aio-fixture=run.json", *server_args)
    result.assert_outcomes(passed=2)
    control(aio_server).seed(USER, {"key": USER_KEY})


def test_settings_come_from_the_environment_too(pytester, aio_server, monkeypatch):
    monkeypatch.setenv("AIO_CONTROL_URL", aio_server.control_url)
    monkeypatch.setenv("AIO_CONTROL_KEY", CONTROL_KEY)
    monkeypatch.setenv("AIO_USER", "env-user")
    monkeypatch.setenv("AIO_HTTP_URL", aio_server.http_url)
    monkeypatch.setenv("AIO_MQTT_PORT", str(aio_server.mqtt_port))
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(
        test_env=f'''
        def test_env(aio_account):
            assert aio_account.username == "env-user"
            assert (aio_account.http_url, aio_account.mqtt_host, aio_account.mqtt_port) == (
                "{aio_server.http_url}", "127.0.0.1", {aio_server.mqtt_port})
        '''
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_a_failed_wait_reports_what_the_device_did(pytester, server_args):
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(
        test_wait='''
        import urllib.request

        def test_two_posts_expected(aio, aio_account):
            req = urllib.request.Request(aio_account.http_url + "/api/v2/" + aio_account.username + "/feeds/t/data",
                                         data=b'{"value": 1}', method="POST",
                                         headers={"X-AIO-Key": aio_account.key, "Content-Type": "application/json"})
            urllib.request.urlopen(req).close()
            aio.wait(aio_account.username, {"door": "http", "method": "POST"}, count=2, timeout=0.1)
        '''
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", *server_args)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*JournalTimeout*saw 1*", "*method='POST'*status=200*"])
