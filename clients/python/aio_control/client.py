"""`Control`: every call of the aio-local test control plane, over urllib.

The control plane is a separate listener of aio-local, off unless the server was started with
`AIO_CONTROL_PORT` (and `AIO_CONTROL_KEY`, at least 16 characters). Every call sends
`Authorization: Bearer <key>`. A call the server refuses raises `ControlError` carrying the HTTP status
and the server's `{"error": ...}` message; a journal wait that runs out raises `JournalTimeout` carrying
what was seen, so a failing test says what the device did send.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Union
from urllib import error as urlerror
from urllib import parse, request

Json = Dict[str, Any]
#: Entries per journal page `mark` reads (the server's largest).
_PAGE = 10_000
Fixture = Union[Mapping[str, Any], str, "os.PathLike[str]"]


class ControlError(Exception):
    """The control plane answered with an error (or could not be reached: status 0)."""

    def __init__(self, status: int, message: str, method: str = "", path: str = "") -> None:
        self.status = status
        self.message = message
        self.method = method
        self.path = path
        where = f"{method} {path}: " if method else ""
        super().__init__(f"{where}{status} {message}")


class JournalTimeout(AssertionError):
    """`wait` ran out before `count` entries matched; `entries` are the ones that did match."""

    def __init__(self, user: str, match: Mapping[str, Any], count: int, entries: List[Json], timeout: float) -> None:
        self.user = user
        self.match = dict(match)
        self.count = count
        self.entries = entries
        self.timeout = timeout
        seen = "\n".join("  " + _describe(e) for e in entries) or "  (none)"
        super().__init__(
            f"journal of {user}: waited {timeout:g}s for {count} entries matching {json.dumps(self.match)}, "
            f"saw {len(entries)}:\n{seen}"
        )


def _describe(entry: Mapping[str, Any]) -> str:
    """One journal entry on one line, for failure messages."""
    keys = ("seq", "door", "dir", "client_id", "packet", "method", "path", "status", "topic", "qos", "payload", "fault")
    return " ".join(f"{k}={entry[k]!r}" for k in keys if entry.get(k) is not None)


class Entries(List[Json]):
    """Journal entries (a list) with the cursor to pass as `since` to see only what comes after them."""

    def __init__(self, entries: List[Json], next_since: Optional[int], matched: Optional[bool] = None) -> None:
        super().__init__(entries)
        self.next_since = next_since
        self.matched = matched


def _iso(at: Union[datetime, str, int, float]) -> str:
    if isinstance(at, str):
        return at
    if isinstance(at, (int, float)):
        at = datetime.fromtimestamp(at / 1000, tz=timezone.utc)
    if at.tzinfo is None:
        raise ValueError("a naive datetime is ambiguous: give it a tzinfo (e.g. timezone.utc)")
    return at.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def load_fixture(fixture: Fixture) -> Json:
    """A fixture given as a mapping is copied; a path (str or PathLike) is read as JSON."""
    if isinstance(fixture, Mapping):
        return json.loads(json.dumps(fixture))
    with open(Path(fixture), encoding="utf-8") as f:
        data = json.load(f)
    if not isinstance(data, dict):
        raise ValueError(f"{fixture}: a fixture is a JSON object")
    return data


class Clock:
    """The server's clock: `aio.clock.get()`, `.freeze(at)`, `.offset(ms)`, `.advance(ms)`, `.system()`.

    Everything time-dependent in the server follows it (created_at, rate-limit refill, bans, retention,
    token expiry, time topics, schedules, feed status). After an advance, what came due runs once.
    """

    def __init__(self, control: "Control") -> None:
        self._control = control

    def get(self) -> Json:
        """`{"now": ISO, "mode": "system"|"frozen"|"offset", ...}`."""
        return self._control._call("GET", "/_aio/clock")

    def now(self) -> datetime:
        """The server's current time as an aware datetime."""
        return datetime.fromisoformat(self.get()["now"].replace("Z", "+00:00"))

    def freeze(self, at: Union[datetime, str, int, float, None] = None) -> Json:
        """Stops the clock at `at` (a datetime, an ISO string or epoch ms); without `at`, at the server's now."""
        when = self.get()["now"] if at is None else _iso(at)
        return self._control._call("PUT", "/_aio/clock", {"mode": "frozen", "at": when})

    def offset(self, ms: int) -> Json:
        """Runs the clock `ms` milliseconds ahead of (negative: behind) system time."""
        return self._control._call("PUT", "/_aio/clock", {"mode": "offset", "offset_ms": int(ms)})

    def advance(self, ms: int) -> Json:
        """Moves the clock forward `ms` milliseconds; timers that came due run once."""
        return self._control._call("POST", "/_aio/clock/advance", {"ms": int(ms)})

    def system(self) -> Json:
        """Back to system time."""
        return self._control._call("DELETE", "/_aio/clock")


