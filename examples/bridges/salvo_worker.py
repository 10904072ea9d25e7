"""salvo's worker protocol, version 1, for bridges written in Python.

The protocol is docs/exec-protocol.md. salvo starts a bridge with
`salvo --exec 'python3 my_bridge.py' --workers N`; each worker process logs
in once, then answers one order line at a time. A bridge only writes three
functions and calls run():

    login(hello)   once; raise to refuse to start (salvo exits 2, sends nothing)
    place(order)   per order line: a dict with "status" in accepted, rejected,
                   duplicate, failed (provably not placed) or unknown, plus
                   anything else worth keeping ("order_id", "error", ...)
    lookup(msg)    optional, for salvo --exec-lookup: True (the broker has
                   msg["client_order_id"]), False (it has not), None (cannot tell)

An exception out of place() is answered "unknown": it may have been raised
after the order reached the broker. Raise before the SDK call, or return
"rejected"/"failed", only when the order provably did not go.

Only protocol lines reach salvo's pipe: file descriptor 1 is pointed at
stderr before login, so an SDK that prints (even from C) cannot corrupt the
protocol; salvo passes stderr on, each line marked with the worker number.
Standard library only.
"""
import json
import os
import sys
import time

PROTOCOL = 1


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def _answer_writer():
    proto = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)  # the SDK's stdout (Python's and C's) goes to stderr from here
    sys.stdout = sys.stderr

    def write(obj):
        proto.write(json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=str) + "\n")
        proto.flush()

    return write


def run(login, place, lookup=None, name="bridge"):
    write = _answer_writer()
    first = sys.stdin.readline()
    if not first:
        return 0
    try:
        hello = json.loads(first)
    except ValueError:
        write({"protocol": PROTOCOL, "ready": False, "error": "the handshake was not JSON"})
        return 1
    if hello.get("protocol") != PROTOCOL:
        write({"protocol": PROTOCOL, "ready": False,
               "error": "salvo speaks protocol %r; this bridge speaks %d" % (hello.get("protocol"), PROTOCOL)})
        return 1
    try:
        login(hello)
    except Exception as e:  # noqa: BLE001 - every failure to log in is a refusal to start
        write({"protocol": PROTOCOL, "ready": False, "error": "%s: %s" % (type(e).__name__, e)})
        return 1
    write({"protocol": PROTOCOL, "ready": True, "name": name, "pid": os.getpid()})
    for line in sys.stdin:
        if not line.strip():
            continue
        msg = json.loads(line)
        if msg.get("op") == "lookup":
            if lookup is None:
                ans = {"found": None, "error": "this bridge cannot look orders up"}
            else:
                try:
                    found = lookup(msg)
                    ans = {"found": found}
                except Exception as e:  # noqa: BLE001
                    ans = {"found": None, "error": "%s: %s" % (type(e).__name__, e)}
        else:
            called = time.monotonic_ns()  # salvo's rate windows count the order from here
            try:
                ans = dict(place(msg))
            except Exception as e:  # noqa: BLE001 - it may have reached the broker
                ans = {"status": "unknown", "error": "%s: %s" % (type(e).__name__, e)}
            ans.setdefault("called_mono_ns", called)
        ans["id"] = msg["id"]
        write(ans)
    return 0  # salvo closed our stdin: the run is over
