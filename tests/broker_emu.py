#!/usr/bin/env python3
"""broker_emu: nine brokers' order endpoints at the wire level, for salvo's tests.

Written from the brokers' own documentation and SDKs, not from salvo's code:
each broker checks its credentials and signature the way the broker says it
does, checks the timestamp against its receive window, and answers in its own
envelope. Sources are named at each broker below and in
examples/brokers/NAME.json.

One server, one port: the brokers' order paths do not collide, so each
request is routed by its method and path, exactly as the broker would see it
(/api/v3/order is Binance, /v5/order/create Bybit, ...). When ready it prints
the port alone on a line of stdout and flushes: wait for that line.

Three brokers also cancel and look up an order, by the client order id or
the broker's own id (as placement answered it), signed as placement is:
  Binance  DELETE /api/v3/order (cancel), GET /api/v3/order (lookup), both
           with their parameters in the query string (rest-api.md "Cancel
           order (TRADE)", "Query order (USER_DATA)")
  Bybit    POST /v5/order/cancel; GET /v5/order/realtime, its signature over
           the query string instead of a body (docs/v5/guide.mdx)
  OKX      POST /api/v5/trade/cancel-order; GET /api/v5/trade/order, the GET
           and its path with query signed (docs-v5 "Cancel order", "Order
           details")
A placed order is open, nothing executed; a cancel of an open order
cancels it; a cancel of a filled or cancelled one gets the broker's
"already closed" answer, of an order never placed its "does not exist".

Secrets come from the same environment variables as the profiles
(BINANCE_API_KEY, BINANCE_API_SECRET, OKX_PASSPHRASE, COINBASE_API_SECRET
holding an EC P-256 PEM key, ...). A broker whose variables are unset refuses
every order as an unknown key.

The symbol steers the answer (case-insensitive, anywhere in the symbol):
  REJECT   the broker's business reject (insufficient funds), in its envelope
  LIMIT    its rate-limit answer, the first time a client id is seen; later
           attempts of the same id go through (so a retry after the pause is
           accepted)
  UNKNOWN  a 5xx (Binance: 503, which its docs say is of unknown outcome)
  TIMEOUT  the broker's in-body "outcome unknown" code where it has one
           (Bybit 10016, OKX 51149, Kraken EService:Unavailable)
  BAN      its ban (Binance 418, Bybit 403, Kraken EGeneral:Temporary
           lockout); for BAN_SECONDS afterwards every request gets it too;
           brokers without a ban answer REJECT
  FILL     the order is placed and filled at once (its executed quantity
           is its quantity): a lookup says filled, a cancel gets the broker's
           "already closed" answer. No other word contains it; the words
           above win over it (REJECTFILL is rejected, LIMITFILL filled once
           its retry goes through)
Broker-specific words: Binance WAF (its 403, a WAF rule violated, before the
order reaches the API; other brokers ignore the word); Bybit SYSFREQ with
LIMIT (retCode 10429, "System level frequency protection", instead of 10006).
A client id seen before gets the broker's duplicate answer (Coinbase returns
the existing order, its own product, side and configuration; Tradier has no
dedupe and places it again; OANDA dedupes pending orders only).

Introspection (not any broker's): GET /_emu/log (every request: broker, op
"send" / "cancel" / "status", verdict, status, client id, symbol, time, and
for a cancel or lookup the broker's order id), GET /_emu/orders (the orders
placed, each with its state "open" / "filled" / "cancelled", executed
quantity and the number of cancels it got), POST /_emu/reset.

Usage: broker_emu.py [--host 127.0.0.1] [--port 0] [--ban-seconds 2]
Python 3 standard library; Coinbase's ES256 check needs python3-cryptography.
"""
import argparse
import base64
import hashlib
import hmac
import json
import os
import re
import sys
import threading
import time
import urllib.parse
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BROKERS = ("alpaca", "binance", "bybit", "okx", "kraken", "coinbase", "bitget", "oanda", "tradier")


def now_ms():
    return int(time.time() * 1000)


def b64(data):
    return base64.b64encode(data).decode()


# ---- the signatures, each as its broker documents it ----

def binance_sign(secret, payload):
    """HMAC-SHA256 over query string || body, lowercase hex (rest-api.md, SIGNED endpoint examples)."""
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()


def bybit_sign(secret, timestamp, key, recv_window, body):
    """HMAC-SHA256 over timestamp + api key + recv_window + body, lowercase hex (docs/v5/guide.mdx)."""
    msg = f"{timestamp}{key}{recv_window}".encode() + body
    return hmac.new(secret.encode(), msg, hashlib.sha256).hexdigest()


def okx_sign(secret, timestamp, method, path_query, body):
    """base64 HMAC-SHA256 over ISO timestamp + METHOD + requestPath + body (python-okx utils.py)."""
    msg = f"{timestamp}{method.upper()}{path_query}".encode() + body
    return b64(hmac.new(secret.encode(), msg, hashlib.sha256).digest())


bitget_sign = okx_sign  # the same shape with an epoch-ms timestamp (v3-bitget-api-sdk utils.py)


def kraken_sign(secret_b64, path, nonce, body):
    """base64 HMAC-SHA512, key b64decode(secret), over path + SHA256(nonce + body) (spot-rest-auth)."""
    inner = hashlib.sha256(nonce.encode() + body).digest()
    return b64(hmac.new(base64.b64decode(secret_b64), path.encode() + inner, hashlib.sha512).digest())


def ed25519_verify(pem, message, sig):
    """True when sig is an Ed25519 signature of message by pem's key (Binance's Ed25519 API keys)."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, ed25519.Ed25519PrivateKey):
        return False
    try:
        key.public_key().verify(sig, message)
        return True
    except InvalidSignature:
        return False


def b64url_decode(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def es256_verify(pem, signing_input, sig):
    """True when sig (raw r||s, 64 bytes) is an ES256 signature of signing_input by pem's key."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1" or len(sig) != 64:
        return False
    der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
    try:
        key.public_key().verify(der, signing_input, ec.ECDSA(hashes.SHA256()))
        return True
    except InvalidSignature:
        return False


# ---- answers ----

class Answer(Exception):
    """An answer decided before the order is placed: status, body, headers, verdict."""

    def __init__(self, status, body, verdict, headers=None):
        super().__init__(verdict)
        self.status, self.body, self.verdict, self.headers = status, body, verdict, headers or {}


def steer(symbol):
    s = (symbol or "").upper()
    for word in ("REJECT", "UNKNOWN", "TIMEOUT", "LIMIT", "BAN"):
        if word in s:
            return word
    return None


def fills(symbol):
    """True when the symbol asks for an order filled at once (FILL; steer's words do not contain it)."""
    return "FILL" in (symbol or "").upper()


