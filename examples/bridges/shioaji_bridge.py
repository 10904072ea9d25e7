#!/usr/bin/env python3
"""A salvo worker for Shioaji (永豐金 SinoPac), whose orders go through its Python SDK.

    salvo --exec 'python3 examples/bridges/shioaji_bridge.py' --workers 5 --window 250/10s orders.csv

Written against the SDK's documented API (sj.Shioaji(simulation=...),
api.login(api_key, secret_key), api.activate_ca, api.Contracts.Stocks[code],
api.Order, api.place_order -> Trade with .order and .status, api.update_status,
api.list_trades). Shioaji cannot be installed where salvo is built, so this
file has not run against the real SDK: it runs in salvo's tests against a
stand-in with the same names (tests/standin/shioaji). New users must pass
Sinopac's simulation test first: SHIOAJI_SIMULATION=1 (the default here).

Credentials, from the environment (NAME, or NAME_FILE holding it on its first line):
    SHIOAJI_API_KEY, SHIOAJI_SECRET_KEY, SHIOAJI_CA_PATH (.pfx), SHIOAJI_CA_PASSWORD,
    SHIOAJI_PERSON_ID; SHIOAJI_SIMULATION=0 for production.
Sinopac allows 250 order operations per 10 s and 5 connections per person:
--window 250/10s and --workers 5 at most.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import salvo_worker  # noqa: E402

import shioaji as sj  # noqa: E402

api = None


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
    global api
    api = sj.Shioaji(simulation=os.environ.get("SHIOAJI_SIMULATION", "1") != "0")
    api.login(api_key=secret("SHIOAJI_API_KEY"), secret_key=secret("SHIOAJI_SECRET_KEY"))
    api.activate_ca(ca_path=secret("SHIOAJI_CA_PATH"), ca_passwd=secret("SHIOAJI_CA_PASSWORD"),
                    person_id=secret("SHIOAJI_PERSON_ID"))
    salvo_worker.log("worker %s logged in" % hello["worker"])


def custom_field(client_order_id):
    # Shioaji's memo field: letters and digits, at most 6.
    return re.sub(r"[^A-Za-z0-9]", "", client_order_id)[-6:]


PLACED = {"PendingSubmit", "PreSubmitted", "Submitted", "PartFilled", "Filled", "Cancelled"}


def place(o):
    try:
        contract = api.Contracts.Stocks[o["symbol"]]
    except KeyError:
        contract = None
    if contract is None:  # before any SDK call that could send: provably not placed
        return {"status": "rejected", "error": "no such stock: %s" % o["symbol"]}
    order = api.Order(
        price=float(o["price"]) if o.get("price") else 0,
        quantity=int(o["quantity"]),
        action=sj.constant.Action.Buy if o["side"] == "BUY" else sj.constant.Action.Sell,
        price_type=sj.constant.StockPriceType.LMT if o.get("type", "LIMIT") == "LIMIT" else sj.constant.StockPriceType.MKT,
        order_type=sj.constant.OrderType.ROD,
        order_lot=sj.constant.StockOrderLot.Common,
        custom_field=custom_field(o["client_order_id"]),
        account=api.stock_account,
    )
    trade = api.place_order(contract, order)  # blocks until the broker answers (timeout 5 s)
    status = trade.status.status.value if hasattr(trade.status.status, "value") else str(trade.status.status)
    if status == "Failed":
        return {"status": "rejected", "error": trade.status.msg, "order_status": status}
    if status in PLACED:
        return {"status": "accepted", "order_id": trade.order.id, "seqno": trade.order.seqno,
                "ordno": trade.order.ordno, "order_status": status}
    return {"status": "unknown", "error": "order status %s" % status, "order_status": status}


def lookup(msg):
    api.update_status(api.stock_account)
    tag = custom_field(msg["client_order_id"])
    hits = [t for t in api.list_trades() if t.order.custom_field == tag]
    return True if len(hits) == 1 else False if not hits else None  # 6 characters can collide


if __name__ == "__main__":
    sys.exit(salvo_worker.run(login, place, lookup, name="shioaji"))
