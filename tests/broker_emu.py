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

Every broker also cancels an order, and all but Kraken look one up, by the
client order id or the broker's own id (as placement answered it), checked
as placement is (the same keys; a signature over the request's own method,
path and query or body):
  Alpaca   DELETE /v2/orders/{id} (204; 422 no longer cancelable; 404);
           GET /v2/orders:by_client_order_id?client_order_id= (OpenAPI
           deleteOrderByOrderID, getOrderByClientOrderId)
  Binance  DELETE /api/v3/order (cancel), GET /api/v3/order (lookup), both
           with their parameters in the query string (rest-api.md "Cancel
           order (TRADE)", "Query order (USER_DATA)")
  Bybit    POST /v5/order/cancel; GET /v5/order/realtime, its signature over
           the query string instead of a body (docs/v5/guide.mdx)
  OKX      POST /api/v5/trade/cancel-order; GET /api/v5/trade/order, the GET
           and its path with query signed (docs-v5 "Cancel order", "Order
           details")
  Kraken   POST /0/private/CancelOrder by txid or cl_ord_id, signed as
           AddOrder (docs.kraken.com cancel-order); no lookup here
           (QueryOrders answers keyed by txid: no profile asks it)
  Coinbase POST /api/v3/brokerage/orders/batch_cancel {"order_ids": [...]};
           GET /api/v3/brokerage/orders/historical/{id}; the JWT's uri claim
           names each request's own method and path
  Bitget   POST /api/v2/spot/trade/cancel-order; GET
           /api/v2/spot/trade/orderInfo?orderId= (or clientOid=, an unfilled
           order only), signed over timestamp + GET + path?query
  OANDA    PUT /v3/accounts/{acct}/orders/{id | @clientID}/cancel, no body;
           GET /v3/accounts/{acct}/orders/{id | @clientID} (@clientID finds
           a pending order only) (v20-python order.cancel, order.get)
  Tradier  DELETE and GET /v1/accounts/{acct}/orders/{id} (cancel-order,
           get-account-order)
Four brokers also place a batch of orders in one request (op "batch"), checked
as their placement is, each answering one element per order in request order:
  OKX      POST /api/v5/trade/batch-orders, a JSON array of up to 20 orders
           (docs-v5 "Place multiple orders")
  Bybit    POST /v5/order/create-batch {"category", "request": [...]}, 10
           orders (spot) or 20 (linear, inverse, option) (docs/v5/order/batch-place)
  Kraken   POST /0/private/AddOrderBatch, a JSON body {"nonce", "pair",
           "orders": [2 to 15]}, all of one pair (docs.kraken.com add-order-batch)
  Bitget   POST /api/v2/spot/trade/batch-orders {"symbol", "batchMode",
           "orderList": [up to 50]} (api-doc/spot/trade/Batch-Place-Orders)
Each element is steered by its own symbol as a single order is: REJECT, a
repeated client id or an invalid element fails in its element while the others
are placed; FILL fills it. Where the symbol is the batch's, not the element's
(Kraken's pair, Bitget's batchMode "single"), the element's client id is read
with it, so a word in one client id steers that element alone. BAN, LIMIT,
UNKNOWN or TIMEOUT in any element gives the whole request the broker's answer
to it and places nothing (LIMIT: the first time the request's first client id
is seen); too many or too few elements, or Kraken's mixed pairs, get the
broker's refusal of the request, nothing placed. One word for batches only:
  DROP     every element is placed (the orders are at the broker) and the
           connection is closed without an answer, the first time the
           request's first client id is seen; a resend of the same ids gets
           the duplicate answer per element. The words above win over it
A placed order is open, nothing executed (an OANDA MARKET order fills at
once); a cancel of an open order cancels it; a cancel of a filled or
cancelled one gets the broker's "already closed" answer, of an order never
placed its "does not exist". Where a broker's answer is not documented the
emulator gives the most likely one, marked "unconfirmed" at its handler.
OANDA and Tradier know an account by the orders placed on it: a cancel or
lookup on another account is refused as the broker refuses an account the
token cannot reach.

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
"send" / "cancel" / "status" / "batch", verdict, status, client id, symbol, time,
for a cancel or lookup the broker's order id; a batch logs one entry per element,
with "batch" its number of elements and "index" the element's, its verdict the
element's own or the whole request's, status null when DROP answered nothing),
GET /_emu/orders (the orders placed, each with its state "open" / "filled" /
"cancelled", executed quantity and the number of cancels it got), POST
/_emu/reset.

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
import socket
import sys
import threading
import time
import urllib.parse
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BROKERS = ("alpaca", "binance", "bybit", "okx", "kraken", "coinbase", "bitget", "oanda", "tradier")


def now_ms():
    return int(time.time() * 1000)


def iso(ms, digits=3):
    """An RFC 3339 UTC time of epoch milliseconds, with `digits` fractional digits (3 or more)."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + f".{ms % 1000:03d}".ljust(digits + 1, "0") + "Z"


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


class Dropped(Exception):
    """DROP: the batch was placed and the connection is to be closed unanswered; verdicts, one per element."""

    def __init__(self, verdicts):
        super().__init__("dropped")
        self.verdicts = verdicts


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
            self.dropped = {b: set() for b in BROKERS}  # batches' first client ids already DROPped once
            self.nonces = {}                          # Kraken: last nonce per key
            self.jwt_nonces = set()                   # Coinbase: JWT nonces seen
            self.banned_until = {}
            self.seq = 0
            self.oanda_tx = 6350                      # OANDA: the account's last transaction id

    def secret(self, name):
        return self.env.get(name) or None

    def next_id(self):
        with self.lock:
            self.seq += 1
            return self.seq

    def oanda_txid(self):
        """OANDA's next transaction id: one sequence per account, an order's id is its create transaction's."""
        with self.lock:
            self.oanda_tx += 1
            return str(self.oanda_tx)

    # the common path once a broker has checked auth and parsed the order
    def place(self, broker, cid, symbol, pending=True, dedupe=True, order_id=None, filled=False, **details):
        """Decide REJECT / LIMIT / ... / duplicate / placed; returns (what, order).
        pending: the order rests, so its id stays taken (OANDA dedupes pending orders only);
        dedupe: the broker refuses a repeated id at all (Tradier's tag is only a label);
        order_id: the emulator's sequence number -> the broker's order id as its answer shows it
        (a cancel or lookup by that id finds the order); filled: it fills at once whatever its
        symbol (OANDA's MARKET orders), as FILL does; details: kept with the order (qty, price, ...)."""
        with self.lock:
            return self._place(broker, cid, symbol, pending, dedupe, order_id, filled, details)

    def place_batch(self, broker, items):
        """A batch's placement, under one lock: items, one per element in request order, are dicts
        of cid, symbol (the order's), steer (the text its words are read from), invalid (refused by
        the broker's checks: not placed), pending, order_id, filled and details as place takes them.
        Returns (whole, results, drop): whole, when BAN / LIMIT / UNKNOWN / TIMEOUT in any element
        is the request's answer (nothing placed; LIMIT the first time the first element's client id
        is seen); else results, one (what, order) per item as place returns them ("INVALID" for an
        invalid one), and drop, when DROP asks for the connection to be closed unanswered (the first
        time the first element's client id is seen)."""
        with self.lock:
            first = items[0]["cid"] if items else ""
            for it in items:
                what = steer(it["steer"])
                if what in ("BAN", "UNKNOWN", "TIMEOUT"):
                    if what == "BAN":
                        self.banned_until[broker] = time.time() + self.ban_seconds
                    return what, [], False
                if what == "LIMIT" and first not in self.limited[broker]:
                    self.limited[broker].add(first)
                    return what, [], False
            drop = any("DROP" in (it["steer"] or "").upper() for it in items) and first not in self.dropped[broker]
            if drop:
                self.dropped[broker].add(first)
            results = [("INVALID", None) if it.get("invalid") else
                       self._place(broker, it["cid"], it["symbol"], it.get("pending", True), True, it.get("order_id"),
                                   it.get("filled", False), it.get("details", {}), it["steer"], True)
                       for it in items]
            return None, results, drop

    def _place(self, broker, cid, symbol, pending, dedupe, order_id, filled, details, steering=None, batch=False):
        """steering: the text the words are read from, when not the symbol; batch: the request's
        words (BAN, LIMIT, UNKNOWN, TIMEOUT) were handled by place_batch."""
        steering = symbol if steering is None else steering
        what = steer(steering)
        if batch and what in ("BAN", "LIMIT", "UNKNOWN", "TIMEOUT"):
            what = None
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
        filled = filled or fills(steering)
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

    def cancel(self, broker, order_id, release=False, on_cancel=None):
        """Cancel the order with the broker's id order_id: returns (its state before, a copy after),
        (None, None) when there is none. An open order is cancelled; a filled or cancelled one
        stays as it is. Every cancel that reaches an order is counted in its "cancels".
        release: a cancelled order's client id is free again (unique among open orders only:
        Kraken, OANDA); on_cancel(order): called on the order as it is cancelled (OANDA's
        cancel transaction)."""
        with self.lock:
            order = self.book[broker].get(("order_id", order_id))
            if order is None:  # gone by a reset meanwhile
                return None, None
            before = order["state"]
            order["cancels"] += 1
            if before == "open":
                order.update(state="cancelled", updated_ms=now_ms())
                if release and self.ids[broker].get(order["client_order_id"]) is order:
                    del self.ids[broker][order["client_order_id"]]
                if on_cancel:
                    on_cancel(order)
            return before, dict(order)

    def accounts(self, broker):
        """The accounts orders were placed on (OANDA, Tradier): the ones the token reaches."""
        with self.lock:
            return {o.get("account") for o in self.orders if o["broker"] == broker}

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


def json_any(body):
    """The JSON value of a body, None when it is not JSON."""
    try:
        return json.loads(body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None


def json_body(body):
    v = json_any(body)
    return v if isinstance(v, dict) else None


def text(v):
    """v when it is a string, else "" (a batch element's field, as its words and ids are read)."""
    return v if isinstance(v, str) else ""


def elements(v):
    """The dicts of a batch's list (anything else in it an empty dict), None when v is not a list."""
    return [e if isinstance(e, dict) else {} for e in v] if isinstance(v, list) else None


BATCH_VERDICT = {"PLACED": "accepted", "DUPLICATE": "duplicate", "REJECT": "reject", "INVALID": "invalid"}


def batch_end(results, body, headers, drop, status=200):
    """A batch handler's return: its answer and one verdict per element; DROP raises Dropped instead."""
    verdicts = [BATCH_VERDICT[what] for what, _ in results]
    if drop:
        raise Dropped(verdicts)
    return status, body, verdicts, headers


# ---- the brokers ----

def alpaca_auth(emu, req):
    """Alpaca's check of every request: the static APCA-API-KEY-ID and APCA-API-SECRET-KEY headers."""
    key, secret = emu.secret("ALPACA_API_KEY"), emu.secret("ALPACA_API_SECRET")
    if not key or req.header("APCA-API-KEY-ID") != key or req.header("APCA-API-SECRET-KEY") != secret:
        raise Answer(401, {"code": 40110000, "message": "request is not authorized"}, "auth")


def alpaca_rl():
    return {"X-Ratelimit-Limit": "200", "X-Ratelimit-Remaining": "199", "X-Ratelimit-Reset": str(int(time.time()) + 60)}


def alpaca(emu, req):
    """Alpaca v2: static headers; 422 'client_order_id must be unique'."""
    alpaca_auth(emu, req)
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
    what, order = emu.place("alpaca", cid, o["symbol"], order_id=lambda n: f"61e69015-8549-4bfd-b9c3-{n:012d}",
                            qty=o["qty"], price=o.get("limit_price"), side=o["side"], type=o["type"],
                            tif=o["time_in_force"])
    rl = alpaca_rl()
    if what == "REJECT" or what == "BAN":
        raise Answer(403, {"code": 40310000, "message": "insufficient buying power"}, "reject", rl)
    if what == "LIMIT":
        raise Answer(429, {"code": 42910000, "message": "rate limit exceeded"}, "limit",
                     {**rl, "X-Ratelimit-Remaining": "0", "Retry-After": "1"})
    if what in ("UNKNOWN", "TIMEOUT"):
        raise Answer(500, {"code": 50010000, "message": "internal server error occurred"}, "unknown")
    if what == "DUPLICATE":
        raise Answer(422, {"code": 40010001, "message": "client_order_id must be unique"}, "duplicate", rl)
    return 200, {"id": order["order_id"], "client_order_id": cid,
                 "status": "accepted", "symbol": o["symbol"], "qty": o["qty"], "side": o["side"],
                 "type": o["type"]}, "accepted", rl


ALPACA_STATUS = {"open": "new", "filled": "filled", "cancelled": "canceled"}  # alpaca-py enums.py OrderStatus


def alpaca_order(o):
    """An order as Alpaca answers it (Trading API 'Orders' object)."""
    t = iso(o["at_ms"], 6)
    u = iso(o["updated_ms"], 6)
    filled, price = o["state"] == "filled", o.get("price")
    return {"id": o["order_id"], "client_order_id": o["client_order_id"], "created_at": t, "updated_at": u,
            "submitted_at": t, "filled_at": u if filled else None, "expired_at": None,
            "canceled_at": u if o["state"] == "cancelled" else None, "failed_at": None, "replaced_at": None,
            "replaced_by": None, "replaces": None, "asset_id": "b0b6dd9d-8b9b-48a9-ba46-b9d54906e415",
            "symbol": o["symbol"], "asset_class": "us_equity", "notional": None, "qty": o["qty"],
            "filled_qty": o["executed"], "filled_avg_price": price if filled else None, "order_class": "",
            "order_type": o["type"], "type": o["type"], "side": o["side"], "time_in_force": o["tif"],
            "limit_price": price, "stop_price": None, "status": ALPACA_STATUS[o["state"]], "extended_hours": False,
            "legs": None, "trail_percent": None, "trail_price": None, "hwm": None}


def alpaca_cancel(emu, req):
    """Alpaca DELETE /v2/orders/{order_id}: "If the order is no longer cancelable, the request will be
    rejected with status 422; otherwise accepted with return status 204" (OpenAPI deleteOrderByOrderID).
    The bodies are third-party, not in Alpaca's reference: 422 {"code": 42210000, "message": "order is
    already in \"filled\" state"} (bennycode/trading-signals PR 1079), 404 {"code": 40410000, "message":
    "order not found"} (client fixtures); the wording for a cancelled order is the filled one's with its
    state (unconfirmed). A 204 means the cancel was accepted, as here it is done at once."""
    alpaca_auth(emu, req)
    oid = urllib.parse.unquote(req.path.rsplit("/", 1)[1])
    order = emu.find("alpaca", order_id=oid)
    req.note(order, order_id=oid)
    before, order = emu.cancel("alpaca", oid) if order else (None, None)
    if before is None:
        raise Answer(404, {"code": 40410000, "message": "order not found"}, "not_found", alpaca_rl())
    if before != "open":
        raise Answer(422, {"code": 42210000, "message": f'order is already in "{ALPACA_STATUS[before]}" state'},
                     "already_closed", alpaca_rl())
    return 204, b"", "cancelled", alpaca_rl()


def alpaca_status(emu, req):
    """Alpaca GET /v2/orders:by_client_order_id?client_order_id=: the order; an unknown id 404
    {"code": 40410000, "message": "Not found"} (the body third-party, unconfirmed)."""
    alpaca_auth(emu, req)
    cid = dict(form_pairs(req.query) or []).get("client_order_id")
    if not cid:
        raise Answer(422, {"code": 40010001, "message": "client_order_id is required"}, "invalid")
    order = emu.find("alpaca", client_id=cid)
    req.note(order, cid)
    if order is None:
        raise Answer(404, {"code": 40410000, "message": "Not found"}, "not_found", alpaca_rl())
    return 200, alpaca_order(order), order["state"], alpaca_rl()


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


BYBIT_CATEGORIES = ("spot", "linear", "inverse", "option")


def bybit_invalid(o):
    """The retMsg refusing an order's fields (retCode 10001), None when they are good."""
    if o.get("side") not in ("Buy", "Sell"):
        return "params error: side invalid"
    if o.get("orderType") not in ("Market", "Limit"):
        return "params error: orderType invalid"
    if not isinstance(o.get("qty"), str) or not o.get("symbol"):
        return "params error: qty or symbol invalid"
    cid = o.get("orderLinkId", "")
    if cid and not (isinstance(cid, str) and re.fullmatch(r"[A-Za-z0-9_-]{1,36}", cid)):
        return "params error: orderLinkId invalid"
    return None


def bybit_rl():
    return {"X-Bapi-Limit": "20", "X-Bapi-Limit-Status": "19", "X-Bapi-Limit-Reset-Timestamp": str(now_ms())}


def bybit_whole(what, symbols, rl):
    """Raises Bybit's answer to a request that placed nothing: BAN, LIMIT (SYSFREQ: 10429), UNKNOWN, TIMEOUT."""
    if what == "BAN":
        raise Answer(403, "access too frequent", "ban")
    if what == "LIMIT" and any("SYSFREQ" in (x or "").upper() for x in symbols):
        raise Answer(200, bybit_env(10429, "System level frequency protection"), "limit", rl)
    if what == "LIMIT":
        raise Answer(200, bybit_env(10006, "Too many visits. Exceeded the API Rate Limit."), "limit",
                     {**rl, "X-Bapi-Limit-Status": "0", "X-Bapi-Limit-Reset-Timestamp": str(now_ms() + 500)})
    if what == "UNKNOWN":
        raise Answer(502, "<html>502 Bad Gateway</html>", "unknown")
    if what == "TIMEOUT":
        raise Answer(200, bybit_env(10016, "Server error."), "unknown", rl)


def bybit_duplicate(category):
    return (170141, "Duplicate clientOrderId") if category == "spot" else (110072, "OrderLinkedID is duplicate")


def bybit(emu, req):
    """Bybit v5 placement: X-BAPI-* headers, HTTP 200 with retCode (guide.mdx, error.mdx, rate-limit.mdx)."""
    bybit_auth(emu, req, req.body)
    o = json_body(req.body)
    if o is None:
        raise Answer(200, bybit_env(10001, "params error: invalid json"), "malformed")
    if o.get("category") not in BYBIT_CATEGORIES:
        raise Answer(200, bybit_env(10001, "params error: category invalid"), "invalid")
    bad = bybit_invalid(o)
    if bad:
        raise Answer(200, bybit_env(10001, bad), "invalid")
    cid = o.get("orderLinkId", "")
    what, order = emu.place("bybit", cid, o["symbol"], order_id=lambda n: f"1321003749386327{n:03d}",
                            category=o["category"], qty=o["qty"], price=o.get("price"), side=o["side"],
                            type=o["orderType"], tif=o.get("timeInForce"))
    rl = bybit_rl()
    bybit_whole(what, [o["symbol"]], rl)
    if what == "REJECT":
        raise Answer(200, bybit_env(170131, "Balance insufficient"), "reject", rl)
    if what == "DUPLICATE":
        raise Answer(200, bybit_env(*bybit_duplicate(o["category"])), "duplicate", rl)
    return 200, bybit_env(0, "OK", {"orderId": order["order_id"], "orderLinkId": cid}), "accepted", rl


def bybit_batch(emu, req):
    """Bybit POST /v5/order/create-batch {"category", "request": [orders as /v5/order/create takes
    them]}, signed as placement: "A maximum of 20 orders (option), 20 orders (inverse), 20 orders
    (linear), 10 orders (spot) can be placed per request" (docs/v5/order/batch-place). retCode 0
    whatever the elements' fate, with two lists in request order: result.list[i] {category, symbol,
    orderId, orderLinkId, createAt} and retExtInfo.list[i] {code, msg}, code 0 "OK" for a placed
    order. A failed element's result keeps its category and symbol with orderId, orderLinkId and
    createAt empty, its code and msg the single placement's (third-party fixtures: unconfirmed).
    Too many orders: retCode 10001, nothing placed (the wording unconfirmed)."""
    bybit_auth(emu, req, req.body)
    o = json_body(req.body)
    if o is None:
        raise Answer(200, bybit_env(10001, "params error: invalid json"), "malformed")
    cat, orders = o.get("category"), elements(o.get("request"))
    if cat not in BYBIT_CATEGORIES:
        raise Answer(200, bybit_env(10001, "params error: category invalid"), "invalid")
    if not orders:
        raise Answer(200, bybit_env(10001, "params error: request is empty"), "invalid")
    most = 10 if cat == "spot" else 20
    if len(orders) > most:
        raise Answer(200, bybit_env(10001, f"params error: request exceeds the limit of {most} orders"), "invalid")
    items = [{"cid": text(e.get("orderLinkId")), "symbol": e.get("symbol"), "steer": text(e.get("symbol")),
              "invalid": bybit_invalid(e), "order_id": lambda n: f"1321003749386327{n:03d}",
              "details": {"category": cat, "qty": e.get("qty"), "price": e.get("price"), "side": e.get("side"),
                          "type": e.get("orderType"), "tif": e.get("timeInForce")}} for e in orders]
    whole, results, drop = emu.place_batch("bybit", items)
    rl = bybit_rl()
    bybit_whole(whole, [e.get("symbol") for e in orders], rl)
    made, ext = [], []
    for e, (what, order) in zip(orders, results):
        sym = text(e.get("symbol"))
        if what == "PLACED":
            made.append({"category": cat, "symbol": sym, "orderId": order["order_id"],
                         "orderLinkId": order["client_order_id"], "createAt": str(order["at_ms"])})
            ext.append({"code": 0, "msg": "OK"})
            continue
        made.append({"category": cat, "symbol": sym, "orderId": "", "orderLinkId": "", "createAt": ""})
        code, msg = {"REJECT": (170131, "Balance insufficient"), "DUPLICATE": bybit_duplicate(cat)}.get(
            what, (10001, bybit_invalid(e)))
        ext.append({"code": code, "msg": msg})
    body = {"retCode": 0, "retMsg": "OK", "result": {"list": made}, "retExtInfo": {"list": ext}, "time": now_ms()}
    return batch_end(results, body, rl, drop)


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


def okx_invalid(o):
    """The sMsg refusing an order's fields (sCode 51000), None when they are good."""
    for f in ("instId", "tdMode", "side", "ordType", "sz"):
        if not isinstance(o.get(f), str) or not o[f]:
            return f"Parameter {f} error"
    if o["side"] not in ("buy", "sell") or o["ordType"] not in ("market", "limit", "post_only", "fok", "ioc"):
        return "Parameter side or ordType error"
    cid = o.get("clOrdId", "")
    if cid and not (isinstance(cid, str) and re.fullmatch(r"[A-Za-z0-9]{1,32}", cid)):
        return "Parameter clOrdId error"
    return None


OKX_FAILED = {  # what -> (sCode, sMsg, verdict) of an order not placed, in its data element
    "REJECT": ("51008", "Order failed. Insufficient USDT balance in account.", "reject"),
    "BAN": ("51008", "Order failed. Insufficient USDT balance in account.", "reject"),  # OKX has no ban answer
    "TIMEOUT": ("51149", "Order timed out. Please try again.", "unknown"),
    "DUPLICATE": ("51016", "Duplicated clOrdId", "duplicate"),
}


def okx_ack(cid, order=None, scode="0", smsg="Order placed"):
    return {"clOrdId": cid, "ordId": order["order_id"] if order else "", "tag": "", "ts": str(now_ms()),
            "sCode": scode, "sMsg": smsg}


def okx_whole(what):
    """Raises OKX's HTTP answer to a request that placed nothing: LIMIT, UNKNOWN."""
    if what == "LIMIT":
        raise Answer(429, okx_env("50011", "Rate limit reached. Please refer to API documentation and throttle requests accordingly."), "limit")
    if what == "UNKNOWN":
        raise Answer(500, okx_env("50026", "System error. Try again later"), "unknown")


def okx_details(o):
    return {"qty": o.get("sz"), "price": o.get("px"), "side": o.get("side"), "type": o.get("ordType"),
            "tdMode": o.get("tdMode"), "tgtCcy": o.get("tgtCcy", "")}


def okx(emu, req):
    """OKX v5 placement: OK-ACCESS-* headers, demo by x-simulated-trading: 1; HTTP 200 with code/sCode strings."""
    okx_auth(emu, req)
    o = okx_json(req)
    cid = o.get("clOrdId", "")

    def fail(scode, smsg, verdict, status=200):
        raise Answer(status, okx_env("1", "All operations failed", [okx_ack(cid, None, scode, smsg)]), verdict)
    bad = okx_invalid(o)
    if bad:
        fail("51000", bad, "invalid")
    what, order = emu.place("okx", cid, o["instId"], order_id=lambda n: f"31254720830{n:04d}", **okx_details(o))
    okx_whole(what)
    if what in OKX_FAILED:
        fail(*OKX_FAILED[what])
    return 200, okx_env("0", "", [okx_ack(cid, order)]), "accepted", {}


def okx_batch(emu, req):
    """OKX POST /api/v5/trade/batch-orders: a JSON array of orders as /trade/order takes them,
    "Maximum 20 orders can be placed per request", signed as placement (docs-v5 "Place multiple
    orders"). HTTP 200, data one {clOrdId, ordId, tag, ts, sCode, sMsg} per order in request order;
    code "0" (msg "") when every order was placed, "1" "All operations failed", "2" "Bulk operation
    partially succeeded." (docs-v5 "Error Code REST API", General: 0, 1, 2). An element refused
    fails alone with the single placement's sCode (51000, 51008, 51016). More than 20 orders:
    HTTP 400 code 50025 "Parameter {param0} count exceeds the limit {param1}", nothing placed
    (the code from the error table; that OKX answers it here is unconfirmed). TIMEOUT and BAN fail
    every element with its sCode (51149; OKX has no ban: 51008), nothing placed."""
    okx_auth(emu, req)
    orders = elements(json_any(req.body))
    if orders is None:
        raise Answer(400, okx_env("50002", "JSON syntax error"), "malformed")
    if not orders:
        raise Answer(400, okx_env("50000", "Body cannot be empty"), "invalid")
    if len(orders) > 20:
        raise Answer(400, okx_env("50025", "Parameter orders count exceeds the limit 20"), "invalid")
    items = [{"cid": text(e.get("clOrdId")), "symbol": e.get("instId"), "steer": text(e.get("instId")),
              "invalid": okx_invalid(e), "order_id": lambda n: f"31254720830{n:04d}", "details": okx_details(e)}
             for e in orders]
    whole, results, drop = emu.place_batch("okx", items)
    okx_whole(whole)
    if whole:  # TIMEOUT, BAN: every element fails alike
        scode, smsg, verdict = OKX_FAILED[whole]
        raise Answer(200, okx_env("1", "All operations failed", [okx_ack(it["cid"], None, scode, smsg) for it in items]),
                     verdict)
    data = []
    for it, (what, order) in zip(items, results):
        if what == "PLACED":
            data.append(okx_ack(it["cid"], order))
        else:
            scode, smsg, _ = OKX_FAILED.get(what, ("51000", it["invalid"], None))
            data.append(okx_ack(it["cid"], None, scode, smsg))
    placed = sum(what == "PLACED" for what, _ in results)
    code, msg = ("0", "") if placed == len(results) else ("1", "All operations failed") if not placed else \
        ("2", "Bulk operation partially succeeded.")
    return batch_end(results, okx_env(code, msg, data), {}, drop)


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


def kraken_err(*e):
    return {"error": list(e)}


def kraken_auth(emu, req):
    """Kraken's checks of every private request: the lockout, API-Key, a form body whose nonce
    increases, API-Sign over path + SHA256(nonce + body) (spot-rest-auth); returns the form's params.
    A JSON body (AddOrderBatch's: Kraken.Net KrakenAuthenticationProvider, "Only endpoint using json
    body data") is signed the same way over its raw text, the nonce its "nonce" member as text (a
    number or a string of digits); its object is returned."""
    err = kraken_err
    if emu.banned("kraken"):
        raise Answer(200, err("EGeneral:Temporary lockout"), "banned")
    key, secret = emu.secret("KRAKEN_API_KEY"), emu.secret("KRAKEN_API_SECRET")
    if not key or req.header("API-Key") != key:
        raise Answer(200, err("EAPI:Invalid key"), "auth")
    body = req.body
    ctype = (req.header("Content-Type") or "").split(";")[0].strip().lower()
    if ctype == "application/json":
        params = json_body(body)
        n = params.get("nonce") if params is not None else None
        nonce = str(n) if isinstance(n, int) and not isinstance(n, bool) else text(n)
    else:
        pairs = form_pairs(body.decode("latin-1")) if ctype == "application/x-www-form-urlencoded" else None
        params = dict(pairs) if pairs is not None else None
        nonce = params.get("nonce", "") if params is not None else ""
    if params is None:
        raise Answer(200, err("EGeneral:Invalid arguments"), "malformed")
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
    return params


def kraken_invalid(p):
    """The error refusing an order's fields, None when they are good (its pair is checked apart)."""
    for f in ("type", "ordertype", "volume"):
        if not p.get(f):
            return f"EGeneral:Invalid arguments:{f}"
    if p["type"] not in ("buy", "sell") or p["ordertype"] not in ("market", "limit"):
        return "EGeneral:Invalid arguments:type"
    if p["ordertype"] == "limit" and not p.get("price"):
        return "EGeneral:Invalid arguments:price"
    cid = p.get("cl_ord_id", "")
    uuid = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[0-9a-fA-F]{32}"
    if cid and not (isinstance(cid, str) and (re.fullmatch(uuid, cid) or re.fullmatch(r"[\x21-\x7e]{1,18}", cid))):
        return "EGeneral:Invalid arguments:cl_ord_id"
    return None


KRAKEN_FAILED = {  # what -> (error, verdict) of an order not placed
    "BAN": ("EGeneral:Temporary lockout", "ban"),
    "LIMIT": ("EOrder:Rate limit exceeded", "limit"),
    "REJECT": ("EOrder:Insufficient funds", "reject"),
    "TIMEOUT": ("EService:Unavailable", "unknown"),
    "DUPLICATE": ("EOrder:Duplicate order", "duplicate"),  # wording not verified in Kraken's docs
}


def kraken_descr(p, pair):
    return f"{p['type']} {p['volume']} {pair} @ {p['ordertype']} {p.get('price', '')}".strip()


def kraken(emu, req):
    """Kraken spot: API-Key/API-Sign, increasing nonce, HTTP 200 with error[] (spot-rest-auth, docs.kraken.com/rest)."""
    err = kraken_err
    params = kraken_auth(emu, req)
    bad = "EGeneral:Invalid arguments:pair" if not params.get("pair") else kraken_invalid(params)
    if bad:
        raise Answer(200, err(bad), "invalid")
    cid = params.get("cl_ord_id", "")
    # cl_ord_id "uniquely identifies an open order": one filled at once leaves it free
    what, order = emu.place("kraken", cid, params["pair"], pending=not fills(params["pair"]),
                            order_id=lambda n: f"OUF4EM-FRGI2-{n:06d}", qty=params["volume"],
                            price=params.get("price"), side=params["type"], type=params["ordertype"])
    if what == "UNKNOWN":
        raise Answer(520, "error code: 520", "unknown")
    if what in KRAKEN_FAILED:
        raise Answer(200, err(KRAKEN_FAILED[what][0]), KRAKEN_FAILED[what][1])
    return 200, {"error": [], "result": {"descr": {"order": kraken_descr(params, params["pair"])},
                                         "txid": [order["order_id"]]}}, "accepted", {}


def kraken_batch(emu, req):
    """Kraken POST /0/private/AddOrderBatch, a JSON body {"nonce", "pair", "orders": [...], "deadline"?,
    "validate"?} signed as AddOrder over its raw text (kraken_auth). "Sends a collection of orders
    (minimum of 2 and maximum 15)"; "If an order fails validation, the whole batch will be
    rejected"; "if an order fails pre-match checks (i.e. funding), then the individual order will
    be rejected and remainder of the batch will be processed"; "All orders in batch are limited to
    a single pair" (docs.kraken.com add-order-batch). {"error": [], "result": {"orders": [...]}},
    "in the same order as the order list sent": {"txid": "O...", "descr": {"order": "..."}} for a
    placed order, {"error": "EOrder:..."} for one refused (the schema's per-order error string).
    Fewer than 2 or more than 15 orders, an invalid one, or one naming a pair of its own other than
    the batch's (not in Kraken's schema): EGeneral:Invalid arguments:orders / the field / :pair,
    nothing placed (the wordings unconfirmed). An element's words are read from the pair and its
    cl_ord_id. validate true: every order described, none placed. deadline is not checked."""
    err = kraken_err
    params = kraken_auth(emu, req)
    pair, orders = params.get("pair"), elements(params.get("orders"))
    if not isinstance(pair, str) or not pair:
        raise Answer(200, err("EGeneral:Invalid arguments:pair"), "invalid")
    if orders is None or not 2 <= len(orders) <= 15:
        raise Answer(200, err("EGeneral:Invalid arguments:orders"), "invalid")
    for e in orders:
        bad = "EGeneral:Invalid arguments:pair" if e.get("pair", pair) != pair else kraken_invalid(e)
        if bad:
            raise Answer(200, err(bad), "invalid")
    if params.get("validate") in (True, "true"):
        return 200, {"error": [], "result": {"orders": [{"descr": {"order": kraken_descr(e, pair)}} for e in orders]}}, \
            "validated", {}
    items = [{"cid": text(e.get("cl_ord_id")), "symbol": pair, "steer": f"{pair} {text(e.get('cl_ord_id'))}",
              "pending": not fills(f"{pair} {text(e.get('cl_ord_id'))}"), "order_id": lambda n: f"OUF4EM-FRGI2-{n:06d}",
              "details": {"qty": e["volume"], "price": e.get("price"), "side": e["type"], "type": e["ordertype"]}}
             for e in orders]
    whole, results, drop = emu.place_batch("kraken", items)
    if whole == "UNKNOWN":
        raise Answer(520, "error code: 520", "unknown")
    if whole:
        raise Answer(200, err(KRAKEN_FAILED[whole][0]), KRAKEN_FAILED[whole][1])
    out = [{"txid": order["order_id"], "descr": {"order": kraken_descr(e, pair)}} if what == "PLACED" else
           {"error": KRAKEN_FAILED[what][0]} for e, (what, order) in zip(orders, results)]
    return batch_end(results, {"error": [], "result": {"orders": out}}, {}, drop)


def kraken_cancel(emu, req):
    """Kraken POST /0/private/CancelOrder, signed as AddOrder: by txid ("Kraken order identifier")
    or cl_ord_id ("uniquely identifies an open order"); {"error": [], "result": {"count": 1,
    "pending": false}} (docs.kraken.com cancel-order). A closed order and one never placed alike:
    "EOrder:Unknown order" (third-party SDKs, ccxt's OrderNotFound; not in Kraken's own error
    page: unconfirmed). Both ids sent: the txid is used (undocumented)."""
    params = kraken_auth(emu, req)
    txid, cid = text(params.get("txid")), text(params.get("cl_ord_id"))
    if not txid and not cid:
        raise Answer(200, kraken_err("EGeneral:Invalid arguments:txid"), "invalid")
    order = emu.find("kraken", txid, cid)
    req.note(order, cid, txid)
    before, order = emu.cancel("kraken", order["order_id"], release=True) if order else (None, None)
    if before != "open":
        raise Answer(200, kraken_err("EOrder:Unknown order"), "not_found" if before is None else "already_closed")
    return 200, {"error": [], "result": {"count": 1, "pending": False}}, "cancelled", {}


KRAKEN_STATUS = {"open": "open", "filled": "closed", "cancelled": "canceled"}  # Kraken: a filled order is "closed"


def kraken_status(emu, req):
    """Kraken POST /0/private/QueryOrders, signed as AddOrder: txid, a comma-delimited list of up to
    50 Kraken ids (docs.kraken.com query-orders-info); the answer is keyed by txid,
    {"error": [], "result": {"OXXXX-...": {"status": "open", "vol": "1.25", "vol_exec": "0.0", ...}}}.
    An id Kraken does not know: {"error": ["EOrder:Invalid order"]} (third-party SDKs: unconfirmed)."""
    params = kraken_auth(emu, req)
    txids = [t for t in text(params.get("txid")).split(",") if t]
    if not txids or len(txids) > 50:
        raise Answer(200, kraken_err("EGeneral:Invalid arguments:txid"), "invalid")
    found = {}
    for t in txids:
        order = emu.find("kraken", t, None)
        if order is None:
            req.note(None, None, t)
            raise Answer(200, kraken_err("EOrder:Invalid order"), "not_found")
        found[t] = {"refid": None, "userref": 0, "cl_ord_id": order["client_order_id"],
                    "status": KRAKEN_STATUS[order["state"]], "opentm": order["at_ms"] / 1000,
                    "descr": {"pair": order["symbol"], "type": order.get("side"), "ordertype": order.get("type")},
                    "vol": order.get("qty"), "vol_exec": order["executed"]}
        req.note(order, order["client_order_id"], t)
    return 200, {"error": [], "result": found}, KRAKEN_STATUS[order["state"]], {}


def coinbase_auth(emu, req):
    """Coinbase's check of every request: a Bearer ES256 JWT made for it (coinbase-advanced-py
    jwt_generator.py): kid and sub the key name, iss cdp, at most 2 minutes, a nonce never seen
    before, and uri "METHOD host/path" naming this request's own method and path (no query)."""
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


def coinbase(emu, req):
    """Coinbase Advanced Trade: Bearer ES256 JWT per request (coinbase-advanced-py jwt_generator.py)."""
    coinbase_auth(emu, req)
    o = json_body(req.body)
    if o is None:
        raise Answer(400, {"error": "INVALID_ARGUMENT", "error_details": "invalid json", "message": "invalid json"}, "malformed")
    conf = o.get("order_configuration")
    if not o.get("product_id") or o.get("side") not in ("BUY", "SELL") or not isinstance(conf, dict) or len(conf) != 1:
        raise Answer(400, {"error": "INVALID_ARGUMENT", "error_details": "product_id, side and one order_configuration are required",
                           "message": "invalid request"}, "invalid")
    cid = o.get("client_order_id", "")
    kind, inner = next(iter(conf.items()))
    inner = inner if isinstance(inner, dict) else {}
    # a repeated id: "the order corresponding with that ID will be returned instead", so the
    # answer is the existing order's (its product, side and configuration), not this request's
    what, order = emu.place("coinbase", cid, o["product_id"], order_id=lambda n: f"11111111-2222-3333-4444-{n:012d}",
                            product_id=o["product_id"], side=o["side"], conf=conf, qty=inner.get("base_size") or "0",
                            price=inner.get("limit_price"), type="MARKET" if kind.startswith("market") else "LIMIT")
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
    verdict = "duplicate" if what == "DUPLICATE" else "accepted"
    return 200, {"success": True, "success_response": {"order_id": order["order_id"], "product_id": order["product_id"],
                                                       "side": order["side"], "client_order_id": cid},
                 "order_configuration": order["conf"]}, verdict, {"x-ratelimit-limit": "30", "x-ratelimit-remaining": "29"}


COINBASE_STATUS = {"open": "OPEN", "filled": "FILLED", "cancelled": "CANCELLED"}  # coinbase-advanced-py Order.status


def filled_value(o):
    """What an order has executed, in the quote currency ("0" when its numbers do not multiply)."""
    try:
        return f"{Decimal(o['executed']) * Decimal(o.get('price') or '0')}"
    except ArithmeticError:
        return "0"


def coinbase_order(o):
    """An order as Get Order answers it (coinbase-advanced-py orders_types.py Order)."""
    filled = o["state"] == "filled"
    px = o.get("price") or "0"
    value = filled_value(o)
    return {"order_id": o["order_id"], "product_id": o["product_id"], "user_id": "emu-user",
            "order_configuration": o["conf"], "side": o["side"], "client_order_id": o["client_order_id"],
            "status": COINBASE_STATUS[o["state"]], "time_in_force": "GOOD_UNTIL_CANCELLED",
            "created_time": iso(o["at_ms"], 6), "completion_percentage": "100" if filled else "0",
            "filled_size": o["executed"], "average_filled_price": px if filled else "0",
            "number_of_fills": "1" if filled else "0", "filled_value": value, "pending_cancel": False,
            "size_in_quote": False, "total_fees": "0", "size_inclusive_of_fees": False,
            "total_value_after_fees": value, "trigger_status": "INVALID_ORDER_TYPE", "order_type": o["type"],
            "reject_reason": "REJECT_REASON_UNSPECIFIED", "settled": filled, "product_type": "SPOT",
            "reject_message": "", "cancel_message": "User requested cancel" if o["state"] == "cancelled" else "",
            "order_placement_source": "RETAIL_ADVANCED", "outstanding_hold_amount": "0", "is_liquidation": False,
            "last_fill_time": iso(o["updated_ms"], 6) if filled else None, "edit_history": [],
            "leverage": "", "margin_type": "UNKNOWN_MARGIN_TYPE", "retail_portfolio_id": ""}


def coinbase_cancel(emu, req):
    """Coinbase POST /api/v3/brokerage/orders/batch_cancel {"order_ids": [...]}: HTTP 200 with one
    result per id, {"success", "failure_reason", "order_id"} (OpenAPI CancelOrders; a success
    carries failure_reason UNKNOWN_CANCEL_FAILURE_REASON, the enum's default: ccxt PR 16470).
    A filled order: ORDER_IS_FULLY_FILLED (the enum, third-party typed SDKs). One never placed:
    UNKNOWN_CANCEL_ORDER. One already cancelled: undocumented; UNKNOWN_CANCEL_ORDER here, the
    likeliest (third-party clients read it as "already gone"), unconfirmed."""
    coinbase_auth(emu, req)
    o = json_body(req.body)
    ids = o.get("order_ids") if o else None
    if not isinstance(ids, list) or not ids or len(ids) > 100 or not all(isinstance(i, str) and i for i in ids):
        raise Answer(400, {"error": "INVALID_ARGUMENT", "error_details": "order_ids: 1 to 100 order ids are required",
                           "message": "order_ids: 1 to 100 order ids are required"}, "invalid")
    results, verdicts = [], []
    for i, oid in enumerate(ids):
        order = emu.find("coinbase", oid)
        if i == 0:
            req.note(order, order_id=oid)
        before, _ = emu.cancel("coinbase", oid) if order else (None, None)
        if before == "open":
            results.append({"success": True, "failure_reason": "UNKNOWN_CANCEL_FAILURE_REASON", "order_id": oid})
            verdicts.append("cancelled")
        else:
            reason = "ORDER_IS_FULLY_FILLED" if before == "filled" else "UNKNOWN_CANCEL_ORDER"
            results.append({"success": False, "failure_reason": reason, "order_id": oid})
            verdicts.append("not_found" if before is None else "already_closed")
    return 200, {"results": results}, verdicts[0] if len(set(verdicts)) == 1 else "mixed", {}


def coinbase_status(emu, req):
    """Coinbase GET /api/v3/brokerage/orders/historical/{order_id}: {"order": {...}}; an unknown id
    HTTP 404 {"error": "NOT_FOUND", ...} (the body third-party: ccxt and others)."""
    coinbase_auth(emu, req)
    oid = urllib.parse.unquote(req.path.rsplit("/", 1)[1])
    order = emu.find("coinbase", oid)
    req.note(order, order_id=oid)
    if order is None:
        msg = "order with this orderID was not found"
        raise Answer(404, {"error": "NOT_FOUND", "error_details": msg, "message": msg}, "not_found")
    return 200, {"order": coinbase_order(order)}, order["state"], {}


def bitget_env(code, msg, data=None):
    return {"code": code, "msg": msg, "requestTime": now_ms(), "data": data}


def bitget_auth(emu, req):
    """Bitget's checks of every signed request: ACCESS-KEY, -PASSPHRASE, an epoch-ms ACCESS-TIMESTAMP
    within 30 s, ACCESS-SIGN over timestamp + METHOD + path?query + body (v3-bitget-api-sdk)."""
    env = bitget_env
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


def bitget_invalid(o, fields=("symbol", "side", "orderType", "force", "size")):
    """The msg refusing an order's fields (code 40017), None when they are good."""
    for f in fields:
        if not isinstance(o.get(f), str) or not o[f]:
            return f"Parameter verification failed: {f}"
    if o["side"] not in ("buy", "sell") or o["orderType"] not in ("limit", "market"):
        return "Parameter verification failed: side or orderType"
    return None


def bitget_whole(what):
    """Raises Bitget's HTTP answer to a request that placed nothing: LIMIT, UNKNOWN, TIMEOUT."""
    if what == "LIMIT":
        raise Answer(429, bitget_env("429", "Too Many Requests"), "limit", {"Retry-After": "1"})
    if what in ("UNKNOWN", "TIMEOUT"):
        raise Answer(500, bitget_env("40010", "Request timed out"), "unknown")


def bitget_details(o):
    return {"qty": o.get("size"), "price": o.get("price"), "side": o.get("side"), "type": o.get("orderType"),
            "force": o.get("force")}


def bitget(emu, req):
    """Bitget v2: ACCESS-* headers, ms timestamp, code '00000' (v3-bitget-api-sdk)."""
    env = bitget_env
    bitget_auth(emu, req)
    o = json_body(req.body)
    if o is None:
        raise Answer(400, env("40017", "Parameter verification failed"), "malformed")
    bad = bitget_invalid(o)
    if bad:
        raise Answer(400, env("40017", bad), "invalid")
    cid = o.get("clientOid", "")
    what, order = emu.place("bitget", cid, o["symbol"], order_id=lambda n: f"12127393573{n:05d}", **bitget_details(o))
    bitget_whole(what)
    if what in ("REJECT", "BAN"):
        raise Answer(400, env("43012", "Insufficient balance"), "reject")
    if what == "DUPLICATE":
        raise Answer(400, env("40786", "Duplicate clientOid"), "duplicate")
    return 200, env("00000", "success", {"orderId": order["order_id"], "clientOid": cid}), "accepted", {}


BITGET_FAILED = {  # what -> (errorCode, errorMsg) of a batch's order not placed
    "REJECT": ("43012", "Insufficient balance"),
    "BAN": ("43012", "Insufficient balance"),  # Bitget has no ban answer
    "DUPLICATE": ("40786", "clientOrderId duplicate"),  # the msg the doc's example shows, the code the single one's
}


def bitget_batch(emu, req):
    """Bitget POST /api/v2/spot/trade/batch-orders {"symbol", "batchMode", "orderList": [orders as
    place-order takes them]}, signed as placement; "orderList ... maximum length: 50"; batchMode
    "single" (the default): the symbol outside orderList is every order's, an order's own ignored;
    "multiple": each order's symbol, required, the outside one ignored (api-doc/spot/trade/
    Batch-Place-Orders). HTTP 200 code "00000" with data {"successList": [{orderId, clientOid}],
    "failureList": [{orderId, clientOid, errorMsg, errorCode}]}, each list in request order (the
    doc's example: errorMsg "clientOrderId duplicate"; errorCode from third-party docs, unconfirmed).
    An order refused fails alone with the single placement's code (40017, 43012; BAN fails every
    order, as Bitget has no ban). More than 50 orders, or a symbol missing where batchMode needs
    it: HTTP 400 40017, nothing placed (unconfirmed). In single mode an element's words are read
    from the symbol and its clientOid."""
    env = bitget_env
    bitget_auth(emu, req)
    o = json_body(req.body)
    if o is None:
        raise Answer(400, env("40017", "Parameter verification failed"), "malformed")
    multiple, orders = o.get("batchMode") == "multiple", elements(o.get("orderList"))
    if o.get("batchMode", "single") not in ("single", "multiple") or not orders:
        raise Answer(400, env("40017", "Parameter verification failed: batchMode or orderList"), "invalid")
    if len(orders) > 50:
        raise Answer(400, env("40017", "Parameter verification failed: orderList maximum length 50"), "invalid")
    if not multiple and (not isinstance(o.get("symbol"), str) or not o["symbol"]):
        raise Answer(400, env("40017", "Parameter verification failed: symbol"), "invalid")
    if multiple and not all(isinstance(e.get("symbol"), str) and e["symbol"] for e in orders):
        raise Answer(400, env("40017", "Parameter verification failed: orderList symbol"), "invalid")
    items = []
    for e in orders:
        sym, cid = e["symbol"] if multiple else o["symbol"], text(e.get("clientOid"))
        items.append({"cid": cid, "symbol": sym, "steer": sym if multiple else f"{sym} {cid}",
                      "invalid": bitget_invalid(e, ("side", "orderType", "force", "size")),
                      "order_id": lambda n: f"12127393573{n:05d}", "details": bitget_details(e)})
    whole, results, drop = emu.place_batch("bitget", items)
    bitget_whole(whole)
    if whole:  # BAN: every order fails, nothing placed
        results = [(whole, None)] * len(items)
    ok, failed = [], []
    for it, (what, order) in zip(items, results):
        if what == "PLACED":
            ok.append({"orderId": order["order_id"], "clientOid": it["cid"]})
        else:
            code, msg = BITGET_FAILED.get(what, ("40017", it["invalid"]))
            failed.append({"orderId": "", "clientOid": it["cid"], "errorMsg": msg, "errorCode": code})
    body = env("00000", "success", {"successList": ok, "failureList": failed})
    if whole:
        raise Answer(200, body, "reject")
    return batch_end(results, body, {}, drop)


BITGET_STATUS = {"open": "live", "filled": "filled", "cancelled": "cancelled"}  # Get-Order-Info "status"
# "The order does not exist" (bitget-api SDK API_ERROR_CODE.ORDER_NOT_FOUND). Its HTTP status is 200 in
# some third-party fixtures, 400 in others: 400 here, as Bitget's other 4xxxx codes (unconfirmed).
BITGET_NO_ORDER = ("43001", "The order does not exist")


def bitget_order(o):
    """An order as Get Order Info lists it (api-doc/spot/trade/Get-Order-Info)."""
    filled = o["state"] == "filled"
    px = o.get("price") or "0"
    quote = filled_value(o)
    return {"userId": "1234567890", "symbol": o["symbol"], "orderId": o["order_id"], "clientOid": o["client_order_id"],
            "price": px, "size": o["qty"], "orderType": o["type"], "side": o["side"],
            "status": BITGET_STATUS[o["state"]], "priceAvg": px if filled else "0", "baseVolume": o["executed"],
            "quoteVolume": quote, "enterPointSource": "API", "feeDetail": "", "orderSource": "normal",
            "cancelReason": "", "cTime": str(o["at_ms"]), "uTime": str(o["updated_ms"])}


def bitget_find(emu, req, p, symbol=None):
    """The order p names by orderId or clientOid (orderId first), of that symbol when given."""
    if not p.get("orderId") and not p.get("clientOid"):
        raise Answer(400, bitget_env("40017", "Parameter verification failed: orderId or clientOid is required"),
                     "invalid")
    order = emu.find("bitget", p.get("orderId"), p.get("clientOid"))
    if order and symbol not in (None, order["symbol"]):
        order = None
    req.note(order, p.get("clientOid"), p.get("orderId"))
    return order


def bitget_cancel(emu, req):
    """Bitget POST /api/v2/spot/trade/cancel-order {symbol, orderId | clientOid}, signed as placement:
    code "00000" with data {orderId, clientOid} (api-doc/spot/trade/Cancel-Order). An order never
    placed: 43001. A filled or cancelled one: undocumented; 43001 here too (unconfirmed)."""
    bitget_auth(emu, req)
    o = json_body(req.body)
    if o is None:
        raise Answer(400, bitget_env("40017", "Parameter verification failed"), "malformed")
    if not isinstance(o.get("symbol"), str) or not o["symbol"]:
        raise Answer(400, bitget_env("40017", "Parameter verification failed: symbol"), "invalid")
    order = bitget_find(emu, req, o, o["symbol"])
    before, order = emu.cancel("bitget", order["order_id"]) if order else (None, None)
    if before != "open":
        raise Answer(400, bitget_env(*BITGET_NO_ORDER), "not_found" if before is None else "already_closed")
    return 200, bitget_env("00000", "success", {"orderId": order["order_id"], "clientOid": order["client_order_id"]}), \
        "cancelled", {}


def bitget_status(emu, req):
    """Bitget GET /api/v2/spot/trade/orderInfo?orderId= (or clientOid=), signed over timestamp + GET +
    path?query: code "00000" with data [order]. By clientOid only while "the order is in unfilled
    status" (the doc; a cancelled order is taken as not unfilled: unconfirmed). An unknown order:
    43001 (third-party)."""
    bitget_auth(emu, req)
    pairs = form_pairs(req.query)
    p = dict(pairs or [])
    order = bitget_find(emu, req, p)
    if order and not p.get("orderId") and order["state"] != "open":
        order = None
        req.note(None, p.get("clientOid"))
    if order is None:
        raise Answer(400, bitget_env(*BITGET_NO_ORDER), "not_found")
    return 200, bitget_env("00000", "success", [bitget_order(order)]), order["state"], {}


def oanda_auth(emu, req):
    """OANDA's check of every request: the personal access token as a Bearer token."""
    token = emu.secret("OANDA_API_KEY")
    if not token or req.header("Authorization") != f"Bearer {token}":
        raise Answer(401, {"errorMessage": "Insufficient authorization to perform request."}, "auth")


def oanda(emu, req):
    """OANDA v20: Bearer token, account id in the path; 201 with transactions, 400 with orderRejectTransaction.
    An order's id is its create transaction's id; a MARKET order (and FILL) fills at once."""
    oanda_auth(emu, req)
    account = urllib.parse.unquote(req.path.split("/")[3])
    o = json_body(req.body)
    order_in = o.get("order") if o else None
    if not isinstance(order_in, dict):
        raise Answer(400, {"errorMessage": "Invalid value specified for 'order'"}, "malformed")
    kind, units, instrument = order_in.get("type"), order_in.get("units"), order_in.get("instrument")
    cid = (order_in.get("clientExtensions") or {}).get("id", "")
    tx = {"accountID": account, "time": f"{time.time():.9f}", "instrument": instrument, "units": units,
          "type": f"{kind}_ORDER", "clientExtensions": {"id": cid} if cid else None}

    def reject(reason, msg, verdict):
        raise Answer(400, {"orderRejectTransaction": {**tx, "id": emu.oanda_txid(), "type": f"{kind}_ORDER_REJECT",
                                                      "rejectReason": reason},
                           "errorCode": reason, "errorMessage": msg}, verdict)
    if kind not in ("MARKET", "LIMIT") or not instrument:
        reject("INVALID_ORDER_TYPE" if kind not in ("MARKET", "LIMIT") else "INSTRUMENT_MISSING", "Invalid order", "invalid")
    if not isinstance(units, str) or not re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", units) or float(units) == 0:
        reject("UNITS_INVALID", "The units specified is invalid", "invalid")
    if kind == "LIMIT" and not order_in.get("price"):
        reject("PRICE_MISSING", "The price is missing", "invalid")
    filled = kind == "MARKET" or fills(instrument)
    # ids are unique among pending orders only: one filled at once leaves its id free
    what, order = emu.place("oanda", cid, instrument, pending=not filled, order_id=lambda n: emu.oanda_txid(),
                            filled=filled, qty=units.lstrip("-"), units=units, price=order_in.get("price"), type=kind,
                            tif=order_in.get("timeInForce") or ("FOK" if kind == "MARKET" else "GTC"), account=account)
    if what == "LIMIT":
        raise Answer(429, {"errorMessage": "Requests are being throttled"}, "limit", {"Retry-After": "1"})
    if what in ("UNKNOWN", "TIMEOUT"):
        raise Answer(500, {"errorMessage": "An unexpected error occurred"}, "unknown")
    if what == "DUPLICATE":
        reject("CLIENT_ORDER_ID_ALREADY_EXISTS", "The client order ID specified is already assigned to another pending order",
               "duplicate")
    if what in ("REJECT", "BAN"):  # created, then cancelled unfilled: a 201 that executed nothing
        created = {**tx, "id": emu.oanda_txid()}
        cancel = {"id": emu.oanda_txid(), "type": "ORDER_CANCEL", "orderID": created["id"],
                  "reason": "INSUFFICIENT_MARGIN"}
        return 201, {"orderCreateTransaction": created, "orderCancelTransaction": cancel,
                     "relatedTransactionIDs": [created["id"], cancel["id"]], "lastTransactionID": cancel["id"]}, "reject", {}
    created = {**tx, "id": order["order_id"]}
    ans = {"orderCreateTransaction": created, "relatedTransactionIDs": [created["id"]], "lastTransactionID": created["id"]}
    if filled:
        with emu.lock:
            order["fill_tx"] = emu.oanda_txid()
        fill = {"id": order["fill_tx"], "type": "ORDER_FILL", "orderID": created["id"], "units": units,
                **({"clientOrderID": cid} if cid else {})}
        ans.update(orderFillTransaction=fill, relatedTransactionIDs=[created["id"], fill["id"]],
                   lastTransactionID=fill["id"])
    return 201, ans, "accepted", {}


OANDA_STATE = {"open": "PENDING", "filled": "FILLED", "cancelled": "CANCELLED"}  # OrderState


def oanda_order(o):
    """An order as Get Order answers it (v20 LimitOrder / MarketOrder definitions)."""
    t, u = f"{o['at_ms'] / 1000:.9f}", f"{o['updated_ms'] / 1000:.9f}"
    order = {"id": o["order_id"], "createTime": t, "type": o["type"], "instrument": o["symbol"], "units": o["units"],
             "timeInForce": o["tif"], "positionFill": "DEFAULT", "state": OANDA_STATE[o["state"]]}
    if o.get("price"):
        order.update(price=o["price"], triggerCondition="DEFAULT", partialFill="DEFAULT_FILL")
    if o["client_order_id"]:
        order["clientExtensions"] = {"id": o["client_order_id"]}
    if o["state"] == "filled":
        order.update(fillingTransactionID=o.get("fill_tx"), filledTime=u, tradeOpenedID=o.get("fill_tx"))
    if o["state"] == "cancelled":
        order.update(cancellingTransactionID=o.get("cancel_tx"), cancelledTime=u)
    return order


def oanda_find(emu, req, account, spec):
    """The order an orderSpecifier names in the account: OANDA's id, or @ and the client id, which
    finds a pending order only (third-party OANDA emulator, MEASURED on a practice account: a FILLED
    or CANCELLED order's client id answers 404). An account no order was placed on is refused as one
    the token cannot reach: 403 "The provided request was forbidden." (third-party clients: "If an
    incorrect accountID is submitted"; not in OANDA's docs we read)."""
    if account not in emu.accounts("oanda"):
        raise Answer(403, {"errorMessage": "The provided request was forbidden."}, "auth")
    by_client = spec.startswith("@")
    order = emu.find("oanda", None if by_client else spec, spec[1:] if by_client else None)
    if order and (order.get("account") != account or (by_client and order["state"] != "open")):
        order = None
    req.note(order, spec[1:] if by_client else None, None if by_client else spec)
    return order


def oanda_cancel(emu, req):
    """OANDA PUT /v3/accounts/{acct}/orders/{orderSpecifier}/cancel, no body: 200 with
    orderCancelTransaction (reason CLIENT_REQUEST); an order not pending, or never placed, 404
    ORDER_DOESNT_EXIST with an orderCancelRejectTransaction (v20-python order.cancel; the 404 of a
    filled or cancelled order MEASURED by a third-party emulator)."""
    oanda_auth(emu, req)
    parts = req.path.split("/")
    account, spec = urllib.parse.unquote(parts[3]), urllib.parse.unquote(parts[5])
    order = oanda_find(emu, req, account, spec)
    before, order = emu.cancel("oanda", order["order_id"], release=True,
                               on_cancel=lambda x: x.update(cancel_tx=emu.oanda_txid())) if order else (None, None)
    now = f"{time.time():.9f}"
    if before != "open":
        txid = emu.oanda_txid()
        rej = {"id": txid, "time": now, "userID": 1, "accountID": account, "batchID": txid, "requestID": str(emu.next_id()),
               "type": "ORDER_CANCEL_REJECT", "rejectReason": "ORDER_DOESNT_EXIST"}
        rej.update({"clientOrderID": spec[1:]} if spec.startswith("@") else {"orderID": spec})  # as it was named
        raise Answer(404, {"orderCancelRejectTransaction": rej, "relatedTransactionIDs": [txid], "lastTransactionID": txid,
                           "errorCode": "ORDER_DOESNT_EXIST", "errorMessage": "The Order specified does not exist"},
                     "not_found" if before is None else "already_closed")
    txid = order["cancel_tx"]
    tx = {"id": txid, "time": now, "userID": 1, "accountID": account, "batchID": txid, "requestID": str(emu.next_id()),
          "type": "ORDER_CANCEL", "orderID": order["order_id"], "reason": "CLIENT_REQUEST"}
    if order["client_order_id"]:
        tx["clientOrderID"] = order["client_order_id"]
    return 200, {"orderCancelTransaction": tx, "relatedTransactionIDs": [txid], "lastTransactionID": txid}, "cancelled", {}


def oanda_status(emu, req):
    """OANDA GET /v3/accounts/{acct}/orders/{orderSpecifier}: 200 {"order": {...}, "lastTransactionID"};
    an unknown one (or a finished one by @clientID) 404 NO_SUCH_ORDER (v20-python order.get; the code
    MEASURED by a third-party emulator, the message from ccxt's OANDA error map). By OANDA's id an order
    is found in any state (the documented "details for a single Order"; unmeasured for finished orders)."""
    oanda_auth(emu, req)
    parts = req.path.split("/")
    account, spec = urllib.parse.unquote(parts[3]), urllib.parse.unquote(parts[5])
    order = oanda_find(emu, req, account, spec)
    with emu.lock:
        last = str(emu.oanda_tx)
    if order is None:
        raise Answer(404, {"errorCode": "NO_SUCH_ORDER", "errorMessage": "The order ID specified does not exist",
                           "lastTransactionID": last}, "not_found")
    return 200, {"order": oanda_order(order), "lastTransactionID": last}, order["state"], {}


def tradier_auth(emu, req):
    """Tradier's check of every request: the access token as a Bearer token; JSON only with
    Accept: application/json (else XML). Returns True when the answer is to be XML."""
    token = emu.secret("TRADIER_API_KEY")
    if not token or req.header("Authorization") != f"Bearer {token}":
        raise Answer(401, "Invalid Access Token", "auth")
    return "application/json" not in (req.header("Accept") or "")


def tradier_rl():
    return {"X-Ratelimit-Allowed": "60", "X-Ratelimit-Used": "1", "X-Ratelimit-Available": "59",
            "X-Ratelimit-Expiry": str(now_ms() + 60000)}


def tradier_xml(name, v):
    """A JSON answer as Tradier's XML would carry it (element per key, lists repeated)."""
    if isinstance(v, dict):
        return f"<{name}>" + "".join(tradier_xml(k, x) for k, x in v.items()) + f"</{name}>"
    if isinstance(v, list):
        return "".join(tradier_xml(name, x) for x in v)
    return f"<{name}>{'' if v is None else str(v).lower() if isinstance(v, bool) else v}</{name}>"


def tradier(emu, req):
    """Tradier: Bearer token, form body, JSON only with Accept: application/json; tag is never deduped."""
    xml = tradier_auth(emu, req)
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
    what, order = emu.place("tradier", tag, p["symbol"], dedupe=False,  # the tag is only a label
                            order_id=lambda n: str(257459 + n), qty=p["quantity"], price=p.get("price"),
                            side=p["side"], type=p["type"], duration=p["duration"], klass=p["class"],
                            account=urllib.parse.unquote(req.path.split("/")[3]))
    rl = tradier_rl()
    if what == "LIMIT":
        raise Answer(429, "Rate limit exceeded", "limit", {**rl, "X-Ratelimit-Available": "0", "Retry-After": "1"})
    if what in ("REJECT", "BAN"):
        raise Answer(400, {"errors": {"error": ["Backoffice rejected override of the order.", "DayTradingBuyingPowerExceeded"]}},
                     "reject", rl)
    if what in ("UNKNOWN", "TIMEOUT"):
        raise Answer(500, "Internal Server Error", "unknown")
    if xml:
        return 200, f"<order><id>{order['order_id']}</id><status>ok</status></order>", "accepted-xml", rl
    return 200, {"order": {"id": int(order["order_id"]), "status": "ok", "partner_id": "emu"}}, "accepted", rl


TRADIER_STATUS = {"open": "open", "filled": "filled", "cancelled": "canceled"}  # reference/response/orders "status"


def tradier_order(o):
    """An order as Get an individual order answers it (documentation.tradier.com get-account-order)."""
    def num(v):
        try:
            return float(Decimal(v or "0"))
        except ArithmeticError:
            return 0.0
    filled = o["state"] == "filled"
    qty, done = num(o["qty"]), num(o["executed"])
    return {"id": int(o["order_id"]), "type": o["type"], "symbol": o["symbol"], "side": o["side"], "quantity": qty,
            "status": TRADIER_STATUS[o["state"]], "duration": o["duration"], "price": num(o.get("price")),
            "avg_fill_price": num(o.get("price")) if filled else 0.0, "exec_quantity": done,
            "last_fill_price": num(o.get("price")) if filled else 0.0, "last_fill_quantity": done,
            "remaining_quantity": 0.0 if o["state"] != "open" else qty - done, "create_date": iso(o["at_ms"]),
            "transaction_date": iso(o["updated_ms"]), "class": o["klass"],
            **({"tag": o["client_order_id"]} if o["client_order_id"] else {})}


def tradier_find(emu, req):
    """The order DELETE or GET /v1/accounts/{acct}/orders/{id} names. An id never placed, and an
    account no order was placed on alike: 401 "Unauthorized Account: {acct}", plain text (a
    third-party measurement on Tradier's sandbox, 2026: neither 404 nor 422 occurs)."""
    parts = req.path.split("/")
    account, oid = urllib.parse.unquote(parts[3]), urllib.parse.unquote(parts[5])
    order = emu.find("tradier", oid)
    if order and order.get("account") != account:
        order = None
    req.note(order, order_id=oid)
    if order is None:
        raise Answer(401, f"Unauthorized Account: {account}",
                     "auth" if account not in emu.accounts("tradier") else "not_found")
    return order


def tradier_cancel(emu, req):
    """Tradier DELETE /v1/accounts/{acct}/orders/{id}: 200 {"order": {"id", "status": "ok"}}; a filled
    or cancelled order HTTP 400, plain text "order already in finalized state: filled" (or
    ": canceled") (documentation.tradier.com cancel-order for the request; the answers a third-party
    measurement on Tradier's sandbox, and Lumiwealth-tradier's cancel())."""
    xml = tradier_auth(emu, req)
    order = tradier_find(emu, req)
    before, order = emu.cancel("tradier", order["order_id"])
    if before != "open":
        raise Answer(400, f"order already in finalized state: {TRADIER_STATUS[before]}", "already_closed", tradier_rl())
    ans = {"id": int(order["order_id"]), "status": "ok"}
    return 200, tradier_xml("order", ans) if xml else {"order": ans}, "cancelled", tradier_rl()


def tradier_status(emu, req):
    """Tradier GET /v1/accounts/{acct}/orders/{id}[?includeTags=true]: {"order": {...}}, numbers as
    numbers (documentation.tradier.com get-account-order); tag only with includeTags=true."""
    xml = tradier_auth(emu, req)
    order = tradier_find(emu, req)
    o = tradier_order(order)
    if dict(form_pairs(req.query) or []).get("includeTags") != "true":
        o.pop("tag", None)
    return 200, tradier_xml("order", o) if xml else {"order": o}, order["state"], tradier_rl()


ROUTES = [  # (method, path regex, broker, op, handler): one path may serve several methods
    ("POST", r"/v2/orders", "alpaca", "send", alpaca),
    ("DELETE", r"/v2/orders/[^/]+", "alpaca", "cancel", alpaca_cancel),
    ("GET", r"/v2/orders(:|%3[Aa])by_client_order_id", "alpaca", "status", alpaca_status),
    ("POST", r"/api/v3/order", "binance", "send", binance),
    ("DELETE", r"/api/v3/order", "binance", "cancel", binance_cancel),
    ("GET", r"/api/v3/order", "binance", "status", binance_status),
    ("POST", r"/v5/order/create", "bybit", "send", bybit),
    ("POST", r"/v5/order/create-batch", "bybit", "batch", bybit_batch),
    ("POST", r"/v5/order/cancel", "bybit", "cancel", bybit_cancel),
    ("GET", r"/v5/order/realtime", "bybit", "status", bybit_status),
    ("POST", r"/api/v5/trade/order", "okx", "send", okx),
    ("POST", r"/api/v5/trade/batch-orders", "okx", "batch", okx_batch),
    ("POST", r"/api/v5/trade/cancel-order", "okx", "cancel", okx_cancel),
    ("GET", r"/api/v5/trade/order", "okx", "status", okx_status),
    ("POST", r"/0/private/AddOrder", "kraken", "send", kraken),
    ("POST", r"/0/private/AddOrderBatch", "kraken", "batch", kraken_batch),
    ("POST", r"/0/private/CancelOrder", "kraken", "cancel", kraken_cancel),
    ("POST", r"/0/private/QueryOrders", "kraken", "status", kraken_status),
    ("POST", r"/api/v3/brokerage/orders", "coinbase", "send", coinbase),
    ("POST", r"/api/v3/brokerage/orders/batch_cancel", "coinbase", "cancel", coinbase_cancel),
    ("GET", r"/api/v3/brokerage/orders/historical/[^/]+", "coinbase", "status", coinbase_status),
    ("POST", r"/api/v2/spot/trade/place-order", "bitget", "send", bitget),
    ("POST", r"/api/v2/spot/trade/batch-orders", "bitget", "batch", bitget_batch),
    ("POST", r"/api/v2/spot/trade/cancel-order", "bitget", "cancel", bitget_cancel),
    ("GET", r"/api/v2/spot/trade/orderInfo", "bitget", "status", bitget_status),
    ("POST", r"/v3/accounts/[A-Za-z0-9_.-]+/orders", "oanda", "send", oanda),
    ("PUT", r"/v3/accounts/[A-Za-z0-9_.-]+/orders/[^/]+/cancel", "oanda", "cancel", oanda_cancel),
    ("GET", r"/v3/accounts/[A-Za-z0-9_.-]+/orders/[^/]+", "oanda", "status", oanda_status),
    ("POST", r"/v1/accounts/[A-Za-z0-9_.-]+/orders", "tradier", "send", tradier),
    ("DELETE", r"/v1/accounts/[A-Za-z0-9_.-]+/orders/[^/]+", "tradier", "cancel", tradier_cancel),
    ("GET", r"/v1/accounts/[A-Za-z0-9_.-]+/orders/[^/]+", "tradier", "status", tradier_status),
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
        if status != 204:  # No Content: no body, and no Content-Length (RFC 9110 8.6)
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
        except Dropped as d:  # DROP: nothing is answered
            status, body, verdict, headers = None, None, d.verdicts, None
        if op == "batch":  # one entry per element: its own verdict, or the whole request's
            hints = req.batch_hints()
            n, hints = len(hints), hints or [(None, None)]  # no list of orders: one entry, "batch": 0
            verdicts = verdict if isinstance(verdict, list) else [verdict] * len(hints)
            entries = [{"broker": name, "op": op, "verdict": v, "status": status, "at_ms": now_ms(),
                        "user_agent": self.header("User-Agent"), "symbol": sym, "client_order_id": cid,
                        "batch": n, "index": i}
                       for i, (v, (sym, cid)) in enumerate(zip(verdicts, hints))]
        else:
            entries = [{"broker": name, "op": op, "verdict": verdict, "status": status, "at_ms": now_ms(),
                        "user_agent": self.header("User-Agent"), "symbol": req.symbol_hint(name),
                        "client_order_id": req.client_id_hint(name)}]
            if op != "send":  # what the cancel or lookup named, or the order it found
                entries[0].update({"order_id": None, **req.noted})
        with emu.lock:
            emu.log.extend(entries)
        if status is None:  # close the connection unanswered: write nothing, shut the socket
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        self.answer(status, body, headers)

    do_GET = do_POST = do_PUT = do_DELETE = dispatch


class Request:
    """What a broker handler sees of one request."""

    def __init__(self, h):
        self.h, self.method, self.path, self.query = h, h.command, h.path_only, h.query
        self.path_query, self.body = h.path_query, h.body
        self.noted = {}

    def note(self, order, client_id=None, order_id=None):
        """For the log: the order a cancel or lookup found (and its symbol, which a request by
        the broker's id alone does not name), else the ids it named."""
        self.noted = {"client_order_id": order["client_order_id"] if order else client_id,
                      "order_id": order["order_id"] if order else order_id}
        if order:
            self.noted["symbol"] = order["symbol"]

    def header(self, name):
        return self.h.headers.get(name)

    def _fields(self):
        o = json_body(self.body)
        if o is not None:
            return o.get("order", o) if isinstance(o.get("order"), dict) else o
        return dict(form_pairs(self.query) or []) | dict(form_pairs(self.body.decode("latin-1")) or [])

    def batch_hints(self):
        """(symbol, client id) of each element of a batch, as its broker names them (Kraken's and
        Bitget's single-mode symbol the batch's); [] when the body holds no list of orders."""
        o = json_any(self.body)
        if isinstance(o, list):  # OKX
            return [(text(e.get("instId")) or None, text(e.get("clOrdId")) or None) for e in elements(o)]
        if not isinstance(o, dict):
            return []
        if isinstance(o.get("request"), list):  # Bybit
            return [(text(e.get("symbol")) or None, text(e.get("orderLinkId")) or None) for e in elements(o["request"])]
        if isinstance(o.get("orders"), list):  # Kraken
            return [(text(o.get("pair")) or None, text(e.get("cl_ord_id")) or None) for e in elements(o["orders"])]
        if isinstance(o.get("orderList"), list):  # Bitget
            multiple = o.get("batchMode") == "multiple"
            return [(text(e.get("symbol") if multiple else o.get("symbol")) or None, text(e.get("clientOid")) or None)
                    for e in elements(o["orderList"])]
        return []

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