class Emulator:
    def __init__(self, ban_seconds=2.0, env=None):
        self.env = os.environ if env is None else env
        self.ban_seconds = ban_seconds
        self.lock = threading.RLock()
        self.reset()

    def reset(self):
        with self.lock:
            self.log = []
            self.orders = []
            self.ids = {b: {} for b in BROKERS}      # client id -> order (dedupe)
            self.book = {b: {} for b in BROKERS}     # ("client_id" | "order_id", id) -> order (cancel, lookup)
            self.limited = {b: set() for b in BROKERS}  # client ids already rate-limited once
            self.nonces = {}                          # Kraken: last nonce per key
            self.jwt_nonces = set()                   # Coinbase: JWT nonces seen
            self.banned_until = {}
            self.seq = 0

    def secret(self, name):
        return self.env.get(name) or None

    def next_id(self):
        with self.lock:
            self.seq += 1
            return self.seq

    # the common path once a broker has checked auth and parsed the order
    def place(self, broker, cid, symbol, pending=True, dedupe=True, order_id=None, **details):
        """Decide REJECT / LIMIT / ... / duplicate / placed; returns (what, order).
        pending: the order rests, so its id stays taken (OANDA dedupes pending orders only);
        dedupe: the broker refuses a repeated id at all (Tradier's tag is only a label);
        order_id: the emulator's sequence number -> the broker's order id as its answer shows it
        (a cancel or lookup by that id finds the order); details: kept with the order (qty, price, ...)."""
        with self.lock:
            return self._place(broker, cid, symbol, pending, dedupe, order_id, details)

    def _place(self, broker, cid, symbol, pending, dedupe, order_id, details):
        what = steer(symbol)
        if what == "BAN":
            self.banned_until[broker] = time.time() + self.ban_seconds
            return "BAN", None
        if what == "LIMIT" and cid not in self.limited[broker]:
            self.limited[broker].add(cid)
            return "LIMIT", None
        if what in ("REJECT", "UNKNOWN", "TIMEOUT"):
            return what, None
        if dedupe and cid and cid in self.ids[broker]:
            return "DUPLICATE", self.ids[broker][cid]
        n = self.next_id()
        order = {"broker": broker, "id": str(n), "client_order_id": cid, "symbol": symbol, "at_ms": now_ms(),
                 "order_id": order_id(n) if order_id else str(n), **details}
        filled = fills(symbol)
        order.update(state="filled" if filled else "open", executed=(order.get("qty") or "0") if filled else "0",
                     cancels=0, updated_ms=order["at_ms"])
        self.orders.append(order)
        if dedupe and cid and pending:
            self.ids[broker][cid] = order
        self.book[broker][("order_id", order["order_id"])] = order
        if cid:
            self.book[broker][("client_id", cid)] = order  # a reused id (Tradier's tag): the latest order
        return "PLACED", order

    def find(self, broker, order_id=None, client_id=None):
        """A copy of the order with the broker's id order_id, else the client id (the brokers'
        own id wins when both are sent: Binance, Bybit and OKX alike); None if never placed."""
        with self.lock:
            key = ("order_id", order_id) if order_id else ("client_id", client_id)
            order = self.book[broker].get(key) if key[1] else None
            return dict(order) if order else None

    def cancel(self, broker, order_id):
        """Cancel the order with the broker's id order_id: returns (its state before, a copy after),
        (None, None) when there is none. An open order is cancelled; a filled or cancelled one
        stays as it is. Every cancel that reaches an order is counted in its "cancels"."""
        with self.lock:
            order = self.book[broker].get(("order_id", order_id))
            if order is None:  # gone by a reset meanwhile
                return None, None
            before = order["state"]
            order["cancels"] += 1
            if before == "open":
                order.update(state="cancelled", updated_ms=now_ms())
            return before, dict(order)

    def banned(self, broker):
        return time.time() < self.banned_until.get(broker, 0)


def form_pairs(raw):
    """key=value pairs of a form or query string; None when malformed."""
    if not raw:
        return []
    try:
        return urllib.parse.parse_qsl(raw, keep_blank_values=True, strict_parsing=True, errors="strict")
    except (ValueError, UnicodeDecodeError):
        return None


def json_body(body):
    try:
        v = json.loads(body.decode("utf-8"))
        return v if isinstance(v, dict) else None
    except (ValueError, UnicodeDecodeError):
        return None


# ---- the brokers ----

def alpaca(emu, req):
    """Alpaca v2: static headers; 422 'client_order_id must be unique'."""
    key, secret = emu.secret("ALPACA_API_KEY"), emu.secret("ALPACA_API_SECRET")
    if not key or req.header("APCA-API-KEY-ID") != key or req.header("APCA-API-SECRET-KEY") != secret:
        raise Answer(401, {"code": 40110000, "message": "request is not authorized"}, "auth")
    o = json_body(req.body)
    if o is None:
        raise Answer(400, {"code": 40010000, "message": "invalid json"}, "malformed")
    for f in ("symbol", "qty", "side", "type", "time_in_force"):
        if not isinstance(o.get(f), str) or not o[f]:
            raise Answer(422, {"code": 40010001, "message": f"{f} is required"}, "invalid")
    if o["side"] not in ("buy", "sell") or o["type"] not in ("market", "limit"):
        raise Answer(422, {"code": 40010001, "message": "invalid order type or side"}, "invalid")
    cid = o.get("client_order_id", "")
    if len(cid) > 128:
        raise Answer(422, {"code": 40010001, "message": "client_order_id must be no more than 128 characters"}, "invalid")
    what, order = emu.place("alpaca", cid, o["symbol"])
    rl = {"X-Ratelimit-Limit": "200", "X-Ratelimit-Remaining": "199", "X-Ratelimit-Reset": str(int(time.time()) + 60)}
    if what == "REJECT" or what == "BAN":
        raise Answer(403, {"code": 40310000, "message": "insufficient buying power"}, "reject", rl)
    if what == "LIMIT":
        raise Answer(429, {"code": 42910000, "message": "rate limit exceeded"}, "limit",
                     {**rl, "X-Ratelimit-Remaining": "0", "Retry-After": "1"})
    if what in ("UNKNOWN", "TIMEOUT"):
        raise Answer(500, {"code": 50010000, "message": "internal server error occurred"}, "unknown")
    if what == "DUPLICATE":
        raise Answer(422, {"code": 40010001, "message": "client_order_id must be unique"}, "duplicate", rl)
    return 200, {"id": f"61e69015-8549-4bfd-b9c3-{int(order['id']):012d}", "client_order_id": cid,
                 "status": "accepted", "symbol": o["symbol"], "qty": o["qty"], "side": o["side"],
                 "type": o["type"]}, "accepted", rl


def binance_auth(emu, req):
    """Binance's checks of every SIGNED request: the ban, the key, the signature over query || body,
    timestamp and recvWindow (rest-api.md, errors.md); returns its parameters (the query's win)."""
    if emu.banned("binance"):
        raise Answer(418, {"code": -1003, "msg": "Way too many requests; IP banned."}, "banned",
                     {"Retry-After": "120"})
    # an HMAC key (BINANCE_API_*) or an Ed25519 one (BINANCE_ED25519_API_*, the secret a PEM private key)
    hkey = req.header("X-MBX-APIKEY")
    ed = hkey is not None and hkey == emu.secret("BINANCE_ED25519_API_KEY")
    key, secret = (emu.secret("BINANCE_ED25519_API_KEY"), emu.secret("BINANCE_ED25519_API_SECRET")) if ed else \
        (emu.secret("BINANCE_API_KEY"), emu.secret("BINANCE_API_SECRET"))
    if not key or not secret or hkey != key:
        raise Answer(401, {"code": -2015, "msg": "Invalid API-key, IP, or permissions for action."}, "auth")
    query = req.query
    ctype = (req.header("Content-Type") or "").split(";")[0].strip().lower()
    body = req.body.decode("latin-1")
    if body and ctype != "application/x-www-form-urlencoded":
        body = ""  # a body of another type carries no parameters: Binance reads none from it
    qp, bp = form_pairs(query), form_pairs(body)
    if qp is None or bp is None:
        raise Answer(400, {"code": -1102, "msg": "Mandatory parameter 'signature' was not sent, was empty/null, or malformed."}, "malformed")
    params = dict(bp)
    params.update(dict(qp))  # a parameter in both: the query string's is used
    sig = params.get("signature")
    if not sig:
        raise Answer(400, {"code": -1102, "msg": "Mandatory parameter 'signature' was not sent, was empty/null, or malformed."}, "malformed")
    # the payload is every parameter as sent but the signature itself
    def strip_sig(raw):
        parts = [p for p in raw.split("&") if p and not p.startswith("signature=")] if raw else []
        return "&".join(parts)
    payload = strip_sig(query) + strip_sig(body)
    if ed:  # base64, case-sensitive, percent-encoded in the request (decoded above)
        try:
            good = ed25519_verify(secret, payload.encode(), base64.b64decode(sig, validate=True))
        except ValueError:
            good = False
    else:  # lowercase hex, case-insensitive
        good = hmac.compare_digest(binance_sign(secret, payload), sig.lower())
    if not good:
        raise Answer(400, {"code": -1022, "msg": "Signature for this request is not valid."}, "signature")
    try:
        ts = int(params.get("timestamp", ""))
        recv = float(params.get("recvWindow", "5000"))
    except ValueError:
        raise Answer(400, {"code": -1102, "msg": "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed."}, "malformed")
    if recv > 60000:
        raise Answer(400, {"code": -1131, "msg": "recvWindow must be less than 60000"}, "malformed")
    server = now_ms()
    if not (ts < server + 1000 and server - ts <= recv):
        raise Answer(400, {"code": -1021, "msg": "Timestamp for this request is outside of the recvWindow."}, "timestamp")
    return params


