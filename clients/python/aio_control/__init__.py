"""Client for the aio-local test control plane (issue #18), and a pytest plugin built on it.

    from aio_control import Control
    aio = Control("http://127.0.0.1:9090", "a-control-key-of-16+chars")
    ids = aio.seed("tester", {"key": "tester-key-0123456789", "feeds": [{"key": "temp"}]})
    with aio.fault(door="http", account="tester", match={"method": "POST", "path": "/api/v2/*/feeds/*/data"},
                   action={"type": "status", "status": 503, "headers": {"Retry-After": "1"}}, times=1):
        ...  # run the device
    aio.wait("tester", {"door": "http", "method": "POST"}, count=2)

No dependency beyond the standard library (Python 3.9 or later).
"""

from .client import Clock, Control, ControlError, Entries, Fault, JournalTimeout

__all__ = ["Clock", "Control", "ControlError", "Entries", "Fault", "JournalTimeout"]
