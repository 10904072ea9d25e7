#!/usr/bin/env python3
"""A salvo worker for Fubon Neo (富邦新一代 API), whose orders go only through its SDK.

    salvo --exec 'python3 examples/bridges/fubon_neo_bridge.py' --workers 5 --rate 50/s orders.csv

Written against the SDK's documented Python API (fubon_neo 2.2.x: FubonSDK,
login / apikey_login, sdk.stock.place_order, Result{is_success, message, data},
sdk.stock.get_order_results). The SDK cannot be installed where salvo is built,
so this file has not run against the real one: it runs in salvo's tests against
a stand-in with the same names (tests/standin/fubon_neo). Try it in Fubon's
test environment before the market.

Credentials, from the environment (NAME, or NAME_FILE holding it on its first line):
    FUBON_ID, FUBON_PASSWORD (or FUBON_API_KEY for apikey_login), FUBON_CERT_PATH
    (.pfx), FUBON_CERT_PASSWORD; FUBON_ACCOUNT picks an account (default: the first).
Fubon allows 10 connections per person: keep --workers at or under that, and
--rate at or under 50/s (the broker's order limit).
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import salvo_worker  # noqa: E402

from fubon_neo.constant import BSAction, MarketType, OrderType, PriceType, TimeInForce  # noqa: E402
from fubon_neo.sdk import FubonSDK, Order  # noqa: E402

sdk = None
account = None


def secret(name, default=None):
    path = os.environ.get(name + "_FILE")
    if path:
        with open(path, encoding="utf-8") as f:
            return f.readline().rstrip("\r\n")
    value = os.environ.get(name, default)
    if value is None:
        raise RuntimeError("set %s or %s_FILE" % (name, name))
    return value


def login(hello):
    global sdk, account
    sdk = FubonSDK()
    if os.environ.get("FUBON_API_KEY") or os.environ.get("FUBON_API_KEY_FILE"):
        res = sdk.apikey_login(secret("FUBON_ID"), secret("FUBON_API_KEY"), secret("FUBON_CERT_PATH"),
                               secret("FUBON_CERT_PASSWORD"))
    else:
        res = sdk.login(secret("FUBON_ID"), secret("FUBON_PASSWORD"), secret("FUBON_CERT_PATH"),
                        secret("FUBON_CERT_PASSWORD"))
    if not res.is_success:
        raise RuntimeError("login failed: %s" % res.message)
    wanted = os.environ.get("FUBON_ACCOUNT")
    account = next((a for a in res.data if not wanted or a.account == wanted), None)
    if account is None:
        raise RuntimeError("no account %s among those this login sees" % wanted)
    salvo_worker.log("worker %s logged in" % hello["worker"])


def user_def(client_order_id):
    # Fubon's client tag: letters and digits, at most 10 (a longer one is cut, not refused).
    # salvo's ids end in 16 hex digits of a hash: the last 10 name the order within a day.
    return re.sub(r"[^A-Za-z0-9]", "", client_order_id)[-10:]


def place(o):
    order = Order(
        buy_sell=BSAction.Buy if o["side"] == "BUY" else BSAction.Sell,
        symbol=o["symbol"],
        price=o.get("price"),
        quantity=int(o["quantity"]),
        market_type=MarketType.Common,
        price_type=PriceType.Limit if o.get("type", "LIMIT") == "LIMIT" else PriceType.Market,
        time_in_force=TimeInForce.ROD,
        order_type=OrderType.Stock,
        user_def=user_def(o["client_order_id"]),
    )
    res = sdk.stock.place_order(account, order)  # blocks until the broker answers
    if res.is_success:
        return {"status": "accepted", "order_id": res.data.order_no, "seq_no": res.data.seq_no}
    if "流量控管" in (res.message or ""):  # the broker's rate limit: refused, not placed
        return {"status": "failed", "error": res.message}
    return {"status": "rejected", "error": res.message}


def lookup(msg):
    res = sdk.stock.get_order_results(account)
    if not res.is_success:
        return None
    tag = user_def(msg["client_order_id"])
    return any(r.user_def == tag for r in res.data)


if __name__ == "__main__":
    sys.exit(salvo_worker.run(login, place, lookup, name="fubon_neo"))