def binance_mandatory(params, *names):
    for f in names:
        if not params.get(f):
            raise Answer(400, {"code": -1102, "msg": f"Mandatory parameter '{f}' was not sent, was empty/null, or malformed."}, "invalid")


def binance(emu, req):
    """Binance spot placement: POST /api/v3/order, signed (binance_auth), ACK answer (rest-api.md 'New order')."""
    params = binance_auth(emu, req)
    binance_mandatory(params, "symbol", "side", "type")
    if params["type"] == "LIMIT":
        binance_mandatory(params, "timeInForce", "quantity", "price")
    elif params["type"] == "MARKET" and "timeInForce" in params:
        raise Answer(400, {"code": -1106, "msg": "Parameter 'timeInForce' sent when not required."}, "invalid")
    cid = params.get("newClientOrderId", "")
    if cid and not re.fullmatch(r"[a-zA-Z0-9_-]{1,36}", cid):
        raise Answer(400, {"code": -1100, "msg": "Illegal characters found in parameter 'newClientOrderId'; legal range is '^[a-zA-Z0-9-_]{1,36}$'."}, "invalid")
    if "WAF" in params["symbol"].upper():  # rest-api.md: "HTTP 403 ... when a WAF rule has been violated"
        raise Answer(403, "<html><head><title>403 Forbidden</title></head><body><h1>403 Forbidden</h1></body></html>", "waf")
    what, order = emu.place("binance", cid, params["symbol"], order_id=lambda n: str(28 + n),
                            qty=params.get("quantity") or params.get("quoteOrderQty") or "0", price=params.get("price"),
                            side=params["side"], type=params["type"], tif=params.get("timeInForce"))
    used = {"X-MBX-USED-WEIGHT-1M": "1"}
    if what == "BAN":
        raise Answer(418, {"code": -1003, "msg": "Way too many requests; IP banned."}, "ban", {"Retry-After": "120"})
    if what == "LIMIT":
        raise Answer(429, {"code": -1015, "msg": "Too many new orders; current limit is 50 orders per 10 SECOND."}, "limit",
                     {**used, "Retry-After": "1"})
    if what == "REJECT":
        raise Answer(400, {"code": -2010, "msg": "Account has insufficient balance for requested action."}, "reject", used)
    if what == "UNKNOWN":
        raise Answer(503, {"code": -1000, "msg": "Unknown error, please check your request or try again later."}, "unknown")
    if what == "TIMEOUT":
        raise Answer(503, {"code": -1007, "msg": "Timeout waiting for response from backend server. Send status unknown; execution status unknown."}, "unknown")
    if what == "DUPLICATE":
        raise Answer(400, {"code": -2010, "msg": "Duplicate order sent."}, "duplicate", used)
    return 200, {"symbol": params["symbol"], "orderId": int(order["order_id"]), "orderListId": -1,
                 "clientOrderId": cid or f"emu{order['id']}", "transactTime": now_ms()}, "accepted", \
        {**used, "X-MBX-ORDER-COUNT-10S": str(len(emu.orders)), "X-MBX-ORDER-COUNT-1D": str(len(emu.orders))}


BINANCE_STATUS = {"open": "NEW", "filled": "FILLED", "cancelled": "CANCELED"}  # enums.md "Order status"


def binance_amount(v):
    """An amount as Binance answers it, 8 decimals ("1.00000000", rest-api.md's cancel example)."""
    try:
        return f"{Decimal(v or '0'):.8f}"
    except ArithmeticError:
        return v


def binance_order(o):
    """An order as Query order answers it (rest-api.md 'Query order (USER_DATA)')."""
    try:
        quote = f"{Decimal(o['executed']) * Decimal(o.get('price') or '0'):.8f}"
    except ArithmeticError:
        quote = "0.00000000"
    return {"symbol": o["symbol"], "orderId": int(o["order_id"]), "orderListId": -1,
            "clientOrderId": o["client_order_id"] or f"emu{o['id']}", "price": binance_amount(o.get("price")),
            "origQty": binance_amount(o["qty"]), "executedQty": binance_amount(o["executed"]),
            "cummulativeQuoteQty": quote, "status": BINANCE_STATUS[o["state"]],
            "timeInForce": o.get("tif") or "GTC", "type": o["type"], "side": o["side"],
            "stopPrice": "0.00000000", "icebergQty": "0.00000000", "time": o["at_ms"], "updateTime": o["updated_ms"],
            "isWorking": True, "workingTime": o["at_ms"], "origQuoteOrderQty": "0.00000000",
            "selfTradePreventionMode": "NONE"}


def binance_find(emu, req, params):
    """The order a cancel or lookup names: symbol, and orderId or origClientOrderId. When both
    are sent "the orderId is searched first, then the origClientOrderId from that result is
    checked against that order" (rest-api.md); None when there is no such order."""
    binance_mandatory(params, "symbol")
    oid, cid = params.get("orderId"), params.get("origClientOrderId")
    if not oid and not cid:
        raise Answer(400, {"code": -1102, "msg": "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!"}, "invalid")
    if oid and not re.fullmatch(r"[0-9]{1,20}", oid):
        raise Answer(400, {"code": -1100, "msg": "Illegal characters found in parameter 'orderId'; legal range is '^[0-9]{1,20}$'."}, "invalid")
    order = emu.find("binance", oid, cid)
    if order and (order["symbol"] != params["symbol"] or (oid and cid and order["client_order_id"] != cid)):
        order = None
    req.note(order, cid, oid)
    return order


def binance_cancel(emu, req):
    """Binance DELETE /api/v3/order: the order, CANCELED; a filled, cancelled or unknown order is
    HTTP 400 -2011 "Unknown order sent." alike (errors.md; -2011 for a filled order: python-binance#1049)."""
    params = binance_auth(emu, req)
    order = binance_find(emu, req, params)
    used = {"X-MBX-USED-WEIGHT-1M": "1"}
    unknown = {"code": -2011, "msg": "Unknown order sent."}
    before, order = emu.cancel("binance", order["order_id"]) if order else (None, None)
    if before is None:
        raise Answer(400, unknown, "not_found", used)
    if before != "open":
        raise Answer(400, unknown, "already_closed", used)
    o = binance_order(order)
    cancel_id = params.get("newClientOrderId") or f"emuCancel{emu.next_id()}"  # "Automatically generated by default"
    return 200, {"symbol": o["symbol"], "origClientOrderId": o["clientOrderId"], "orderId": o["orderId"],
                 "orderListId": -1, "clientOrderId": cancel_id, "transactTime": now_ms(), "price": o["price"],
                 "origQty": o["origQty"], "executedQty": o["executedQty"], "origQuoteOrderQty": o["origQuoteOrderQty"],
                 "cummulativeQuoteQty": o["cummulativeQuoteQty"], "status": o["status"], "timeInForce": o["timeInForce"],
                 "type": o["type"], "side": o["side"], "selfTradePreventionMode": "NONE"}, "cancelled", used


def binance_status(emu, req):
    """Binance GET /api/v3/order: the order with its status and executedQty; an unknown one is
    HTTP 400 -2013 "Order does not exist." (errors.md)."""
    order = binance_find(emu, req, binance_auth(emu, req))
    used = {"X-MBX-USED-WEIGHT-1M": "4"}  # weight 4
    if order is None:
        raise Answer(400, {"code": -2013, "msg": "Order does not exist."}, "not_found", used)
    return 200, binance_order(order), order["state"], used


def bybit_env(code, msg, result=None):
    return {"retCode": code, "retMsg": msg, "result": result or {}, "retExtInfo": {}, "time": now_ms()}


