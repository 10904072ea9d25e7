"""The behaviour behind salvo's stand-in SDKs (tests only).

fubon_neo/ and shioaji/ here carry the names the real SDKs document, so the
bridges in examples/bridges run unchanged in salvo's tests and benchmark
(PYTHONPATH=tests/standin). Every order call does what its symbol says:

    REJECT...  the broker says no            RAISE...  the call raises after the order left
    HANG...    the call never returns        CRASH...  the process dies (SIGKILL) mid-call
    BUSY...    the broker's rate limit refuses it (Fubon: 流量控管)
    anything else: accepted

Environment: STANDIN_CALL_MS (each order call sleeps this long; default 0),
STANDIN_LOGIN_MS (login sleeps this long), STANDIN_LOGIN_FAIL=1 (login is
refused), STANDIN_RECORD=FILE (the broker's book: one JSON line per order
that reached it, shared by every process; lookups read it).
"""
import json
import os
import signal
import threading
import time

_lock = threading.Lock()
_seq = [0]


def login_delay():
    ms = float(os.environ.get("STANDIN_LOGIN_MS", "0"))
    if ms:
        time.sleep(ms / 1000)
    return os.environ.get("STANDIN_LOGIN_FAIL") != "1"


def _record(entry):
    path = os.environ.get("STANDIN_RECORD")
    if not path:
        return
    line = (json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)  # one write(2) a line: whole lines from many processes
    finally:
        os.close(fd)


def book():
    path = os.environ.get("STANDIN_RECORD")
    if not path or not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def order_call(symbol, tag):
    """('accepted', order_no) | ('rejected', message) | ('busy', message); or it raises, hangs, dies."""
    ms = float(os.environ.get("STANDIN_CALL_MS", "0"))
    arrived = time.time()  # when the order reached the "broker": the rate the broker sees
    if symbol.startswith("BUSY"):
        return "busy", "業務系統流量控管"
    if symbol.startswith("HANG"):
        _record({"tag": tag, "symbol": symbol, "outcome": "hang", "ts": arrived})
        while True:
            time.sleep(3600)
    if ms:
        time.sleep(ms / 1000)
    with _lock:
        _seq[0] += 1
        order_no = "P%d-%05d" % (os.getpid(), _seq[0])
    if symbol.startswith("REJECT"):
        _record({"tag": tag, "symbol": symbol, "outcome": "rejected", "ts": arrived})
        return "rejected", "股票代號錯誤 (stand-in reject)"
    _record({"tag": tag, "symbol": symbol, "outcome": "accepted", "order_no": order_no, "ts": arrived})
    if symbol.startswith("CRASH"):
        os.kill(os.getpid(), signal.SIGKILL)
    if symbol.startswith("RAISE"):
        raise ConnectionResetError("stand-in: connection reset after the order left")
    return "accepted", order_no
