#!/usr/bin/env python3
"""A salvo worker for your broker's SDK: copy this file, fill in the three functions.

    salvo --exec 'python3 my_bridge.py' --workers 8 --rate 20/s orders.csv

salvo starts --workers copies; each logs in once (login), then gets one order
at a time (place) and, with salvo --exec-lookup, questions about orders whose
outcome is unknown (lookup). The protocol is docs/exec-protocol.md;
salvo_worker.py speaks it. Rules that keep every order accounted for:

- "accepted" / "duplicate" only when the broker said so; "rejected" when it
  said no; "failed" only when the order provably never left (the SDK refused
  it before sending, or the broker's rate limit turned it away): salvo may send
  it again. Anything else is "unknown" (an exception does that for you).
- Put salvo's client_order_id in the broker's client tag when it has one, so
  lookup() can find the order after a crash.
- Read credentials from the environment or a file, never from argv.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import salvo_worker  # noqa: E402

client = None


def login(hello):
    global client
    # client = mybroker.Client(os.environ["MYBROKER_KEY"]); client.login()
    client = object()
    salvo_worker.log("worker %s ready (of %s)" % (hello["worker"], hello["workers"]))


def place(o):
    # o: id, seq, line, attempt, client_order_id, symbol, side, quantity, price
    #    (strings, exactly as in the input), type, body (the rendered --body-template)
    # r = client.place_order(symbol=o["symbol"], side=o["side"], qty=int(o["quantity"]),
    #                        price=o.get("price"), tag=o["client_order_id"])
    # return {"status": "accepted", "order_id": r.id} if r.ok else {"status": "rejected", "error": r.msg}
    raise NotImplementedError("fill in place() with your SDK's order call")


def lookup(msg):
    # return client.find_order(tag=msg["client_order_id"]) is not None
    return None


if __name__ == "__main__":
    sys.exit(salvo_worker.run(login, place, lookup, name="template"))