def bybit_auth(emu, req, payload):
    """Bybit's checks of every signed request: the ban, the X-BAPI-* headers, the signature over
    timestamp + key + recv_window + payload (the JSON body of a POST, the query string of a GET:
    guide.mdx), the receive window."""
    if emu.banned("bybit"):
        raise Answer(403, "access too frequent", "banned")
    key, secret = emu.secret("BYBIT_API_KEY"), emu.secret("BYBIT_API_SECRET")
    hkey, ts, sign = req.header("X-BAPI-API-KEY"), req.header("X-BAPI-TIMESTAMP"), req.header("X-BAPI-SIGN")
    recv = req.header("X-BAPI-RECV-WINDOW") or "5000"
    if not hkey or not ts or not sign:
        raise Answer(401, bybit_env(10003, "Invalid request. Please put authentication params in the request header"), "auth")
    if not key or hkey != key:
        raise Answer(200, bybit_env(10003, "API key is invalid."), "auth")
    if not hmac.compare_digest(bybit_sign(secret, ts, hkey, recv, payload), sign):
        raise Answer(200, bybit_env(10004, "error sign! origin_string[***]"), "signature")
    try:
        t, rw = int(ts), int(recv)
    except ValueError:
        raise Answer(200, bybit_env(10001, "params error: X-BAPI-TIMESTAMP or X-BAPI-RECV-WINDOW"), "malformed")
    server = now_ms()
    if not (server - rw <= t < server + 1000):
        raise Answer(200, bybit_env(10002, f"invalid request, please check your server timestamp or recv_window param. req_timestamp[{t}],server_timestamp[{server}],recv_window[{rw}]"), "timestamp")


def bybit(emu, req):
    """Bybit v5 placement: X-BAPI-* headers, HTTP 200 with retCode (guide.mdx, error.mdx, rate-limit.mdx)."""
    bybit_auth(emu, req, req.body)
    o = json_body(req.body)
    if o is None:
        raise Answer(200, bybit_env(10001, "params error: invalid json"), "malformed")
    if o.get("category") not in ("spot", "linear", "inverse", "option"):
        raise Answer(200, bybit_env(10001, "params error: category invalid"), "invalid")
    if o.get("side") not in ("Buy", "Sell"):
        raise Answer(200, bybit_env(10001, "params error: side invalid"), "invalid")
    if o.get("orderType") not in ("Market", "Limit"):
        raise Answer(200, bybit_env(10001, "params error: orderType invalid"), "invalid")
    if not isinstance(o.get("qty"), str) or not o.get("symbol"):
        raise Answer(200, bybit_env(10001, "params error: qty or symbol invalid"), "invalid")
    cid = o.get("orderLinkId", "")
    if cid and not re.fullmatch(r"[A-Za-z0-9_-]{1,36}", cid):
        raise Answer(200, bybit_env(10001, "params error: orderLinkId invalid"), "invalid")
    what, order = emu.place("bybit", cid, o["symbol"], order_id=lambda n: f"1321003749386327{n:03d}",
                            category=o["category"], qty=o["qty"], price=o.get("price"), side=o["side"],
                            type=o["orderType"], tif=o.get("timeInForce"))
    rl = {"X-Bapi-Limit": "20", "X-Bapi-Limit-Status": "19", "X-Bapi-Limit-Reset-Timestamp": str(now_ms())}
    if what == "BAN":
        raise Answer(403, "access too frequent", "ban")
    if what == "LIMIT" and "SYSFREQ" in o["symbol"].upper():
        raise Answer(200, bybit_env(10429, "System level frequency protection"), "limit", rl)
    if what == "LIMIT":
        raise Answer(200, bybit_env(10006, "Too many visits. Exceeded the API Rate Limit."), "limit",
                     {**rl, "X-Bapi-Limit-Status": "0", "X-Bapi-Limit-Reset-Timestamp": str(now_ms() + 500)})
    if what == "REJECT":
        raise Answer(200, bybit_env(170131, "Balance insufficient"), "reject", rl)
    if what == "UNKNOWN":
        raise Answer(502, "<html>502 Bad Gateway</html>", "unknown")
    if what == "TIMEOUT":
        raise Answer(200, bybit_env(10016, "Server error."), "unknown", rl)
    if what == "DUPLICATE":
        code, msg = (170141, "Duplicate clientOrderId") if o["category"] == "spot" else (110072, "OrderLinkedID is duplicate")
        raise Answer(200, bybit_env(code, msg), "duplicate", rl)
    return 200, bybit_env(0, "OK", {"orderId": order["order_id"], "orderLinkId": cid}), "accepted", rl


BYBIT_STATUS = {"open": "New", "filled": "Filled", "cancelled": "Cancelled"}  # enum.mdx orderStatus
# a cancel refused (error.mdx): spot's codes, the UTA ones for the other categories
BYBIT_CANCEL_REFUSED = {
    "spot": {"filled": (170139, "Order has been filled."), "cancelled": (170142, "Order has been cancelled"),
             None: (170213, "Order does not exist.")},
    "other": {"filled": (110008, "The order has been completed or cancelled."),
              "cancelled": (110010, "The order has been cancelled"), None: (110001, "Order does not exist")},
}


def bybit_order(o):
    """An order as Get Open & Closed Orders lists it (docs/v5/order/open-order.mdx)."""
    closed = o["state"] != "open"
    return {"orderId": o["order_id"], "orderLinkId": o["client_order_id"], "blockTradeId": "", "symbol": o["symbol"],
            "price": o.get("price") or "0", "qty": o["qty"], "side": o["side"], "isLeverage": "0", "positionIdx": 0,
            "orderStatus": BYBIT_STATUS[o["state"]], "cancelType": "CancelByUser" if o["state"] == "cancelled" else "UNKNOWN",
            "rejectReason": "EC_NoError", "avgPrice": (o.get("price") or "") if o["state"] == "filled" else "",
            "leavesQty": "0" if closed else o["qty"], "cumExecQty": o["executed"], "cumExecFee": "0",
            "timeInForce": o.get("tif") or "GTC", "orderType": o["type"], "stopOrderType": "", "triggerPrice": "0",
            "reduceOnly": False, "closeOnTrigger": False, "smpType": "None", "createdTime": str(o["at_ms"]),
            "updatedTime": str(o["updated_ms"])}


def bybit_find(emu, req, p, symbol=None):
    """The order p names by orderId or orderLinkId ("orderId > orderLinkId": open-order.mdx,
    cancel-order.mdx) in p's category (and symbol, when given); None when there is none."""
    order = emu.find("bybit", p.get("orderId"), p.get("orderLinkId"))
    if order and (order.get("category") != p.get("category") or symbol not in (None, order["symbol"])):
        order = None
    req.note(order, p.get("orderLinkId"), p.get("orderId"))
    return order


def bybit_cancel(emu, req):
    """Bybit POST /v5/order/cancel, signed as placement: retCode 0 with orderId and orderLinkId
    ("the request was successfully accepted"), else a refusal naming why (error.mdx)."""
    bybit_auth(emu, req, req.body)
    o = json_body(req.body)
    if o is None:
        raise Answer(200, bybit_env(10001, "params error: invalid json"), "malformed")
    if o.get("category") not in ("spot", "linear", "inverse", "option") or not o.get("symbol"):
        raise Answer(200, bybit_env(10001, "params error: category or symbol invalid"), "invalid")
    if not o.get("orderId") and not o.get("orderLinkId"):
        raise Answer(200, bybit_env(10001, "params error: orderId or orderLinkId is required"), "invalid")
    order = bybit_find(emu, req, o, o["symbol"])
    before, order = emu.cancel("bybit", order["order_id"]) if order else (None, None)
    if before != "open":
        code, msg = BYBIT_CANCEL_REFUSED["spot" if o["category"] == "spot" else "other"][before]
        raise Answer(200, bybit_env(code, msg), "not_found" if before is None else "already_closed")
    return 200, bybit_env(0, "OK", {"orderId": order["order_id"], "orderLinkId": order["client_order_id"]}), "cancelled", {}