class Fault:
    """A fault rule made by `Control.fault`: `id`, the rule as the server sent it (`rule`), and its `hits`.

    While the `with` block runs, `hits` asks the server; after it, it is the count the rule ended with
    (spent rules stay listed with their hits until removed).
    """

    def __init__(self, control: "Control", rule: Json) -> None:
        self._control = control
        self.rule = rule
        self.id = rule["id"]
        self._final: Optional[Json] = None

    @property
    def hits(self) -> int:
        if self._final is not None:
            return int(self._final.get("hits", 0))
        return int(self._control.get_fault(self.id).get("hits", 0))

    def _finish(self) -> None:
        try:
            self._final = self._control.get_fault(self.id)
            self._control.remove_fault(self.id)
        except ControlError as err:
            # Already removed (a reset, or clear_faults inside the block): nothing left to clean up, and
            # `hits` will say the rule is gone rather than guess.
            if err.status != 404:
                raise

    def __enter__(self) -> "Fault":
        return self

    def __exit__(self, *exc: object) -> None:
        self._finish()

    def __repr__(self) -> str:
        return f"Fault({self.rule!r})"


class Control:
    """A client of the control plane.

    `url` defaults to `$AIO_CONTROL_URL`, else `http://127.0.0.1:$AIO_CONTROL_PORT`; `key` to `$AIO_CONTROL_KEY`.
    `timeout` (seconds) bounds each call; a journal wait adds its own timeout to it.
    """

    def __init__(self, url: Optional[str] = None, key: Optional[str] = None, timeout: float = 30.0) -> None:
        url = url or os.environ.get("AIO_CONTROL_URL")
        if not url and os.environ.get("AIO_CONTROL_PORT"):
            url = f"http://127.0.0.1:{os.environ['AIO_CONTROL_PORT']}"
        if not url:
            raise ValueError("no control plane URL: pass url= or set AIO_CONTROL_URL (or AIO_CONTROL_PORT)")
        key = key or os.environ.get("AIO_CONTROL_KEY")
        if not key:
            raise ValueError("no control key: pass key= or set AIO_CONTROL_KEY")
        self.url = url.rstrip("/")
        self.key = key
        self.timeout = timeout
        self.clock = Clock(self)

    def __repr__(self) -> str:
        return f"Control({self.url!r})"

    # -- transport -------------------------------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        body: Optional[Mapping[str, Any]] = None,
        query: Optional[Mapping[str, Any]] = None,
        timeout: Optional[float] = None,
    ) -> Any:
        url = self.url + path
        if query:
            pairs = {k: _query_value(v) for k, v in query.items() if v is not None}
            if pairs:
                url += "?" + parse.urlencode(pairs)
        data = None if body is None else json.dumps(body).encode("utf-8")
        req = request.Request(url, data=data, method=method)
        req.add_header("Authorization", f"Bearer {self.key}")
        req.add_header("Accept", "application/json")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with request.urlopen(req, timeout=timeout or self.timeout) as res:
                raw = res.read()
        except urlerror.HTTPError as err:
            raw = err.read()
            raise ControlError(err.code, _error_message(raw, err.reason), method, path) from None
        except (urlerror.URLError, OSError) as err:
            reason = getattr(err, "reason", err)
            raise ControlError(0, f"control plane unreachable at {self.url}: {reason}", method, path) from None
        if not raw:
            return {}
        return json.loads(raw.decode("utf-8"))

    # -- state -----------------------------------------------------------------------------------

    def reset(self, accounts: str = "keep") -> Json:
        """Resets the whole server: data, faults, journal, clock; `accounts="delete"` removes the accounts too."""
        return self._call("POST", "/_aio/reset", {"accounts": accounts})

    def reset_account(self, user: str, disconnect: bool = True) -> Json:
        """Empties one account (feeds, data, groups, dashboards, tokens, rate buckets, bans, sessions...);
        `disconnect` also closes its MQTT connections."""
        return self._call("POST", f"/_aio/accounts/{_seg(user)}/reset", {"disconnect": disconnect})

    def seed(self, user: str, fixture: Fixture) -> Json:
        """Creates or replaces `user` from a fixture (a mapping or the path of a JSON file); returns the ids
        the server gave to what it created (`{"feeds": {...}, ...}`)."""
        answer = self._call("PUT", f"/_aio/accounts/{_seg(user)}", load_fixture(fixture))
        return answer.get("ids", {})

    def export(self, user: str) -> Json:
        """The account in the fixture format (what `seed` takes)."""
        return self._call("GET", f"/_aio/accounts/{_seg(user)}/export")

    # -- faults ----------------------------------------------------------------------------------

    def add_fault(
        self,
        door: str,
        action: Mapping[str, Any],
        match: Optional[Mapping[str, Any]] = None,
        account: Optional[str] = None,
        phase: Optional[str] = None,
        times: Optional[int] = None,
        after: Optional[int] = None,
        ttl_ms: Optional[int] = None,
        probability: Optional[float] = None,
        **extra: Any,
    ) -> Json:
        """Adds a fault rule and returns it as the server stored it (`id`, ..., `hits`).

        door: "http" or "mqtt". match: HTTP `{"method", "path"}` (`*` globs in the path), MQTT
        `{"packet", "dir", "topic"}`. action: `{"type": ...}`, see the README. account: whose traffic it
        hits (None: anyone's, unknown logins included). phase: "before" or "after" the write is committed.
        times: how many hits before it is spent; after: how many matches pass first; ttl_ms: lifetime.
        """
        body: Json = {"door": door, "action": dict(action)}
        optional = {
            "match": dict(match) if match is not None else None,
            "account": account,
            "phase": phase,
            "times": times,
            "after": after,
            "ttl_ms": ttl_ms,
            "probability": probability,
        }
        body.update({k: v for k, v in optional.items() if v is not None})
        body.update(extra)
        return self._call("POST", "/_aio/faults", body)

    def fault(self, door: str, action: Mapping[str, Any], **kwargs: Any) -> Fault:
        """`add_fault` as a context manager: the rule is removed when the `with` block ends.

            with aio.fault(door="mqtt", account="tester", match={"packet": "puback", "dir": "out"},
                           action={"type": "omit_ack"}, times=1) as rule:
                ...
            assert rule.hits == 1
        """
        return Fault(self, self.add_fault(door, action, **kwargs))

    def faults(self) -> List[Json]:
        """Every fault rule, with its hits."""
        answer = self._call("GET", "/_aio/faults")
        return answer["faults"] if isinstance(answer, dict) else answer

    def get_fault(self, rule_id: str) -> Json:
        return self._call("GET", f"/_aio/faults/{_seg(str(rule_id))}")

    def remove_fault(self, rule_id: str) -> Json:
        return self._call("DELETE", f"/_aio/faults/{_seg(str(rule_id))}")

    def clear_faults(self) -> Json:
        return self._call("DELETE", "/_aio/faults")

    # -- journal ---------------------------------------------------------------------------------

    def journal(self, user: str, since: Optional[int] = None, **filters: Any) -> Entries:
        """What `user`'s clients sent and got, oldest first. Filters: door, packet, dir, topic, method, path,
        client_id, status, fault; `since`: a cursor from an earlier answer's `next_since`; `limit`: at most
        that many (1000 unless said), and then `next_since` is where to go on from."""
        answer = self._call("GET", f"/_aio/accounts/{_seg(user)}/journal", query={**filters, "since": since})
        return Entries(answer.get("entries", []), answer.get("next_since"))

    def mark(self, user: str) -> Optional[int]:
        """The journal cursor now: pass it as `since` to wait only for what happens next."""
        # A page that is full ends at its last entry, not at the journal's end: read on until one is not.
        since: Optional[int] = None
        while True:
            page = self.journal(user, since=since, limit=_PAGE)
            if len(page) < _PAGE:
                return page.next_since
            since = page.next_since

    def wait(
        self,
        user: str,
        match: Mapping[str, Any],
        count: int = 1,
        since: Optional[int] = None,
        timeout: float = 5.0,
    ) -> Entries:
        """Blocks until `count` journal entries match (history from `since` first, so it never races)
        and returns them; raises `JournalTimeout` with the matching entries seen if `timeout` runs out."""
        body: Json = {"match": dict(match), "count": int(count), "timeout_ms": int(timeout * 1000)}
        if since is not None:
            body["since"] = since
        answer = self._call(
            "POST", f"/_aio/accounts/{_seg(user)}/journal/wait", body, timeout=self.timeout + timeout
        )
        entries = Entries(answer.get("entries", []), answer.get("next_since"), answer.get("matched"))
        if not answer.get("matched"):
            raise JournalTimeout(user, match, count, list(entries), timeout)
        return entries

    def count(self, user: str, match: Mapping[str, Any], since: Optional[int] = None) -> int:
        """How many journal entries of `user` match (after `since`, when given)."""
        body: Json = {"match": dict(match)}
        if since is not None:
            body["since"] = since
        return int(self._call("POST", f"/_aio/accounts/{_seg(user)}/journal/count", body)["count"])

    def clear_journal(self, user: str) -> Json:
        return self._call("DELETE", f"/_aio/accounts/{_seg(user)}/journal")


def _seg(value: str) -> str:
    return parse.quote(value, safe="")


def _query_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def _error_message(raw: bytes, fallback: str) -> str:
    try:
        body = json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        text = raw.decode("utf-8", "replace").strip()
        return text or str(fallback)
    if isinstance(body, dict) and "error" in body:
        return str(body["error"])
    return json.dumps(body)