def bybit_status(emu, req):
    """Bybit GET /v5/order/realtime, signed over its query string: retCode 0 with result.list, the
    order named by orderId or orderLinkId (open or recently closed), else the open orders of the
    symbol; an unknown id is an empty list (open-order.mdx)."""
    bybit_auth(emu, req, req.query.encode())
    pairs = form_pairs(req.query)
    p = dict(pairs) if pairs is not None else None
    if p is None or p.get("category") not in ("spot", "linear", "inverse", "option"):
        raise Answer(200, bybit_env(10001, "params error: category invalid"), "invalid")
    if p.get("orderId") or p.get("orderLinkId"):  # "openOnly param will be ignored when query by orderId or orderLinkId"
        order = bybit_find(emu, req, p)
        found, verdict = ([order], order["state"]) if order else ([], "not_found")
    else:  # the open orders, newest first, 20 by default
        with emu.lock:
            found = [dict(x) for x in reversed(emu.orders) if x["broker"] == "bybit" and x["state"] == "open"
                     and x.get("category") == p["category"] and p.get("symbol", x["symbol"]) == x["symbol"]][:20]
        verdict = "listed"
    return 200, bybit_env(0, "OK", {"list": [bybit_order(x) for x in found], "nextPageCursor": "",
                                    "category": p["category"]}), verdict, {}


def okx_env(code, msg, data=None):
    return {"code": code, "msg": msg, "data": data if data is not None else [],
            "inTime": str(now_ms() * 1000), "outTime": str(now_ms() * 1000)}


def okx_iso(ts):
    """Milliseconds of an OK-ACCESS-TIMESTAMP like 2020-12-08T09:08:57.715Z, or None."""
    m = re.fullmatch(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)\.(\d{3})Z", ts or "")
    if not m:
        return None
    import calendar
    y, mo, d, h, mi, s, ms = (int(x) for x in m.groups())
    return calendar.timegm((y, mo, d, h, mi, s, 0, 0, 0)) * 1000 + ms


def okx_auth(emu, req):
    """OKX's checks of every signed request: the OK-ACCESS-* headers, the demo keys by
    x-simulated-trading: 1, the timestamp, the signature over timestamp + METHOD + path?query + body
    (a GET's body empty; python-okx okxclient.py)."""
    demo = req.header("x-simulated-trading") == "1"
    prefix = "OKX_DEMO_" if demo else "OKX_"
    key, secret, phrase = emu.secret(prefix + "API_KEY"), emu.secret(prefix + "API_SECRET"), emu.secret(prefix + "PASSPHRASE")
    other = emu.secret(("OKX_" if demo else "OKX_DEMO_") + "API_KEY")
    hkey, sign, ts = req.header("OK-ACCESS-KEY"), req.header("OK-ACCESS-SIGN"), req.header("OK-ACCESS-TIMESTAMP")
    if not hkey or not sign or not ts or req.header("OK-ACCESS-PASSPHRASE") is None:
        raise Answer(401, okx_env("50103", "Request header OK-ACCESS-KEY cannot be empty."), "auth")
    if other and hkey == other and hkey != key:
        raise Answer(401, okx_env("50101", "APIKey does not match current environment."), "auth")
    if not key or hkey != key:
        raise Answer(401, okx_env("50111", "Invalid OK-ACCESS-KEY."), "auth")
    if req.header("OK-ACCESS-PASSPHRASE") != phrase:
        raise Answer(401, okx_env("50105", "Invalid OK-ACCESS-PASSPHRASE."), "auth")
    t = okx_iso(ts)
    if t is None:
        raise Answer(401, okx_env("50112", "Invalid OK-ACCESS-TIMESTAMP."), "timestamp")
    if abs(now_ms() - t) > 30000:
        raise Answer(401, okx_env("50102", "Timestamp request expired."), "timestamp")
    if not hmac.compare_digest(okx_sign(secret, ts, req.method, req.path_query, req.body), sign):
        raise Answer(401, okx_env("50113", "Invalid Sign."), "signature")


def okx_json(req):
    o = json_body(req.body)
    if o is None:
        raise Answer(400, okx_env("50002", "JSON syntax error"), "malformed")
    return o


def okx(emu, req):
    """OKX v5 placement: OK-ACCESS-* headers, demo by x-simulated-trading: 1; HTTP 200 with code/sCode strings."""
    okx_auth(emu, req)
    o = okx_json(req)
    cid = o.get("clOrdId", "")

    def fail(scode, smsg, verdict, status=200):
        raise Answer(status, okx_env("1", "All operations failed",
                                     [{"clOrdId": cid, "ordId": "", "tag": "", "ts": str(now_ms()),
                                       "sCode": scode, "sMsg": smsg}]), verdict)
    for f in ("instId", "tdMode", "side", "ordType", "sz"):
        if not isinstance(o.get(f), str) or not o[f]:
            fail("51000", f"Parameter {f} error", "invalid")
    if o["side"] not in ("buy", "sell") or o["ordType"] not in ("market", "limit", "post_only", "fok", "ioc"):
        fail("51000", "Parameter side or ordType error", "invalid")
    if cid and not re.fullmatch(r"[A-Za-z0-9]{1,32}", cid):
        fail("51000", "Parameter clOrdId error", "invalid")
    what, order = emu.place("okx", cid, o["instId"], order_id=lambda n: f"31254720830{n:04d}", qty=o["sz"],
                            price=o.get("px"), side=o["side"], type=o["ordType"], tdMode=o["tdMode"],
                            tgtCcy=o.get("tgtCcy", ""))
    if what == "LIMIT":
        raise Answer(429, okx_env("50011", "Rate limit reached. Please refer to API documentation and throttle requests accordingly."), "limit")
    if what in ("REJECT", "BAN"):
        fail("51008", "Order failed. Insufficient USDT balance in account.", "reject")
    if what == "UNKNOWN":
        raise Answer(500, okx_env("50026", "System error. Try again later"), "unknown")
    if what == "TIMEOUT":
        fail("51149", "Order timed out. Please try again.", "unknown")
    if what == "DUPLICATE":
        fail("51016", "Duplicated clOrdId", "duplicate")
    return 200, okx_env("0", "", [{"clOrdId": cid, "ordId": order["order_id"], "tag": "",
                                   "ts": str(now_ms()), "sCode": "0", "sMsg": "Order placed"}]), "accepted", {}


OKX_STATE = {"open": "live", "filled": "filled", "cancelled": "canceled"}  # docs-v5 "Order details" state


def okx_order(o):
    """An order as Order details answers it (docs-v5 'GET / Order details')."""
    filled = o["state"] == "filled"
    px = o.get("price") or ""
    return {"instType": "SPOT", "instId": o["symbol"], "tgtCcy": o.get("tgtCcy", ""), "ccy": "", "ordId": o["order_id"],
            "clOrdId": o["client_order_id"], "tag": "", "px": px, "sz": o["qty"], "pnl": "0", "ordType": o["type"],
            "side": o["side"], "posSide": "net", "tdMode": o.get("tdMode", "cash"), "accFillSz": o["executed"],
            "fillPx": px if filled else "", "tradeId": "", "fillSz": o["executed"] if filled else "0",
            "fillTime": str(o["updated_ms"]) if filled else "", "avgPx": px if filled else "",
            "state": OKX_STATE[o["state"]], "lever": "", "feeCcy": "", "fee": "0", "rebateCcy": "", "rebate": "0",
            "source": "", "category": "normal", "reduceOnly": "false", "cancelSource": "", "cancelSourceReason": "",
            "uTime": str(o["updated_ms"]), "cTime": str(o["at_ms"])}


def okx_find(emu, req, p):
    """The order p names: instId, and ordId or clOrdId ("if both are passed, ordId will be used")."""
    if not isinstance(p.get("instId"), str) or not p["instId"]:
        raise Answer(400, okx_env("50014", "Parameter instId can not be empty."), "invalid")
    if not p.get("ordId") and not p.get("clOrdId"):
        raise Answer(400, okx_env("50014", "Parameter ordId or clOrdId can not be empty."), "invalid")
    order = emu.find("okx", p.get("ordId"), p.get("clOrdId"))
    if order and order["symbol"] != p["instId"]:
        order = None
    req.note(order, p.get("clOrdId"), p.get("ordId"))
    return order


def okx_cancel(emu, req):
    """OKX POST /api/v5/trade/cancel-order: code "0" with data[0].sCode "0" ("your cancellation
    request has been accepted"); a filled, cancelled or unknown order alike: code "1", sCode 51400
    (docs-v5 "Cancel order", "Error Code REST API")."""
    okx_auth(emu, req)
    o = okx_json(req)
    order = okx_find(emu, req, o)
    before, order = emu.cancel("okx", order["order_id"]) if order else (None, None)
    ids = {"clOrdId": o.get("clOrdId", ""), "ordId": o.get("ordId", "")} if order is None else \
        {"clOrdId": order["client_order_id"], "ordId": order["order_id"]}
    if before != "open":
        raise Answer(200, okx_env("1", "All operations failed", [{**ids, "ts": str(now_ms()), "sCode": "51400",
                                  "sMsg": "Order cancellation failed as the order has been filled, canceled or does not exist."}]),
                     "not_found" if before is None else "already_closed")
    return 200, okx_env("0", "", [{**ids, "ts": str(now_ms()), "sCode": "0", "sMsg": ""}]), "cancelled", {}


def okx_status(emu, req):
    """OKX GET /api/v5/trade/order?instId=..&clOrdId=..: code "0" with the order in data[0]; an
    unknown one code 51603 "Order does not exist", data [] (docs-v5 "Order details")."""
    okx_auth(emu, req)
    pairs = form_pairs(req.query)
    order = okx_find(emu, req, dict(pairs or []))
    if order is None:
        return 200, okx_env("51603", "Order does not exist"), "not_found", {}
    return 200, okx_env("0", "", [okx_order(order)]), order["state"], {}


def kraken(emu, req):
    """Kraken spot: API-Key/API-Sign, increasing nonce, HTTP 200 with error[] (spot-rest-auth, docs.kraken.com/rest)."""
    def err(*e):
        return {"error": list(e)}
    if emu.banned("kraken"):
        raise Answer(200, err("EGeneral:Temporary lockout"), "banned")
    key, secret = emu.secret("KRAKEN_API_KEY"), emu.secret("KRAKEN_API_SECRET")
    if not key or req.header("API-Key") != key:
        raise Answer(200, err("EAPI:Invalid key"), "auth")
    body = req.body
    ctype = (req.header("Content-Type") or "").split(";")[0].strip().lower()
    pairs = form_pairs(body.decode("latin-1")) if ctype == "application/x-www-form-urlencoded" else None
    if pairs is None:
        raise Answer(200, err("EGeneral:Invalid arguments"), "malformed")
    params = dict(pairs)
    nonce = params.get("nonce", "")
    if not re.fullmatch(r"[0-9]{1,20}", nonce) or int(nonce) >= 1 << 64:
        raise Answer(200, err("EAPI:Invalid nonce"), "nonce")
    sign = req.header("API-Sign") or ""
    try:
        good = hmac.compare_digest(kraken_sign(secret, req.path, nonce, body), sign)
    except ValueError:
        good = False
    if not good:
        raise Answer(200, err("EAPI:Invalid signature"), "signature")
    with emu.lock:
        if int(nonce) <= emu.nonces.get(key, -1):
            raise Answer(200, err("EAPI:Invalid nonce"), "nonce")
        emu.nonces[key] = int(nonce)
    for f in ("pair", "type", "ordertype", "volume"):
        if not params.get(f):
            raise Answer(200, err(f"EGeneral:Invalid arguments:{f}"), "invalid")
    if params["type"] not in ("buy", "sell") or params["ordertype"] not in ("market", "limit"):
        raise Answer(200, err("EGeneral:Invalid arguments:type"), "invalid")
    if params["ordertype"] == "limit" and not params.get("price"):
        raise Answer(200, err("EGeneral:Invalid arguments:price"), "invalid")
    cid = params.get("cl_ord_id", "")
    uuid = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[0-9a-fA-F]{32}"
    if cid and not (re.fullmatch(uuid, cid) or re.fullmatch(r"[\x21-\x7e]{1,18}", cid)):
        raise Answer(200, err("EGeneral:Invalid arguments:cl_ord_id"), "invalid")
    what, order = emu.place("kraken", cid, params["pair"])
    if what == "BAN":
        raise Answer(200, err("EGeneral:Temporary lockout"), "ban")
    if what == "LIMIT":
        raise Answer(200, err("EOrder:Rate limit exceeded"), "limit")
    if what == "REJECT":
        raise Answer(200, err("EOrder:Insufficient funds"), "reject")
    if what == "UNKNOWN":
        raise Answer(520, "error code: 520", "unknown")
    if what == "TIMEOUT":
        raise Answer(200, err("EService:Unavailable"), "unknown")
    if what == "DUPLICATE":
        raise Answer(200, err("EOrder:Duplicate order"), "duplicate")  # wording not verified in Kraken's docs
    descr = f"{params['type']} {params['volume']} {params['pair']} @ {params['ordertype']} {params.get('price', '')}".strip()
    return 200, {"error": [], "result": {"descr": {"order": descr},
                                         "txid": [f"OUF4EM-FRGI2-{int(order['id']):06d}"]}}, "accepted", {}


def coinbase(emu, req):
    """Coinbase Advanced Trade: Bearer ES256 JWT per request (coinbase-advanced-py jwt_generator.py)."""
    key, pem = emu.secret("COINBASE_API_KEY"), emu.secret("COINBASE_API_SECRET")
    auth = req.header("Authorization") or ""
    deny = Answer(401, "Unauthorized", "auth")
    if not key or not pem or not auth.startswith("Bearer "):
        raise deny
    parts = auth[7:].split(".")
    if len(parts) != 3:
        raise deny
    try:
        head, claims, sig = json.loads(b64url_decode(parts[0])), json.loads(b64url_decode(parts[1])), b64url_decode(parts[2])
    except (ValueError, UnicodeDecodeError):
        raise deny
    if head.get("alg") != "ES256" or head.get("kid") != key or not head.get("nonce"):
        raise deny
    if not es256_verify(pem, f"{parts[0]}.{parts[1]}".encode(), sig):
        raise Answer(401, "Unauthorized", "signature")
    now = time.time()
    nbf, exp = claims.get("nbf"), claims.get("exp")
    if claims.get("sub") != key or claims.get("iss") != "cdp" or not isinstance(nbf, int) or not isinstance(exp, int):
        raise deny
    if nbf > now + 5 or exp <= now or exp - nbf > 120:
        raise Answer(401, "Unauthorized", "timestamp")
    host = req.header("Host") or ""
    uris = {f"{req.method} {host}{req.path}", f"{req.method} {host.split(':')[0]}{req.path}"}
    if claims.get("uri") not in uris:
        raise Answer(401, "Unauthorized", "uri")
    with emu.lock:
        if head["nonce"] in emu.jwt_nonces:
            raise Answer(401, "Unauthorized", "replay")
        emu.jwt_nonces.add(head["nonce"])
    o = json_body(req.body)
    if o is None:
        raise Answer(400, {"error": "INVALID_ARGUMENT", "error_details": "invalid json", "message": "invalid json"}, "malformed")
    conf = o.get("order_configuration")
    if not o.get("product_id") or o.get("side") not in ("BUY", "SELL") or not isinstance(conf, dict) or len(conf) != 1:
        raise Answer(400, {"error": "INVALID_ARGUMENT", "error_details": "product_id, side and one order_configuration are required",
                           "message": "invalid request"}, "invalid")
    cid = o.get("client_order_id", "")
    what, order = emu.place("coinbase", cid, o["product_id"])
    if what == "LIMIT":
        raise Answer(429, {"error": "RATE_LIMIT_EXCEEDED", "message": "Too many requests"}, "limit",
                     {"x-ratelimit-remaining": "0", "Retry-After": "1"})
    if what in ("REJECT", "BAN"):
        return 200, {"success": False, "failure_reason": "UNKNOWN_FAILURE_REASON", "order_id": "",
                     "error_response": {"error": "INSUFFICIENT_FUND", "message": "Insufficient balance in source account",
                                        "error_details": "", "preview_failure_reason": "PREVIEW_INSUFFICIENT_FUND"},
                     "order_configuration": conf}, "reject", {}
    if what in ("UNKNOWN", "TIMEOUT"):
        raise Answer(500, {"error": "INTERNAL", "message": "internal error"}, "unknown")
    oid = f"11111111-2222-3333-4444-{int(order['id']):012d}"
    if what == "PLACED":
        order.update(product_id=o["product_id"], side=o["side"], conf=conf)
    # a repeated id: "the order corresponding with that ID will be returned instead", so the
    # answer is the existing order's (its product, side and configuration), not this request's
    verdict = "duplicate" if what == "DUPLICATE" else "accepted"
    return 200, {"success": True, "success_response": {"order_id": oid, "product_id": order["product_id"],
                                                       "side": order["side"], "client_order_id": cid},
                 "order_configuration": order["conf"]}, verdict, {"x-ratelimit-limit": "30", "x-ratelimit-remaining": "29"}


def bitget(emu, req):
    """Bitget v2: ACCESS-* headers, ms timestamp, code '00000' (v3-bitget-api-sdk)."""
    def env(code, msg, data=None):
        return {"code": code, "msg": msg, "requestTime": now_ms(), "data": data}
    key, secret, phrase = emu.secret("BITGET_API_KEY"), emu.secret("BITGET_API_SECRET"), emu.secret("BITGET_PASSPHRASE")
    hkey, sign, ts = req.header("ACCESS-KEY"), req.header("ACCESS-SIGN"), req.header("ACCESS-TIMESTAMP")
    if not key or hkey != key:
        raise Answer(400, env("40006", "Invalid ACCESS_KEY"), "auth")
    if req.header("ACCESS-PASSPHRASE") != phrase:
        raise Answer(400, env("40011", "Invalid ACCESS_PASSPHRASE"), "auth")
    if not ts or not re.fullmatch(r"[0-9]{13}", ts):
        raise Answer(400, env("40005", "Invalid ACCESS_TIMESTAMP"), "timestamp")
    if abs(now_ms() - int(ts)) > 30000:
        raise Answer(400, env("40008", "Request timestamp expired"), "timestamp")
    if not sign or not hmac.compare_digest(bitget_sign(secret, ts, req.method, req.path_query, req.body), sign):
        raise Answer(400, env("40009", "sign signature error"), "signature")
    o = json_body(req.body)
    if o is None:
        raise Answer(400, env("40017", "Parameter verification failed"), "malformed")
    for f in ("symbol", "side", "orderType", "force", "size"):
        if not isinstance(o.get(f), str) or not o[f]:
            raise Answer(400, env("40017", f"Parameter verification failed: {f}"), "invalid")
    if o["side"] not in ("buy", "sell") or o["orderType"] not in ("limit", "market"):
        raise Answer(400, env("40017", "Parameter verification failed: side or orderType"), "invalid")
    cid = o.get("clientOid", "")
    what, order = emu.place("bitget", cid, o["symbol"])
    if what == "LIMIT":
        raise Answer(429, env("429", "Too Many Requests"), "limit", {"Retry-After": "1"})
    if what in ("REJECT", "BAN"):
        raise Answer(400, env("43012", "Insufficient balance"), "reject")
    if what in ("UNKNOWN", "TIMEOUT"):
        raise Answer(500, env("40010", "Request timed out"), "unknown")
    if what == "DUPLICATE":
        raise Answer(400, env("40786", "Duplicate clientOid"), "duplicate")
    return 200, env("00000", "success", {"orderId": f"12127393573{int(order['id']):05d}", "clientOid": cid}), "accepted", {}


def oanda(emu, req):
    """OANDA v20: Bearer token, account id in the path; 201 with transactions, 400 with orderRejectTransaction."""
    token = emu.secret("OANDA_API_KEY")
    if not token or req.header("Authorization") != f"Bearer {token}":
        raise Answer(401, {"errorMessage": "Insufficient authorization to perform request."}, "auth")
    account = req.path.split("/")[3]
    o = json_body(req.body)
    order_in = o.get("order") if o else None
    if not isinstance(order_in, dict):
        raise Answer(400, {"errorMessage": "Invalid value specified for 'order'"}, "malformed")
    kind, units, instrument = order_in.get("type"), order_in.get("units"), order_in.get("instrument")
    cid = (order_in.get("clientExtensions") or {}).get("id", "")
    tx = {"accountID": account, "time": f"{time.time():.9f}", "instrument": instrument, "units": units,
          "type": f"{kind}_ORDER", "clientExtensions": {"id": cid} if cid else None}

    def reject(reason, msg, verdict):
        raise Answer(400, {"orderRejectTransaction": {**tx, "id": str(emu.next_id()), "type": f"{kind}_ORDER_REJECT",
                                                      "rejectReason": reason},
                           "errorCode": reason, "errorMessage": msg}, verdict)
    if kind not in ("MARKET", "LIMIT") or not instrument:
        reject("INVALID_ORDER_TYPE" if kind not in ("MARKET", "LIMIT") else "INSTRUMENT_MISSING", "Invalid order", "invalid")
    if not isinstance(units, str) or not re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", units) or float(units) == 0:
        reject("UNITS_INVALID", "The units specified is invalid", "invalid")
    if kind == "LIMIT" and not order_in.get("price"):
        reject("PRICE_MISSING", "The price is missing", "invalid")
    what, order = emu.place("oanda", cid, instrument, pending=(kind == "LIMIT"))
    if what == "LIMIT":
        raise Answer(429, {"errorMessage": "Requests are being throttled"}, "limit", {"Retry-After": "1"})
    if what in ("UNKNOWN", "TIMEOUT"):
        raise Answer(500, {"errorMessage": "An unexpected error occurred"}, "unknown")
    if what == "DUPLICATE":
        reject("CLIENT_ORDER_ID_ALREADY_EXISTS", "The client order ID specified is already assigned to another pending order",
               "duplicate")
    created = {**tx, "id": str(6350 + emu.next_id())}
    if what in ("REJECT", "BAN"):  # created, then cancelled unfilled: a 201 that executed nothing
        cancel = {"id": str(int(created["id"]) + 1), "type": "ORDER_CANCEL", "orderID": created["id"],
                  "reason": "INSUFFICIENT_MARGIN"}
        return 201, {"orderCreateTransaction": created, "orderCancelTransaction": cancel,
                     "relatedTransactionIDs": [created["id"], cancel["id"]], "lastTransactionID": cancel["id"]}, "reject", {}
    ans = {"orderCreateTransaction": created, "relatedTransactionIDs": [created["id"]], "lastTransactionID": created["id"]}
    if kind == "MARKET":
        fill = {"id": str(int(created["id"]) + 1), "type": "ORDER_FILL", "orderID": created["id"], "units": units}
        ans.update(orderFillTransaction=fill, lastTransactionID=fill["id"])
    return 201, ans, "accepted", {}


def tradier(emu, req):
    """Tradier: Bearer token, form body, JSON only with Accept: application/json; tag is never deduped."""
    token = emu.secret("TRADIER_API_KEY")
    if not token or req.header("Authorization") != f"Bearer {token}":
        raise Answer(401, "Invalid Access Token", "auth")
    xml = "application/json" not in (req.header("Accept") or "")
    ctype = (req.header("Content-Type") or "").split(";")[0].strip().lower()
    pairs = form_pairs(req.body.decode("latin-1")) if ctype == "application/x-www-form-urlencoded" else None
    if pairs is None:
        raise Answer(400, {"errors": {"error": ["Invalid parameter, body must be form-encoded"]}}, "malformed")
    p = dict(pairs)
    for f in ("class", "symbol", "side", "quantity", "type", "duration"):
        if not p.get(f):
            raise Answer(400, {"errors": {"error": [f"Missing parameter: {f}"]}}, "invalid")
    tag = p.get("tag", "")
    if tag and not re.fullmatch(r"[A-Za-z0-9-]{1,255}", tag):
        raise Answer(400, {"errors": {"error": ["Invalid tag"]}}, "invalid")
    what, order = emu.place("tradier", tag, p["symbol"], dedupe=False)  # the tag is only a label
    rl = {"X-Ratelimit-Allowed": "60", "X-Ratelimit-Used": "1", "X-Ratelimit-Available": "59",
          "X-Ratelimit-Expiry": str(now_ms() + 60000)}
    if what == "LIMIT":
        raise Answer(429, "Rate limit exceeded", "limit", {**rl, "X-Ratelimit-Available": "0", "Retry-After": "1"})
    if what in ("REJECT", "BAN"):
        raise Answer(400, {"errors": {"error": ["Backoffice rejected override of the order.", "DayTradingBuyingPowerExceeded"]}},
                     "reject", rl)
    if what in ("UNKNOWN", "TIMEOUT"):
        raise Answer(500, "Internal Server Error", "unknown")
    if xml:
        return 200, f"<order><id>{order['id']}</id><status>ok</status></order>", "accepted-xml", rl
    return 200, {"order": {"id": 257459 + int(order["id"]), "status": "ok", "partner_id": "emu"}}, "accepted", rl


ROUTES = [  # (method, path regex, broker, op, handler): one path may serve several methods
    ("POST", r"/v2/orders", "alpaca", "send", alpaca),
    ("POST", r"/api/v3/order", "binance", "send", binance),
    ("DELETE", r"/api/v3/order", "binance", "cancel", binance_cancel),
    ("GET", r"/api/v3/order", "binance", "status", binance_status),
    ("POST", r"/v5/order/create", "bybit", "send", bybit),
    ("POST", r"/v5/order/cancel", "bybit", "cancel", bybit_cancel),
    ("GET", r"/v5/order/realtime", "bybit", "status", bybit_status),
    ("POST", r"/api/v5/trade/order", "okx", "send", okx),
    ("POST", r"/api/v5/trade/cancel-order", "okx", "cancel", okx_cancel),
    ("GET", r"/api/v5/trade/order", "okx", "status", okx_status),
    ("POST", r"/0/private/AddOrder", "kraken", "send", kraken),
    ("POST", r"/api/v3/brokerage/orders", "coinbase", "send", coinbase),
    ("POST", r"/api/v2/spot/trade/place-order", "bitget", "send", bitget),
    ("POST", r"/v3/accounts/[A-Za-z0-9_.-]+/orders", "oanda", "send", oanda),
    ("POST", r"/v1/accounts/[A-Za-z0-9_.-]+/orders", "tradier", "send", tradier),
]
WARM = {  # the profiles' warm_url paths: harmless GETs, with the broker's clock where it gives one
    "/v2/clock": lambda: {"timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "is_open": True},
    "/api/v3/ping": lambda: {},
    "/api/v3/time": lambda: {"serverTime": now_ms()},
    "/v5/market/time": lambda: {"retCode": 0, "retMsg": "OK", "result": {"timeSecond": str(now_ms() // 1000),
                                "timeNano": str(time.time_ns())}, "retExtInfo": {}, "time": now_ms()},
    "/api/v5/public/time": lambda: {"code": "0", "msg": "", "data": [{"ts": str(now_ms())}]},
    "/0/public/Time": lambda: {"error": [], "result": {"unixtime": now_ms() // 1000,
                                                        "rfc1123": time.strftime("%a, %d %b %y %H:%M:%S +0000", time.gmtime())}},
    "/api/v3/brokerage/time": lambda: {"iso": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                                       "epochSeconds": str(now_ms() // 1000), "epochMillis": str(now_ms())},
    "/api/v2/public/time": lambda: {"code": "00000", "msg": "success", "requestTime": now_ms(),
                                    "data": {"serverTime": str(now_ms())}},
    "/v3/accounts": lambda: {"accounts": []},
    "/v1/markets/clock": lambda: {"clock": {"date": time.strftime("%Y-%m-%d"), "state": "open",
                                            "timestamp": now_ms() // 1000}},
}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the brokers
    server_version = "broker_emu"

    def log_message(self, *args):
        pass

    def header(self, name):
        return self.headers.get(name)

    def answer(self, status, body, headers=None):
        data = body if isinstance(body, bytes) else (body.encode() if isinstance(body, str) else json.dumps(body).encode())
        ctype = "application/json" if not isinstance(body, (str, bytes)) else "text/plain"
        if isinstance(body, str) and body.startswith("<"):
            ctype = "application/xml" if body.startswith("<order") else "text/html"
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Date", self.date_time_string())
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def dispatch(self):
        emu = self.server.emu
        self.body = self.read_body()
        u = urllib.parse.urlsplit(self.path)
        self.path_only, self.query = u.path, u.query
        self.path_query = u.path + ("?" + u.query if u.query else "")
        if self.command == "GET" and self.path_only == "/_emu/log":
            with emu.lock:
                return self.answer(200, emu.log)
        if self.command == "GET" and self.path_only == "/_emu/orders":
            with emu.lock:
                return self.answer(200, emu.orders)
        if self.command == "POST" and self.path_only == "/_emu/reset":
            emu.reset()
            return self.answer(200, {})
        if self.command == "GET" and self.path_only in WARM:
            return self.answer(200, WARM[self.path_only]())
        for method, rx, name, op, fn in ROUTES:
            if self.command == method and re.fullmatch(rx, self.path_only):
                return self.broker(emu, name, op, fn)
        self.answer(404, {"message": "no such path in broker_emu"})

    def broker(self, emu, name, op, fn):
        req = Request(self)
        try:
            status, body, verdict, headers = fn(emu, req)
        except Answer as a:
            status, body, verdict, headers = a.status, a.body, a.verdict, a.headers
        entry = {"broker": name, "op": op, "verdict": verdict, "status": status, "at_ms": now_ms(),
                 "user_agent": self.header("User-Agent"), "symbol": req.symbol_hint(name),
                 "client_order_id": req.client_id_hint(name)}
        if op != "send":  # what the cancel or lookup named, or the order it found
            entry.update({"order_id": None, **req.noted})
        with emu.lock:
            emu.log.append(entry)
        self.answer(status, body, headers)

    do_GET = do_POST = do_PUT = do_DELETE = dispatch


class Request:
    """What a broker handler sees of one request."""

    def __init__(self, h):
        self.h, self.method, self.path, self.query = h, h.command, h.path_only, h.query
        self.path_query, self.body = h.path_query, h.body
        self.noted = {}

    def note(self, order, client_id=None, order_id=None):
        """For the log: the order a cancel or lookup found, else the ids it named."""
        self.noted = {"client_order_id": order["client_order_id"] if order else client_id,
                      "order_id": order["order_id"] if order else order_id}

    def header(self, name):
        return self.h.headers.get(name)

    def _fields(self):
        o = json_body(self.body)
        if o is not None:
            return o.get("order", o) if isinstance(o.get("order"), dict) else o
        return dict(form_pairs(self.query) or []) | dict(form_pairs(self.body.decode("latin-1")) or [])

    def symbol_hint(self, name):
        f = self._fields()
        return next((f[k] for k in ("symbol", "instId", "pair", "product_id", "instrument") if isinstance(f.get(k), str)), None)

    def client_id_hint(self, name):
        f = self._fields()
        ext = f.get("clientExtensions") if isinstance(f.get("clientExtensions"), dict) else {}
        return next((v for v in (f.get("client_order_id"), f.get("origClientOrderId"), f.get("newClientOrderId"),
                                 f.get("orderLinkId"), f.get("clOrdId"), f.get("cl_ord_id"), f.get("clientOid"),
                                 ext.get("id"), f.get("tag"))
                     if isinstance(v, str)), None)


def serve(host="127.0.0.1", port=0, ban_seconds=2.0, env=None):
    """Start the emulator in a thread; returns (server, port). server.shutdown() stops it."""
    srv = ThreadingHTTPServer((host, port), Handler)
    srv.daemon_threads = True
    srv.emu = Emulator(ban_seconds, env)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, srv.server_address[1]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--ban-seconds", type=float, default=2.0)
    a = ap.parse_args()
    srv = ThreadingHTTPServer((a.host, a.port), Handler)
    srv.daemon_threads = True
    srv.emu = Emulator(a.ban_seconds)
    print(srv.server_address[1], flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
