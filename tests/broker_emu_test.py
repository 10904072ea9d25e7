#!/usr/bin/env python3
"""Self-test of tests/broker_emu.py: its verifiers accept correct signatures and refuse wrong ones,
the cancels and lookups (all nine brokers; Kraken cancels only) answer by each order's state, in the
broker's envelope, and the batch placements (OKX, Bybit, Kraken, Bitget) answer one element per order.

The requests here are signed by this file's own code, written from the brokers'
docs again (not by calling the emulator's signers), and the emulator's signers
are checked against the brokers' published examples where there is one:
Binance's two HMAC examples (rest-api.md) and Kraken's API-Sign example
(docs.kraken.com spot-rest-auth). Bybit's guide shows a signature without the
secret that made it, so it cannot serve as a vector.

Run: python3 tests/broker_emu_test.py  (exit 0 when all pass; prints 'N passed, N failed')
"""
import base64
import hashlib
import hmac
import http.client
import json
import os
import sys
import time
import unittest
import urllib.parse
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import broker_emu  # noqa: E402

try:
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
    HAVE_CRYPTO = True
except ImportError:  # Debian: python3-cryptography (scripts/install-deps.sh)
    HAVE_CRYPTO = False


def ec_pem():
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                             serialization.NoEncryption()).decode()


ENV = {
    "ALPACA_API_KEY": "PKTEST1", "ALPACA_API_SECRET": "alpaca-secret",
    "BINANCE_API_KEY": "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A",
    "BINANCE_API_SECRET": "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j",
    "BYBIT_API_KEY": "XXXXXXXXXX", "BYBIT_API_SECRET": "bybit-secret",
    "OKX_API_KEY": "okx-key", "OKX_API_SECRET": "okx-secret", "OKX_PASSPHRASE": "okx-phrase",
    "OKX_DEMO_API_KEY": "okx-demo-key", "OKX_DEMO_API_SECRET": "okx-demo-secret", "OKX_DEMO_PASSPHRASE": "demo-phrase",
    "KRAKEN_API_KEY": "kraken-key",
    "KRAKEN_API_SECRET": "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg==",
    "COINBASE_API_KEY": "organizations/org-1/apiKeys/key-1",
    "BITGET_API_KEY": "bg-key", "BITGET_API_SECRET": "bg-secret", "BITGET_PASSPHRASE": "bg-phrase",
    "OANDA_API_KEY": "oanda-token", "TRADIER_API_KEY": "tradier-token",
}
if HAVE_CRYPTO:
    ENV["COINBASE_API_SECRET"] = ec_pem()
    ED_KEY = ed25519.Ed25519PrivateKey.generate()
    ENV["BINANCE_ED25519_API_KEY"] = "ed-key"
    ENV["BINANCE_ED25519_API_SECRET"] = ED_KEY.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()


def ms():
    return int(time.time() * 1000)


def hex_hmac(secret, msg, algo=hashlib.sha256):
    return hmac.new(secret if isinstance(secret, bytes) else secret.encode(),
                    msg if isinstance(msg, bytes) else msg.encode(), algo).hexdigest()


def b64_hmac(secret, msg):
    return base64.b64encode(hmac.new(secret.encode(), msg.encode(), hashlib.sha256).digest()).decode()


class Vectors(unittest.TestCase):
    """The emulator's signers against the brokers' published examples."""

    def test_binance_hmac_examples(self):
        s = ENV["BINANCE_API_SECRET"]
        self.assertEqual(broker_emu.binance_sign(s, "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1"
                                                    "&price=0.1&recvWindow=5000&timestamp=1499827319559"),
                         "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71")
        self.assertEqual(broker_emu.binance_sign(s, "symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96"
                                                    "&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1"
                                                    "&recvWindow=5000&timestamp=1499827319559"),
                         "e1353ec6b14d888f1164ae9af8228a3dbd508bc82eb867db8ab6046442f33ef3")

    def test_kraken_api_sign_example(self):
        self.assertEqual(broker_emu.kraken_sign(
            ENV["KRAKEN_API_SECRET"], "/0/private/AddOrder", "1616492376594",
            b"nonce=1616492376594&ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=1.25"),
            "4/dpxb3iT4tp/ZCVEwSnEsLxx0bqyhLpdfOpc6fn7OR8+UClSV5n9E6aSS8MPtnRfp32bAb0nmbRn6H8ndwLUQ==")

    def test_bybit_signer_shape(self):
        # no published vector (the guide hides its secret): the documented string, HMAC'd here independently
        want = hex_hmac("bybit-secret", '1658385579423XXXXXXXXXX5000{"category": "option"}')
        self.assertEqual(broker_emu.bybit_sign("bybit-secret", "1658385579423", "XXXXXXXXXX", "5000",
                                               b'{"category": "option"}'), want)


class Wire(unittest.TestCase):
    """Requests signed here, sent over HTTP, judged by the emulator."""

    @classmethod
    def setUpClass(cls):
        cls.srv, cls.port = broker_emu.serve(env=ENV, ban_seconds=0.5)

    @classmethod
    def tearDownClass(cls):
        cls.srv.shutdown()
        cls.srv.server_close()

    def setUp(self):
        self.post("/_emu/reset", b"", {})

    def post(self, path, body, headers, method="POST"):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        c.request(method, path, body=body, headers=headers)
        r = c.getresponse()
        data = r.read()
        c.close()
        try:
            data = json.loads(data)
        except ValueError:
            data = data.decode()
        return r.status, data, r

    def ops(self, broker):
        """(op, verdict, client id) of the broker's requests, as the emulator logged them."""
        return [(e["op"], e["verdict"], e["client_order_id"]) for e in self.post("/_emu/log", b"", {}, "GET")[1]
                if e["broker"] == broker]

    def orders(self, broker):
        """The broker's orders by client id: (state, executed, cancels)."""
        return {o["client_order_id"]: (o["state"], o["executed"], o["cancels"])
                for o in self.post("/_emu/orders", b"", {}, "GET")[1] if o["broker"] == broker}

    # ---- Alpaca ----
    def alpaca(self, symbol="AAPL", cid=None, secret=None):
        body = json.dumps({"symbol": symbol, "qty": "1", "side": "buy", "type": "limit", "time_in_force": "day",
                           "limit_price": "10.5", "client_order_id": cid or uuid.uuid4().hex}).encode()
        return self.post("/v2/orders", body, {"Content-Type": "application/json", "APCA-API-KEY-ID": ENV["ALPACA_API_KEY"],
                                              "APCA-API-SECRET-KEY": secret or ENV["ALPACA_API_SECRET"]})

    def test_alpaca(self):
        st, b, _ = self.alpaca(cid="a1")
        self.assertEqual((st, b["client_order_id"]), (200, "a1"))
        self.assertEqual(self.alpaca(cid="a1")[:2], (422, {"code": 40010001, "message": "client_order_id must be unique"}))
        self.assertEqual(self.alpaca(secret="wrong")[0], 401)
        self.assertEqual(self.alpaca(symbol="REJECT")[0], 403)
        st, _, r = self.alpaca(symbol="LIMIT", cid="l1")
        self.assertEqual((st, r.getheader("Retry-After")), (429, "1"))
        self.assertEqual(self.alpaca(symbol="LIMIT", cid="l1")[0], 200)
        self.assertEqual(self.alpaca(symbol="UNKNOWN")[0], 500)

    def alpaca_op(self, method, path, secret=None):
        return self.post(path, None, {"APCA-API-KEY-ID": ENV["ALPACA_API_KEY"],
                                      "APCA-API-SECRET-KEY": secret or ENV["ALPACA_API_SECRET"]}, method)

    def alpaca_status(self, cid, secret=None):
        return self.alpaca_op("GET", "/v2/orders:by_client_order_id?" + urllib.parse.urlencode({"client_order_id": cid}),
                              secret)

    def test_alpaca_cancel_and_status(self):
        oid = self.alpaca(cid="ac1")[1]["id"]
        st, b, _ = self.alpaca_status("ac1")
        self.assertEqual((st, b["status"], b["filled_qty"], b["id"], b["client_order_id"], b["symbol"], b["qty"]),
                         (200, "new", "0", oid, "ac1", "AAPL", "1"))
        denied = (401, {"code": 40110000, "message": "request is not authorized"})
        self.assertEqual(self.alpaca_status("ac1", secret="wrong")[:2], denied)
        self.assertEqual(self.alpaca_op("DELETE", f"/v2/orders/{oid}", secret="wrong")[:2], denied)
        self.assertEqual(self.alpaca_status("ac1")[1]["status"], "new")  # the refused cancel changed nothing
        st, b, r = self.alpaca_op("DELETE", f"/v2/orders/{oid}")
        self.assertEqual((st, b, r.getheader("Content-Length")), (204, "", None))  # accepted, no body
        self.assertEqual(self.alpaca_status("ac1")[1]["status"], "canceled")
        self.assertEqual(self.alpaca_op("DELETE", f"/v2/orders/{oid}")[:2],  # twice: no longer cancelable
                         (422, {"code": 42210000, "message": 'order is already in "canceled" state'}))
        self.assertEqual(self.alpaca_op("DELETE", "/v2/orders/61e69015-8549-4bfd-b9c3-999999999999")[:2],
                         (404, {"code": 40410000, "message": "order not found"}))
        self.assertEqual(self.alpaca_status("nosuch")[:2], (404, {"code": 40410000, "message": "Not found"}))
        # FILL
        foid = self.alpaca(symbol="AAPLFILL", cid="af1")[1]["id"]
        b = self.alpaca_status("af1")[1]
        self.assertEqual((b["status"], b["filled_qty"], b["id"]), ("filled", "1", foid))
        self.assertEqual(self.alpaca_op("DELETE", f"/v2/orders/{foid}")[:2],
                         (422, {"code": 42210000, "message": 'order is already in "filled" state'}))
        self.assertEqual(self.ops("alpaca"), [
            ("send", "accepted", "ac1"), ("status", "open", "ac1"), ("status", "auth", "ac1"), ("cancel", "auth", None),
            ("status", "open", "ac1"), ("cancel", "cancelled", "ac1"), ("status", "cancelled", "ac1"),
            ("cancel", "already_closed", "ac1"), ("cancel", "not_found", None), ("status", "not_found", "nosuch"),
            ("send", "accepted", "af1"), ("status", "filled", "af1"), ("cancel", "already_closed", "af1")])
        self.assertEqual(self.orders("alpaca"), {"ac1": ("cancelled", "0", 2), "af1": ("filled", "1", 1)})

    # ---- Binance: form body, params then signature appended ----
    def binance(self, symbol="BTCUSDT", cid=None, secret=None, ts=None, extra=None, in_query=False):
        params = [("symbol", symbol), ("side", "BUY"), ("type", "LIMIT"), ("timeInForce", "GTC"), ("quantity", "1"),
                  ("price", "0.1"), ("newClientOrderId", cid or uuid.uuid4().hex[:20])] + (extra or []) + \
                 [("recvWindow", "5000"), ("timestamp", str(ts or ms()))]
        payload = urllib.parse.urlencode(params, quote_via=urllib.parse.quote)
        sig = hex_hmac(secret or ENV["BINANCE_API_SECRET"], payload)
        h = {"X-MBX-APIKEY": ENV["BINANCE_API_KEY"]}
        if in_query:
            return self.post(f"/api/v3/order?{payload}&signature={sig}", b"", h)
        h["Content-Type"] = "application/x-www-form-urlencoded"
        return self.post("/api/v3/order", f"{payload}&signature={sig}".encode(), h)

    def test_binance(self):
        st, b, r = self.binance(cid="b1")
        self.assertEqual((st, b["clientOrderId"]), (200, "b1"))
        self.assertIsNotNone(r.getheader("X-MBX-ORDER-COUNT-10S"))
        self.assertEqual(self.binance(in_query=True)[0], 200)  # the query string alone is signed too
        self.assertEqual(self.binance(symbol="１２３４５６")[0], 200)  # non-ASCII, percent-encoded before signing
        self.assertEqual(self.binance(cid="b1")[:2], (400, {"code": -2010, "msg": "Duplicate order sent."}))
        self.assertEqual(self.binance(secret="wrong")[1]["code"], -1022)
        self.assertEqual(self.binance(ts=ms() - 6000)[1]["code"], -1021)
        self.assertEqual(self.binance(ts=ms() + 1500)[1]["code"], -1021)  # 1 s ahead of the server is refused
        self.assertEqual(self.binance(cid="bad.id")[1]["code"], -1100)
        self.assertEqual(self.binance(symbol="REJECT")[1]["code"], -2010)
        self.assertEqual(self.binance(symbol="LIMIT", cid="l1")[0], 429)
        self.assertEqual(self.binance(symbol="LIMIT", cid="l1")[0], 200)
        self.assertEqual(self.binance(symbol="WAF")[0], 403)
        self.assertEqual(self.binance(symbol="UNKNOWN")[0], 503)
        st, _, r = self.binance(symbol="BAN")
        self.assertEqual((st, r.getheader("Retry-After")), (418, "120"))
        self.assertEqual(self.binance()[0], 418)  # banned for a while
        self.post("/_emu/reset", b"", {})  # lifts the ban (no waiting it out)
        self.assertEqual(self.binance()[0], 200)
        # a body that is not form-encoded carries no parameters: the signature is missing
        st, b, _ = self.post("/api/v3/order", b"symbol=X", {"X-MBX-APIKEY": ENV["BINANCE_API_KEY"],
                                                             "Content-Type": "application/json"})
        self.assertEqual((st, b["code"]), (400, -1102))

    def binance_op(self, method, symbol="BTCUSDT", cid=None, oid=None, secret=None, ts=None):
        """A cancel (DELETE) or lookup (GET) as the profile sends it: every parameter and the signature in the query, no body."""
        params = [("symbol", symbol)] + ([("orderId", str(oid))] if oid is not None else []) + \
                 ([("origClientOrderId", cid)] if cid else []) + [("recvWindow", "5000"), ("timestamp", str(ts or ms()))]
        payload = urllib.parse.urlencode(params, quote_via=urllib.parse.quote)
        sig = hex_hmac(secret or ENV["BINANCE_API_SECRET"], payload)
        return self.post(f"/api/v3/order?{payload}&signature={sig}", None, {"X-MBX-APIKEY": ENV["BINANCE_API_KEY"]}, method)

    def test_binance_cancel_and_status(self):
        oid = self.binance(cid="bc1")[1]["orderId"]
        st, b, r = self.binance_op("GET", cid="bc1")
        self.assertEqual((st, b["status"], b["executedQty"], b["orderId"], b["clientOrderId"], b["symbol"]),
                         (200, "NEW", "0.00000000", oid, "bc1", "BTCUSDT"))
        self.assertIsNotNone(r.getheader("X-MBX-USED-WEIGHT-1M"))
        self.assertEqual(self.binance_op("GET", oid=oid)[1]["clientOrderId"], "bc1")  # by Binance's own id too
        bad_sig = (400, {"code": -1022, "msg": "Signature for this request is not valid."})
        self.assertEqual(self.binance_op("GET", cid="bc1", secret="wrong")[:2], bad_sig)
        self.assertEqual(self.binance_op("DELETE", cid="bc1", secret="wrong")[:2], bad_sig)
        self.assertEqual(self.binance_op("DELETE", cid="bc1", ts=ms() - 6000)[1]["code"], -1021)
        self.assertEqual(self.binance_op("GET", cid="bc1")[1]["status"], "NEW")  # the refused cancels changed nothing
        st, b, _ = self.binance_op("DELETE", cid="bc1")
        self.assertEqual((st, b["status"], b["origClientOrderId"], b["orderId"], b["executedQty"], b["origQty"]),
                         (200, "CANCELED", "bc1", oid, "0.00000000", "1.00000000"))
        self.assertNotEqual(b["clientOrderId"], "bc1")  # the cancel's own id, generated
        self.assertEqual(self.binance_op("GET", oid=oid)[1]["status"], "CANCELED")
        unknown = (400, {"code": -2011, "msg": "Unknown order sent."})
        self.assertEqual(self.binance_op("DELETE", cid="bc1")[:2], unknown)  # twice: already closed
        self.assertEqual(self.binance_op("DELETE", cid="nosuch")[:2], unknown)  # never placed: the same answer
        self.assertEqual(self.binance_op("DELETE", oid=oid + 1000)[:2], unknown)
        none = (400, {"code": -2013, "msg": "Order does not exist."})
        self.assertEqual(self.binance_op("GET", cid="nosuch")[:2], none)
        self.assertEqual(self.binance_op("GET", symbol="ETHUSDT", cid="bc1")[:2], none)  # another symbol's
        self.assertEqual(self.binance_op("GET", oid=oid, cid="other")[:2], none)  # orderId found, not with this client id
        self.assertEqual(self.binance_op("GET")[1]["code"], -1102)  # neither id
        # FILL: filled when placed, so a lookup says FILLED and a cancel finds nothing to cancel
        self.binance(symbol="BTCFILL", cid="bf1")
        st, b, _ = self.binance_op("GET", symbol="BTCFILL", cid="bf1")
        self.assertEqual((st, b["status"], b["executedQty"]), (200, "FILLED", "1.00000000"))
        self.assertEqual(self.binance_op("DELETE", symbol="BTCFILL", cid="bf1")[:2], unknown)
        # one path, three methods: POST places, DELETE cancels, GET looks up; others are no route
        self.assertEqual(self.binance_op("PUT", cid="bf1")[0], 404)
        ops = [(e["op"], e["verdict"], e["client_order_id"]) for e in self.post("/_emu/log", b"", {}, "GET")[1]]
        self.assertEqual(ops[:4], [("send", "accepted", "bc1"), ("status", "open", "bc1"), ("status", "open", "bc1"),
                                   ("status", "signature", "bc1")])
        self.assertIn(("cancel", "cancelled", "bc1"), ops)
        self.assertIn(("cancel", "already_closed", "bc1"), ops)
        self.assertIn(("cancel", "not_found", "nosuch"), ops)
        self.assertIn(("status", "filled", "bf1"), ops)
        log = self.post("/_emu/log", b"", {}, "GET")[1]
        self.assertEqual({e["order_id"] for e in log if e["op"] == "cancel" and e["client_order_id"] == "bc1"
                          and e["verdict"] in ("cancelled", "already_closed")}, {str(oid)})
        orders = {o["client_order_id"]: o for o in self.post("/_emu/orders", b"", {}, "GET")[1]}
        self.assertEqual((orders["bc1"]["state"], orders["bc1"]["cancels"]), ("cancelled", 2))
        self.assertEqual((orders["bf1"]["state"], orders["bf1"]["executed"], orders["bf1"]["cancels"]), ("filled", "1", 1))

    @unittest.skipUnless(HAVE_CRYPTO, "python3-cryptography is not installed")
    def test_binance_ed25519(self):
        def send(key=ED_KEY, ts=None):
            params = [("symbol", "BTCUSDT"), ("side", "SELL"), ("type", "LIMIT"), ("timeInForce", "GTC"),
                      ("quantity", "1"), ("price", "0.2"), ("timestamp", str(ts or ms())), ("recvWindow", "5000")]
            payload = urllib.parse.urlencode(params)
            sig = urllib.parse.quote(base64.b64encode(key.sign(payload.encode())).decode(), safe="")
            return self.post("/api/v3/order", f"{payload}&signature={sig}".encode(),
                             {"X-MBX-APIKEY": "ed-key", "Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(send()[0], 200)
        self.assertEqual(send(key=ed25519.Ed25519PrivateKey.generate())[1]["code"], -1022)
        self.assertEqual(send(ts=ms() - 6000)[1]["code"], -1021)

        def cancel(key=ED_KEY):  # a DELETE with its Ed25519 signature in the query
            payload = urllib.parse.urlencode([("symbol", "BTCUSDT"), ("origClientOrderId", "ed1"), ("recvWindow", "5000"),
                                              ("timestamp", str(ms()))])
            sig = urllib.parse.quote(base64.b64encode(key.sign(payload.encode())).decode(), safe="")
            return self.post(f"/api/v3/order?{payload}&signature={sig}", None, {"X-MBX-APIKEY": "ed-key"}, "DELETE")
        self.binance(cid="ed1")
        self.assertEqual(cancel(key=ed25519.Ed25519PrivateKey.generate())[1]["code"], -1022)
        self.assertEqual(cancel()[1]["status"], "CANCELED")

    # ---- Bybit ----
    def bybit(self, symbol="BTCUSDT", cid=None, secret=None, ts=None, key=None):
        body = json.dumps({"category": "spot", "symbol": symbol, "side": "Buy", "orderType": "Limit", "qty": "1",
                           "price": "100", "orderLinkId": cid or uuid.uuid4().hex[:30]}, separators=(",", ":"))
        t = str(ts or ms())
        k = key or ENV["BYBIT_API_KEY"]
        sig = hex_hmac(secret or ENV["BYBIT_API_SECRET"], t + k + "5000" + body)
        return self.post("/v5/order/create", body.encode(),
                         {"Content-Type": "application/json", "X-BAPI-API-KEY": k, "X-BAPI-TIMESTAMP": t,
                          "X-BAPI-RECV-WINDOW": "5000", "X-BAPI-SIGN": sig})

    def test_bybit(self):
        st, b, r = self.bybit(cid="y1")
        self.assertEqual((st, b["retCode"], b["result"]["orderLinkId"]), (200, 0, "y1"))
        self.assertIsNotNone(r.getheader("X-Bapi-Limit-Status"))
        self.assertEqual(self.bybit(cid="y1")[1]["retCode"], 170141)
        self.assertEqual(self.bybit(secret="wrong")[:2][1]["retCode"], 10004)
        self.assertEqual(self.bybit(key="other")[1]["retCode"], 10003)
        self.assertEqual(self.bybit(ts=ms() - 5100)[1]["retCode"], 10002)
        self.assertEqual(self.bybit(symbol="REJECT")[1]["retCode"], 170131)
        self.assertEqual(self.bybit(symbol="LIMIT", cid="l1")[1]["retCode"], 10006)
        self.assertEqual(self.bybit(symbol="LIMIT", cid="l1")[1]["retCode"], 0)
        self.assertEqual(self.bybit(symbol="LIMITSYSFREQ", cid="l2")[1]["retCode"], 10429)
        self.assertEqual(self.bybit(symbol="LIMITSYSFREQ", cid="l2")[1]["retCode"], 0)
        self.assertEqual(self.bybit(symbol="TIMEOUT")[1]["retCode"], 10016)
        self.assertEqual(self.bybit(symbol="UNKNOWN")[0], 502)
        self.assertEqual(self.bybit(symbol="BAN")[0], 403)

    def bybit_headers(self, payload, secret=None):
        t, k = str(ms()), ENV["BYBIT_API_KEY"]
        return {"X-BAPI-API-KEY": k, "X-BAPI-TIMESTAMP": t, "X-BAPI-RECV-WINDOW": "5000",
                "X-BAPI-SIGN": hex_hmac(secret or ENV["BYBIT_API_SECRET"], t + k + "5000" + payload)}

    def bybit_cancel(self, symbol="BTCUSDT", cid=None, oid=None, secret=None):
        o = {"category": "spot", "symbol": symbol, **({"orderId": oid} if oid else {}), **({"orderLinkId": cid} if cid else {})}
        body = json.dumps(o, separators=(",", ":"))
        return self.post("/v5/order/cancel", body.encode(),
                         {"Content-Type": "application/json", **self.bybit_headers(body, secret)})

    def bybit_status(self, symbol="BTCUSDT", cid=None, oid=None, secret=None, signed=None):
        """GET /v5/order/realtime signed over its query string (guide.mdx), or over `signed` instead."""
        q = urllib.parse.urlencode([("category", "spot"), ("symbol", symbol)] + ([("orderId", oid)] if oid else []) +
                                   ([("orderLinkId", cid)] if cid else []))
        return self.post(f"/v5/order/realtime?{q}", None, self.bybit_headers(q if signed is None else signed, secret), "GET")

    def test_bybit_cancel_and_status(self):
        oid = self.bybit(cid="yc1")[1]["result"]["orderId"]
        st, b, _ = self.bybit_status(cid="yc1")
        o = b["result"]["list"][0]
        self.assertEqual((st, b["retCode"], len(b["result"]["list"]), o["orderStatus"], o["cumExecQty"], o["orderId"],
                          o["orderLinkId"]), (200, 0, 1, "New", "0", oid, "yc1"))
        self.assertEqual(self.bybit_status(oid=oid)[1]["result"]["list"][0]["orderLinkId"], "yc1")  # by Bybit's own id
        # the GET is signed over its query: a signature over the body (none) or with another secret is refused
        self.assertEqual(self.bybit_status(cid="yc1", signed="")[1]["retCode"], 10004)
        self.assertEqual(self.bybit_status(cid="yc1", secret="wrong")[1]["retCode"], 10004)
        self.assertEqual(self.bybit_cancel(cid="yc1", secret="wrong")[:2][1]["retCode"], 10004)
        self.assertEqual(self.bybit_status(cid="yc1")[1]["result"]["list"][0]["orderStatus"], "New")
        st, b, _ = self.bybit_cancel(cid="yc1")
        self.assertEqual((st, b["retCode"], b["retMsg"], b["result"]), (200, 0, "OK", {"orderId": oid, "orderLinkId": "yc1"}))
        self.assertEqual(self.bybit_status(cid="yc1")[1]["result"]["list"][0]["orderStatus"], "Cancelled")
        b = self.bybit_cancel(cid="yc1")[1]  # twice
        self.assertEqual((b["retCode"], b["retMsg"]), (170142, "Order has been cancelled"))
        b = self.bybit_cancel(cid="nosuch")[1]
        self.assertEqual((b["retCode"], b["retMsg"]), (170213, "Order does not exist."))
        self.assertEqual(self.bybit_cancel(symbol="ETHUSDT", oid=oid)[1]["retCode"], 170213)  # not that symbol's
        st, b, _ = self.bybit_status(cid="nosuch")  # an unknown id: an empty list, retCode 0
        self.assertEqual((st, b["retCode"], b["result"]["list"]), (200, 0, []))
        # FILL
        self.bybit(symbol="BTCFILL", cid="yf1")
        o = self.bybit_status(symbol="BTCFILL", cid="yf1")[1]["result"]["list"][0]
        self.assertEqual((o["orderStatus"], o["cumExecQty"], o["qty"]), ("Filled", "1", "1"))
        b = self.bybit_cancel(symbol="BTCFILL", cid="yf1")[1]
        self.assertEqual((b["retCode"], b["retMsg"]), (170139, "Order has been filled."))
        # no id: the symbol's open orders (yc1 is cancelled)
        self.bybit(cid="yc2")
        self.assertEqual([x["orderLinkId"] for x in self.bybit_status()[1]["result"]["list"]], ["yc2"])
        ops = [(e["op"], e["verdict"]) for e in self.post("/_emu/log", b"", {}, "GET")[1] if e["client_order_id"] == "yf1"]
        self.assertEqual(ops, [("send", "accepted"), ("status", "filled"), ("cancel", "already_closed")])

    # ---- OKX (and demo) ----
    def okx(self, symbol="BTC-USDT", cid=None, secret=None, ts=None, demo=False, phrase=None, path="/api/v5/trade/order"):
        p = "OKX_DEMO_" if demo else "OKX_"
        body = json.dumps({"instId": symbol, "tdMode": "cash", "side": "buy", "ordType": "limit", "sz": "1",
                           "px": "100", "clOrdId": cid or uuid.uuid4().hex})
        t = ts or time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + ".%03dZ" % (ms() % 1000)
        h = {"Content-Type": "application/json", "OK-ACCESS-KEY": ENV[p + "API_KEY"],
             "OK-ACCESS-SIGN": b64_hmac(secret or ENV[p + "API_SECRET"], t + "POST" + path + body),
             "OK-ACCESS-TIMESTAMP": t, "OK-ACCESS-PASSPHRASE": phrase or ENV[p + "PASSPHRASE"]}
        if demo:
            h["x-simulated-trading"] = "1"
        return self.post(path, body.encode(), h)

    def test_okx(self):
        st, b, _ = self.okx(cid="o1")
        self.assertEqual((st, b["code"], b["data"][0]["sCode"], b["data"][0]["clOrdId"]), (200, "0", "0", "o1"))
        b = self.okx(cid="o1")[1]
        self.assertEqual((b["code"], b["data"][0]["sCode"]), ("1", "51016"))
        self.assertEqual(self.okx(secret="wrong")[:2][1]["code"], "50113")
        self.assertEqual(self.okx(phrase="wrong")[1]["code"], "50105")
        self.assertEqual(self.okx(ts="2020-12-08T09:08:57.715Z")[1]["code"], "50102")
        self.assertEqual(self.okx(cid="has-dash")[1]["data"][0]["sCode"], "51000")
        self.assertEqual(self.okx(demo=True)[1]["code"], "0")
        # demo keys without the header (live environment): refused
        st, b, _ = self.post("/api/v5/trade/order", b"{}", {"OK-ACCESS-KEY": ENV["OKX_DEMO_API_KEY"], "OK-ACCESS-SIGN": "x",
                                                            "OK-ACCESS-TIMESTAMP": "x", "OK-ACCESS-PASSPHRASE": "x"})
        self.assertEqual(b["code"], "50101")
        self.assertEqual(self.okx(symbol="REJECT")[1]["data"][0]["sCode"], "51008")
        st, b, _ = self.okx(symbol="LIMIT", cid="l1")
        self.assertEqual((st, b["code"]), (429, "50011"))
        self.assertEqual(self.okx(symbol="LIMIT", cid="l1")[1]["code"], "0")
        self.assertEqual(self.okx(symbol="TIMEOUT")[1]["data"][0]["sCode"], "51149")
        self.assertEqual(self.okx(symbol="UNKNOWN")[0], 500)

    def okx_signed(self, method, path_query, body=b"", secret=None, sign_method=None):
        """A request signed over timestamp + METHOD + path?query + body (a GET's body empty)."""
        t = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + ".%03dZ" % (ms() % 1000)
        h = {"OK-ACCESS-KEY": ENV["OKX_API_KEY"], "OK-ACCESS-TIMESTAMP": t, "OK-ACCESS-PASSPHRASE": ENV["OKX_PASSPHRASE"],
             "OK-ACCESS-SIGN": b64_hmac(secret or ENV["OKX_API_SECRET"], t + (sign_method or method) + path_query + body.decode())}
        if body:
            h["Content-Type"] = "application/json"
        return self.post(path_query, body or None, h, method)

    def okx_cancel(self, inst="BTC-USDT", cid=None, oid=None, secret=None):
        o = {"instId": inst, **({"ordId": oid} if oid else {}), **({"clOrdId": cid} if cid else {})}
        return self.okx_signed("POST", "/api/v5/trade/cancel-order", json.dumps(o).encode(), secret)

    def okx_status(self, inst="BTC-USDT", cid=None, oid=None, secret=None, sign_method=None):
        q = urllib.parse.urlencode([("instId", inst)] + ([("ordId", oid)] if oid else []) + ([("clOrdId", cid)] if cid else []))
        return self.okx_signed("GET", f"/api/v5/trade/order?{q}", secret=secret, sign_method=sign_method)

    def test_okx_cancel_and_status(self):
        oid = self.okx(cid="oc1")[1]["data"][0]["ordId"]
        st, b, _ = self.okx_status(cid="oc1")
        d = b["data"][0]
        self.assertEqual((st, b["code"], d["state"], d["accFillSz"], d["ordId"], d["clOrdId"], d["instId"]),
                         (200, "0", "live", "0", oid, "oc1", "BTC-USDT"))
        self.assertEqual(self.okx_status(oid=oid)[1]["data"][0]["clOrdId"], "oc1")  # by OKX's own id
        bad_sig = (401, "50113")
        st, b, _ = self.okx_status(cid="oc1", sign_method="POST")  # the method is part of the signed string
        self.assertEqual((st, b["code"]), bad_sig)
        st, b, _ = self.okx_status(cid="oc1", secret="wrong")
        self.assertEqual((st, b["code"]), bad_sig)
        st, b, _ = self.okx_cancel(cid="oc1", secret="wrong")
        self.assertEqual((st, b["code"]), bad_sig)
        self.assertEqual(self.okx_status(cid="oc1")[1]["data"][0]["state"], "live")
        st, b, _ = self.okx_cancel(cid="oc1")
        d = b["data"][0]
        self.assertEqual((st, b["code"], d["sCode"], d["ordId"], d["clOrdId"]), (200, "0", "0", oid, "oc1"))
        self.assertEqual(self.okx_status(oid=oid)[1]["data"][0]["state"], "canceled")
        closed = "Order cancellation failed as the order has been filled, canceled or does not exist."
        for again in (self.okx_cancel(cid="oc1"), self.okx_cancel(cid="nosuch"), self.okx_cancel(inst="ETH-USDT", oid=oid)):
            st, b, _ = again  # twice, never placed, another instrument's: the same answer
            self.assertEqual((st, b["code"], b["msg"], b["data"][0]["sCode"], b["data"][0]["sMsg"]),
                             (200, "1", "All operations failed", "51400", closed))
        st, b, _ = self.okx_status(cid="nosuch")
        self.assertEqual((st, b["code"], b["msg"], b["data"]), (200, "51603", "Order does not exist", []))
        st, b, _ = self.okx_signed("GET", "/api/v5/trade/order?clOrdId=oc1")  # no instId
        self.assertEqual((st, b["code"]), (400, "50014"))
        # FILL
        self.okx(symbol="BTCFILL-USDT", cid="of1")
        d = self.okx_status(inst="BTCFILL-USDT", cid="of1")[1]["data"][0]
        self.assertEqual((d["state"], d["accFillSz"], d["sz"]), ("filled", "1", "1"))
        self.assertEqual(self.okx_cancel(inst="BTCFILL-USDT", cid="of1")[1]["data"][0]["sCode"], "51400")
        # the placement path still places (POST), its GET looks up
        self.assertEqual(self.okx(cid="oc2")[1]["code"], "0")
        orders = {o["client_order_id"]: o for o in self.post("/_emu/orders", b"", {}, "GET")[1]}
        self.assertEqual([(orders[c]["state"], orders[c]["cancels"]) for c in ("oc1", "of1", "oc2")],
                         [("cancelled", 2), ("filled", 1), ("open", 0)])

    # ---- Kraken ----
    def kraken(self, pair="XBTUSD", cid=None, nonce=None, secret=None):
        n = str(nonce if nonce is not None else time.time_ns() // 1000)
        body = urllib.parse.urlencode([("nonce", n), ("ordertype", "limit"), ("type", "buy"), ("volume", "1.25"),
                                       ("pair", pair), ("price", "37500"), ("cl_ord_id", cid or uuid.uuid4().hex[:18])])
        key = base64.b64decode(secret or ENV["KRAKEN_API_SECRET"])
        msg = b"/0/private/AddOrder" + hashlib.sha256((n + body).encode()).digest()
        sig = base64.b64encode(hmac.new(key, msg, hashlib.sha512).digest()).decode()
        return self.post("/0/private/AddOrder", body.encode(),
                         {"Content-Type": "application/x-www-form-urlencoded", "API-Key": ENV["KRAKEN_API_KEY"],
                          "API-Sign": sig, "User-Agent": "broker_emu_test"})

    def test_kraken(self):
        st, b, _ = self.kraken(cid="k1")
        self.assertEqual((st, b["error"]), (200, []))
        self.assertTrue(b["result"]["txid"][0])
        self.assertEqual(self.kraken(cid="k1")[1]["error"], ["EOrder:Duplicate order"])
        self.assertEqual(self.kraken(secret=base64.b64encode(b"wrong" * 10).decode())[1]["error"], ["EAPI:Invalid signature"])
        self.assertEqual(self.kraken(nonce=1)[1]["error"], ["EAPI:Invalid nonce"])  # smaller than the last
        n = time.time_ns() // 1000 + 10**6
        self.assertEqual(self.kraken(nonce=n)[1]["error"], [])
        self.assertEqual(self.kraken(nonce=n)[1]["error"], ["EAPI:Invalid nonce"])  # equal is not increasing
        self.assertEqual(self.kraken(pair="REJECT", nonce=n + 1)[1]["error"], ["EOrder:Insufficient funds"])
        self.assertEqual(self.kraken(pair="LIMIT", cid="l1", nonce=n + 2)[1]["error"], ["EOrder:Rate limit exceeded"])
        self.assertEqual(self.kraken(pair="LIMIT", cid="l1", nonce=n + 3)[1]["error"], [])
        self.assertEqual(self.kraken(pair="TIMEOUT", nonce=n + 4)[1]["error"], ["EService:Unavailable"])
        self.assertEqual(self.kraken(pair="BAN", nonce=n + 5)[1]["error"], ["EGeneral:Temporary lockout"])

    def kraken_private(self, path, params, secret=None):
        """A private POST as Kraken documents it: nonce first in the form body, API-Sign over
        path + SHA256(nonce + body), keyed by the base64-decoded secret."""
        n = str(time.time_ns() // 1000)
        body = urllib.parse.urlencode([("nonce", n)] + params)
        key = base64.b64decode(secret or ENV["KRAKEN_API_SECRET"])
        sig = base64.b64encode(hmac.new(key, path.encode() + hashlib.sha256((n + body).encode()).digest(),
                                        hashlib.sha512).digest()).decode()
        return self.post(path, body.encode(), {"Content-Type": "application/x-www-form-urlencoded",
                                               "API-Key": ENV["KRAKEN_API_KEY"], "API-Sign": sig,
                                               "User-Agent": "broker_emu_test"})

    def test_kraken_cancel(self):
        txid = self.kraken(cid="kc1")[1]["result"]["txid"][0]
        cancel = "/0/private/CancelOrder"
        wrong = base64.b64encode(b"wrong" * 10).decode()
        self.assertEqual(self.kraken_private(cancel, [("cl_ord_id", "kc1")], secret=wrong)[1],
                         {"error": ["EAPI:Invalid signature"]})
        # signed over its own path: a signature made for AddOrder is refused
        n = str(time.time_ns() // 1000)
        body = urllib.parse.urlencode([("nonce", n), ("cl_ord_id", "kc1")])
        sig = base64.b64encode(hmac.new(base64.b64decode(ENV["KRAKEN_API_SECRET"]), b"/0/private/AddOrder" +
                                        hashlib.sha256((n + body).encode()).digest(), hashlib.sha512).digest()).decode()
        self.assertEqual(self.post(cancel, body.encode(), {"Content-Type": "application/x-www-form-urlencoded",
                                                           "API-Key": ENV["KRAKEN_API_KEY"], "API-Sign": sig})[1],
                         {"error": ["EAPI:Invalid signature"]})
        st, b, _ = self.kraken_private(cancel, [("cl_ord_id", "kc1")])
        self.assertEqual((st, b), (200, {"error": [], "result": {"count": 1, "pending": False}}))
        unknown = {"error": ["EOrder:Unknown order"]}
        self.assertEqual(self.kraken_private(cancel, [("cl_ord_id", "kc1")])[1], unknown)  # twice: closed
        self.assertEqual(self.kraken_private(cancel, [("txid", txid)])[1], unknown)
        self.assertEqual(self.kraken_private(cancel, [("cl_ord_id", "nosuch")])[1], unknown)  # never placed: the same
        self.assertEqual(self.kraken_private(cancel, [])[1], {"error": ["EGeneral:Invalid arguments:txid"]})
        txid2 = self.kraken(cid="kc2")[1]["result"]["txid"][0]  # by Kraken's own id
        self.assertEqual(self.kraken_private(cancel, [("txid", txid2)])[1]["result"], {"count": 1, "pending": False})
        self.assertEqual(self.kraken(cid="kc1")[1]["error"], [])  # unique among open orders: free once cancelled
        # FILL: filled at once, nothing to cancel; its id is free again at once
        self.kraken(pair="XBTFILLUSD", cid="kf1")
        self.assertEqual(self.kraken_private(cancel, [("cl_ord_id", "kf1")])[1], unknown)
        self.assertEqual(self.kraken(pair="XBTFILLUSD", cid="kf1")[1]["error"], [])
        ops = self.ops("kraken")
        self.assertEqual(ops[:6], [("send", "accepted", "kc1"), ("cancel", "signature", "kc1"), ("cancel", "signature", "kc1"),
                                   ("cancel", "cancelled", "kc1"), ("cancel", "already_closed", "kc1"),
                                   ("cancel", "already_closed", "kc1")])
        self.assertIn(("cancel", "not_found", "nosuch"), ops)
        self.assertIn(("cancel", "cancelled", "kc2"), ops)
        self.assertIn(("cancel", "already_closed", "kf1"), ops)

    def test_kraken_status(self):
        query = "/0/private/QueryOrders"
        txid = self.kraken(cid="ks1")[1]["result"]["txid"][0]
        wrong = base64.b64encode(b"wrong" * 10).decode()
        self.assertEqual(self.kraken_private(query, [("txid", txid)], secret=wrong)[1], {"error": ["EAPI:Invalid signature"]})
        st, b, _ = self.kraken_private(query, [("txid", txid)])
        self.assertEqual((st, b["error"], list(b["result"])), (200, [], [txid]))  # keyed by the txid
        self.assertEqual((b["result"][txid]["status"], b["result"][txid]["vol_exec"]), ("open", "0"))
        filled = self.kraken(pair="XBTFILLUSD", cid="ks2")[1]["result"]["txid"][0]
        got = self.kraken_private(query, [("txid", filled)])[1]["result"][filled]
        self.assertEqual((got["status"], got["vol_exec"]), ("closed", got["vol"]))  # Kraken: filled is closed
        self.kraken_private("/0/private/CancelOrder", [("txid", txid)])
        self.assertEqual(self.kraken_private(query, [("txid", txid)])[1]["result"][txid]["status"], "canceled")
        self.assertEqual(self.kraken_private(query, [("txid", "ONOSUCH-AAAAA-000000")])[1],
                         {"error": ["EOrder:Invalid order"]})
        self.assertEqual(self.kraken_private(query, [])[1], {"error": ["EGeneral:Invalid arguments:txid"]})
        self.assertIn(("status", "open", "ks1"), self.ops("kraken"))

    # ---- Coinbase ----
    def jwt(self, uri, kid=None, exp_in=120, nbf_shift=0, nonce=None, pem=None):
        def enc(o):
            return base64.urlsafe_b64encode(json.dumps(o, separators=(",", ":")).encode()).rstrip(b"=").decode()
        now = int(time.time()) + nbf_shift
        head = {"alg": "ES256", "typ": "JWT", "kid": kid or ENV["COINBASE_API_KEY"], "nonce": nonce or os.urandom(16).hex()}
        claims = {"sub": ENV["COINBASE_API_KEY"], "iss": "cdp", "nbf": now, "exp": now + exp_in, "uri": uri}
        signing_input = f"{enc(head)}.{enc(claims)}".encode()
        key = serialization.load_pem_private_key((pem or ENV["COINBASE_API_SECRET"]).encode(), password=None)
        r, s = decode_dss_signature(key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
        sig = base64.urlsafe_b64encode(r.to_bytes(32, "big") + s.to_bytes(32, "big")).rstrip(b"=").decode()
        return f"{signing_input.decode()}.{sig}"

    def coinbase(self, product="BTC-USD", cid=None, token=None):
        body = json.dumps({"client_order_id": cid or uuid.uuid4().hex, "product_id": product, "side": "BUY",
                           "order_configuration": {"limit_limit_gtc": {"base_size": "1", "limit_price": "10"}}}).encode()
        tok = token or self.jwt(f"POST 127.0.0.1:{self.port}/api/v3/brokerage/orders")
        return self.post("/api/v3/brokerage/orders", body, {"Content-Type": "application/json", "Authorization": f"Bearer {tok}"})

    @unittest.skipUnless(HAVE_CRYPTO, "python3-cryptography is not installed")
    def test_coinbase(self):
        st, b, _ = self.coinbase(cid="c1")
        self.assertEqual((st, b["success"], b["success_response"]["client_order_id"]), (200, True, "c1"))
        oid = b["success_response"]["order_id"]
        b = self.coinbase(cid="c1")[1]  # a repeated id returns the existing order
        self.assertEqual((b["success"], b["success_response"]["order_id"]), (True, oid))
        b = self.coinbase(product="ETH-USD", cid="c1")[1]  # the existing order's own fields, not this request's
        self.assertEqual((b["success_response"]["order_id"], b["success_response"]["product_id"]), (oid, "BTC-USD"))
        uri = f"POST 127.0.0.1:{self.port}/api/v3/brokerage/orders"
        self.assertEqual(self.coinbase(token=self.jwt("POST 127.0.0.1/api/v3/brokerage/orders"))[0], 200)  # host without port
        self.assertEqual(self.coinbase(token=self.jwt("POST api.coinbase.com/api/v3/brokerage/other"))[0], 401)
        self.assertEqual(self.coinbase(token=self.jwt(uri, kid="organizations/x/apiKeys/y"))[0], 401)
        self.assertEqual(self.coinbase(token=self.jwt(uri, exp_in=0))[0], 401)           # expired
        self.assertEqual(self.coinbase(token=self.jwt(uri, exp_in=600))[0], 401)         # longer than 2 minutes
        self.assertEqual(self.coinbase(token=self.jwt(uri, pem=ec_pem()))[0], 401)       # another key's signature
        tok = self.jwt(uri, nonce="cafe")
        self.assertEqual(self.coinbase(token=tok)[0], 200)
        self.assertEqual(self.coinbase(token=tok)[0], 401)                               # the same JWT again
        t = self.jwt(uri).split(".")
        # a flipped signature: a character inside it (the last one carries
        # only 2 bits, so replacing the tail left it unchanged about 1 run in 1,000)
        bad = t[2][:20] + ("B" if t[2][20] != "B" else "C") + t[2][21:]
        self.assertEqual(self.coinbase(token=f"{t[0]}.{t[1]}.{bad}")[0], 401)
        b = self.coinbase(product="REJECT")[1]
        self.assertEqual((b["success"], b["error_response"]["error"]), (False, "INSUFFICIENT_FUND"))
        self.assertEqual(self.coinbase(product="LIMIT", cid="l1")[0], 429)
        self.assertEqual(self.coinbase(product="LIMIT", cid="l1")[0], 200)
        self.assertEqual(self.coinbase(product="UNKNOWN")[0], 500)

    def coinbase_op(self, method, path, body=None, uri=None, pem=None):
        """A cancel or lookup with a JWT whose uri claim is "METHOD host:port/path" (or `uri`)."""
        tok = self.jwt(uri or f"{method} 127.0.0.1:{self.port}{path}", pem=pem)
        h = {"Authorization": f"Bearer {tok}"}
        if body is not None:
            h["Content-Type"] = "application/json"
        return self.post(path, None if body is None else json.dumps(body).encode(), h, method)

    def coinbase_cancel(self, *ids, **kw):
        return self.coinbase_op("POST", "/api/v3/brokerage/orders/batch_cancel", {"order_ids": list(ids)}, **kw)

    def coinbase_status(self, oid, **kw):
        return self.coinbase_op("GET", f"/api/v3/brokerage/orders/historical/{oid}", **kw)

    @unittest.skipUnless(HAVE_CRYPTO, "python3-cryptography is not installed")
    def test_coinbase_cancel_and_status(self):
        oid = self.coinbase(cid="cc1")[1]["success_response"]["order_id"]
        st, b, _ = self.coinbase_status(oid)
        o = b["order"]
        self.assertEqual((st, o["status"], o["filled_size"], o["order_id"], o["client_order_id"], o["product_id"]),
                         (200, "OPEN", "0", oid, "cc1", "BTC-USD"))
        # the uri claim names the request's own method and path: the placement's, or POST for a GET, are refused
        self.assertEqual(self.coinbase_status(oid, uri=f"POST 127.0.0.1:{self.port}/api/v3/brokerage/orders/historical/{oid}")[:2],
                         (401, "Unauthorized"))
        self.assertEqual(self.coinbase_cancel(oid, uri=f"POST 127.0.0.1:{self.port}/api/v3/brokerage/orders")[0], 401)
        self.assertEqual(self.coinbase_cancel(oid, pem=ec_pem())[0], 401)  # another key's signature
        self.assertEqual(self.coinbase_status(oid)[1]["order"]["status"], "OPEN")
        st, b, _ = self.coinbase_cancel(oid)
        self.assertEqual((st, b), (200, {"results": [{"success": True, "failure_reason": "UNKNOWN_CANCEL_FAILURE_REASON",
                                                      "order_id": oid}]}))
        self.assertEqual(self.coinbase_status(oid)[1]["order"]["status"], "CANCELLED")
        gone = {"results": [{"success": False, "failure_reason": "UNKNOWN_CANCEL_ORDER", "order_id": oid}]}
        self.assertEqual(self.coinbase_cancel(oid)[:2], (200, gone))  # twice
        nosuch = "11111111-2222-3333-4444-999999999999"
        self.assertEqual(self.coinbase_cancel(nosuch)[1]["results"][0]["failure_reason"], "UNKNOWN_CANCEL_ORDER")
        st, b, _ = self.coinbase_status(nosuch)
        self.assertEqual((st, b["error"]), (404, "NOT_FOUND"))
        self.assertEqual(self.coinbase_cancel()[0], 400)  # no ids
        # FILL
        foid = self.coinbase(product="BTCFILL-USD", cid="cf1")[1]["success_response"]["order_id"]
        o = self.coinbase_status(foid)[1]["order"]
        self.assertEqual((o["status"], o["filled_size"]), ("FILLED", "1"))
        # one batch, one result per id, in order
        oid2 = self.coinbase(cid="cc2")[1]["success_response"]["order_id"]
        b = self.coinbase_cancel(foid, oid2)[1]
        self.assertEqual([(x["order_id"], x["success"], x["failure_reason"]) for x in b["results"]],
                         [(foid, False, "ORDER_IS_FULLY_FILLED"), (oid2, True, "UNKNOWN_CANCEL_FAILURE_REASON")])
        ops = self.ops("coinbase")
        self.assertEqual(ops[:5], [("send", "accepted", "cc1"), ("status", "open", "cc1"), ("status", "uri", None),
                                   ("cancel", "uri", None), ("cancel", "signature", None)])
        for want in [("cancel", "cancelled", "cc1"), ("cancel", "already_closed", "cc1"), ("status", "not_found", None),
                     ("status", "filled", "cf1"), ("cancel", "mixed", "cf1")]:
            self.assertIn(want, ops)
        self.assertEqual(self.orders("coinbase"), {"cc1": ("cancelled", "0", 2), "cf1": ("filled", "1", 1),
                                                   "cc2": ("cancelled", "0", 1)})

    # ---- Bitget ----
    def bitget(self, symbol="BTCUSDT", cid=None, secret=None, ts=None):
        body = json.dumps({"symbol": symbol, "side": "buy", "orderType": "limit", "force": "gtc", "price": "1",
                           "size": "1", "clientOid": cid or uuid.uuid4().hex})
        t = str(ts or ms())
        path = "/api/v2/spot/trade/place-order"
        return self.post(path, body.encode(), {"Content-Type": "application/json", "ACCESS-KEY": ENV["BITGET_API_KEY"],
                                               "ACCESS-SIGN": b64_hmac(secret or ENV["BITGET_API_SECRET"], t + "POST" + path + body),
                                               "ACCESS-TIMESTAMP": t, "ACCESS-PASSPHRASE": ENV["BITGET_PASSPHRASE"]})

    def test_bitget(self):
        st, b, _ = self.bitget(cid="g1")
        self.assertEqual((st, b["code"], b["data"]["clientOid"]), (200, "00000", "g1"))
        self.assertEqual(self.bitget(cid="g1")[1]["code"], "40786")
        self.assertEqual(self.bitget(secret="wrong")[1]["code"], "40009")
        self.assertEqual(self.bitget(ts=ms() - 31000)[1]["code"], "40008")
        self.assertEqual(self.bitget(symbol="REJECT")[1]["code"], "43012")
        self.assertEqual(self.bitget(symbol="LIMIT", cid="l1")[0], 429)
        self.assertEqual(self.bitget(symbol="LIMIT", cid="l1")[1]["code"], "00000")
        self.assertEqual(self.bitget(symbol="UNKNOWN")[0], 500)

    def bitget_signed(self, method, path_query, body=b"", secret=None, sign_method=None):
        """A request signed over timestamp (ms) + METHOD + path?query + body, base64 HMAC-SHA256."""
        t = str(ms())
        h = {"ACCESS-KEY": ENV["BITGET_API_KEY"], "ACCESS-TIMESTAMP": t, "ACCESS-PASSPHRASE": ENV["BITGET_PASSPHRASE"],
             "ACCESS-SIGN": b64_hmac(secret or ENV["BITGET_API_SECRET"], t + (sign_method or method) + path_query + body.decode())}
        if body:
            h["Content-Type"] = "application/json"
        return self.post(path_query, body or None, h, method)

    def bitget_cancel(self, symbol="BTCUSDT", cid=None, oid=None, secret=None):
        o = {"symbol": symbol, **({"orderId": oid} if oid else {}), **({"clientOid": cid} if cid else {})}
        return self.bitget_signed("POST", "/api/v2/spot/trade/cancel-order", json.dumps(o).encode(), secret)

    def bitget_status(self, cid=None, oid=None, secret=None, sign_method=None):
        q = urllib.parse.urlencode(([("orderId", oid)] if oid else []) + ([("clientOid", cid)] if cid else []))
        path = "/api/v2/spot/trade/orderInfo" + (f"?{q}" if q else "")
        return self.bitget_signed("GET", path, secret=secret, sign_method=sign_method)

    def test_bitget_cancel_and_status(self):
        oid = self.bitget(cid="gc1")[1]["data"]["orderId"]
        st, b, _ = self.bitget_status(oid=oid)
        d = b["data"][0]
        self.assertEqual((st, b["code"], d["status"], d["baseVolume"], d["orderId"], d["clientOid"], d["symbol"]),
                         (200, "00000", "live", "0", oid, "gc1", "BTCUSDT"))
        self.assertEqual(self.bitget_status(cid="gc1")[1]["data"][0]["orderId"], oid)  # by ours while unfilled
        bad_sig = (400, "40009")
        st, b, _ = self.bitget_status(oid=oid, sign_method="POST")  # the method is part of the signed string
        self.assertEqual((st, b["code"]), bad_sig)
        st, b, _ = self.bitget_status(oid=oid, secret="wrong")
        self.assertEqual((st, b["code"]), bad_sig)
        st, b, _ = self.bitget_cancel(cid="gc1", secret="wrong")
        self.assertEqual((st, b["code"]), bad_sig)
        self.assertEqual(self.bitget_status(oid=oid)[1]["data"][0]["status"], "live")
        st, b, _ = self.bitget_cancel(cid="gc1")
        self.assertEqual((st, b["code"], b["msg"], b["data"]), (200, "00000", "success", {"orderId": oid, "clientOid": "gc1"}))
        self.assertEqual(self.bitget_status(oid=oid)[1]["data"][0]["status"], "cancelled")
        none = (400, "43001", "The order does not exist")
        st, b, _ = self.bitget_status(cid="gc1")  # by clientOid: an unfilled order only
        self.assertEqual((st, b["code"], b["msg"]), none)
        for again in (self.bitget_cancel(cid="gc1"), self.bitget_cancel(oid=oid), self.bitget_cancel(cid="nosuch"),
                      self.bitget_cancel(symbol="ETHUSDT", oid=oid)):
            st, b, _ = again  # twice, by either id, never placed, another symbol's: the same answer
            self.assertEqual((st, b["code"], b["msg"]), none)
        st, b, _ = self.bitget_status(oid="999")
        self.assertEqual((st, b["code"]), (400, "43001"))
        self.assertEqual(self.bitget_status()[1]["code"], "40017")  # neither id
        # FILL
        foid = self.bitget(symbol="BTCFILLUSDT", cid="gf1")[1]["data"]["orderId"]
        d = self.bitget_status(oid=foid)[1]["data"][0]
        self.assertEqual((d["status"], d["baseVolume"], d["size"]), ("filled", "1", "1"))
        self.assertEqual(self.bitget_cancel(symbol="BTCFILLUSDT", cid="gf1")[1]["code"], "43001")
        ops = self.ops("bitget")
        self.assertEqual(ops[:8], [("send", "accepted", "gc1"), ("status", "open", "gc1"), ("status", "open", "gc1"),
                                   ("status", "signature", None), ("status", "signature", None),
                                   ("cancel", "signature", "gc1"), ("status", "open", "gc1"), ("cancel", "cancelled", "gc1")])
        for want in [("cancel", "already_closed", "gc1"), ("cancel", "not_found", "nosuch"), ("status", "not_found", "gc1"),
                     ("status", "filled", "gf1"), ("cancel", "already_closed", "gf1")]:
            self.assertIn(want, ops)
        self.assertEqual(self.orders("bitget"), {"gc1": ("cancelled", "0", 3), "gf1": ("filled", "1", 1)})

    # ---- OANDA ----
    def oanda(self, instrument="EUR_USD", cid=None, kind="LIMIT", units="100", token=None):
        order = {"type": kind, "instrument": instrument, "units": units, "clientExtensions": {"id": cid or uuid.uuid4().hex}}
        if kind == "LIMIT":
            order["price"] = "1.1"
        return self.post("/v3/accounts/101-004-1-001/orders", json.dumps({"order": order}).encode(),
                         {"Content-Type": "application/json", "Authorization": f"Bearer {token or ENV['OANDA_API_KEY']}"})

    def test_oanda(self):
        st, b, _ = self.oanda(cid="n1")
        self.assertEqual((st, b["orderCreateTransaction"]["clientExtensions"]["id"]), (201, "n1"))
        st, b, _ = self.oanda(cid="n1")
        self.assertEqual((st, b["orderRejectTransaction"]["rejectReason"]), (400, "CLIENT_ORDER_ID_ALREADY_EXISTS"))
        st, b, _ = self.oanda(cid="m1", kind="MARKET", units="-5")  # a sell; filled, so its id is free again
        self.assertIn("orderFillTransaction", b)
        self.assertEqual(self.oanda(cid="m1", kind="MARKET")[0], 201)
        self.assertEqual(self.oanda(token="wrong")[0], 401)
        self.assertEqual(self.oanda(units="0")[1]["errorCode"], "UNITS_INVALID")
        st, b, _ = self.oanda(instrument="REJECT", kind="MARKET")
        self.assertEqual((st, "orderCancelTransaction" in b, "orderFillTransaction" in b), (201, True, False))
        self.assertEqual(self.oanda(instrument="LIMIT", cid="l1")[0], 429)
        self.assertEqual(self.oanda(instrument="LIMIT", cid="l1")[0], 201)

    def oanda_op(self, method, tail, account="101-004-1-001", token=None):
        """A cancel (PUT .../cancel, no body) or lookup (GET) under the account's orders."""
        return self.post(f"/v3/accounts/{account}/orders/{tail}", None,
                         {"Authorization": f"Bearer {token or ENV['OANDA_API_KEY']}"}, method)

    def test_oanda_cancel_and_status(self):
        oid = self.oanda(cid="nc1")[1]["orderCreateTransaction"]["id"]
        st, b, _ = self.oanda_op("GET", oid)
        o = b["order"]
        self.assertEqual((st, o["state"], o["id"], o["clientExtensions"], o["units"], o["instrument"]),
                         (200, "PENDING", oid, {"id": "nc1"}, "100", "EUR_USD"))
        self.assertEqual(self.oanda_op("GET", "@nc1")[1]["order"]["id"], oid)  # by ours while pending
        self.assertEqual(self.oanda_op("GET", "%40nc1")[1]["order"]["id"], oid)  # the @ percent-encoded
        denied = (401, {"errorMessage": "Insufficient authorization to perform request."})
        self.assertEqual(self.oanda_op("GET", oid, token="wrong")[:2], denied)
        self.assertEqual(self.oanda_op("PUT", "@nc1/cancel", token="wrong")[:2], denied)
        st, b, _ = self.oanda_op("PUT", "@nc1/cancel", account="101-004-9-009")  # an account the token cannot reach
        self.assertEqual((st, b), (403, {"errorMessage": "The provided request was forbidden."}))
        self.assertEqual(self.oanda_op("GET", oid)[1]["order"]["state"], "PENDING")
        st, b, _ = self.oanda_op("PUT", "@nc1/cancel")
        c = b["orderCancelTransaction"]
        self.assertEqual((st, c["type"], c["orderID"], c["clientOrderID"], c["reason"], b["lastTransactionID"]),
                         (200, "ORDER_CANCEL", oid, "nc1", "CLIENT_REQUEST", c["id"]))
        o = self.oanda_op("GET", oid)[1]["order"]
        self.assertEqual((o["state"], o["cancellingTransactionID"]), ("CANCELLED", c["id"]))
        st, b, _ = self.oanda_op("GET", "@nc1")  # by ours: a pending order only
        self.assertEqual((st, b["errorCode"]), (404, "NO_SUCH_ORDER"))
        for tail, cid in (("@nc1/cancel", "nc1"), (f"{oid}/cancel", None), ("@nosuch/cancel", "nosuch")):
            st, b, _ = self.oanda_op("PUT", tail)  # twice, by either id, never placed: the same answer
            rej = b["orderCancelRejectTransaction"]
            self.assertEqual((st, b["errorCode"], rej["rejectReason"], rej.get("clientOrderID")),
                             (404, "ORDER_DOESNT_EXIST", "ORDER_DOESNT_EXIST", cid))
        self.assertEqual(self.oanda(cid="nc1")[0], 201)  # unique among pending orders: free once cancelled
        # FILL (and MARKET): filled at once, a fill transaction in the answer; only OANDA's id finds it
        b = self.oanda(instrument="EURFILL_USD", cid="nf1")[1]
        foid = b["orderCreateTransaction"]["id"]
        self.assertEqual(b["orderFillTransaction"]["orderID"], foid)
        o = self.oanda_op("GET", foid)[1]["order"]
        self.assertEqual((o["state"], o["fillingTransactionID"]), ("FILLED", b["orderFillTransaction"]["id"]))
        self.assertEqual(self.oanda_op("GET", "@nf1")[0], 404)
        self.assertEqual(self.oanda_op("PUT", "@nf1/cancel")[1]["errorCode"], "ORDER_DOESNT_EXIST")
        moid = self.oanda(cid="nm1", kind="MARKET")[1]["orderCreateTransaction"]["id"]
        self.assertEqual(self.oanda_op("GET", moid)[1]["order"]["state"], "FILLED")
        ops = self.ops("oanda")
        self.assertEqual(ops[:8], [("send", "accepted", "nc1"), ("status", "open", "nc1"), ("status", "open", "nc1"),
                                   ("status", "open", "nc1"), ("status", "auth", None), ("cancel", "auth", None),
                                   ("cancel", "auth", None), ("status", "open", "nc1")])
        for want in [("cancel", "cancelled", "nc1"), ("status", "not_found", "nc1"), ("cancel", "already_closed", "nc1"),
                     ("cancel", "not_found", "nosuch"), ("status", "filled", "nf1"), ("cancel", "not_found", "nf1")]:
            self.assertIn(want, ops)

    # ---- Tradier ----
    def tradier(self, symbol="SPY", tag=None, token=None, accept="application/json"):
        body = urllib.parse.urlencode([("class", "equity"), ("symbol", symbol), ("side", "buy"), ("quantity", "1"),
                                       ("type", "limit"), ("duration", "day"), ("price", "1.5"), ("tag", tag or "t-1")])
        return self.post("/v1/accounts/VA000001/orders", body.encode(),
                         {"Content-Type": "application/x-www-form-urlencoded", "Accept": accept,
                          "Authorization": f"Bearer {token or ENV['TRADIER_API_KEY']}"})

    def test_tradier(self):
        st, b, _ = self.tradier()
        self.assertEqual((st, b["order"]["status"]), (200, "ok"))
        self.assertEqual(self.tradier()[1]["order"]["status"], "ok")  # a repeated tag is another order
        self.assertEqual(len([o for o in self.post("/_emu/orders", b"", {}, "GET")[1] if o["broker"] == "tradier"]), 2)
        self.assertTrue(self.tradier(accept="*/*")[1].startswith("<order>"))  # XML unless asked for JSON
        self.assertEqual(self.tradier(token="wrong")[0], 401)
        self.assertEqual(self.tradier(tag="bad_tag")[0], 400)
        self.assertIn("errors", self.tradier(symbol="REJECT")[1])
        self.assertEqual(self.tradier(symbol="LIMIT", tag="l-1")[0], 429)
        self.assertEqual(self.tradier(symbol="LIMIT", tag="l-1")[0], 200)

    def tradier_op(self, method, oid, account="VA000001", query="", token=None, accept="application/json"):
        return self.post(f"/v1/accounts/{account}/orders/{oid}{query}", None,
                         {"Accept": accept, "Authorization": f"Bearer {token or ENV['TRADIER_API_KEY']}"}, method)

    def test_tradier_cancel_and_status(self):
        oid = self.tradier(tag="tc-1")[1]["order"]["id"]
        st, b, _ = self.tradier_op("GET", oid, query="?includeTags=true")
        o = b["order"]
        self.assertEqual((st, o["id"], o["status"], o["exec_quantity"], o["quantity"], o["symbol"], o["tag"]),
                         (200, oid, "open", 0.0, 1.0, "SPY", "tc-1"))
        self.assertNotIn("tag", self.tradier_op("GET", oid)[1]["order"])  # tags only when asked for
        self.assertTrue(self.tradier_op("GET", oid, accept="*/*")[1].startswith("<order><id>"))  # XML unless JSON asked
        self.assertEqual(self.tradier_op("DELETE", oid, token="wrong")[:2], (401, "Invalid Access Token"))
        self.assertEqual(self.tradier_op("GET", oid, token="wrong")[:2], (401, "Invalid Access Token"))
        self.assertEqual(self.tradier_op("DELETE", oid, account="VA999999")[:2], (401, "Unauthorized Account: VA999999"))
        self.assertEqual(self.tradier_op("GET", oid)[1]["order"]["status"], "open")
        self.assertEqual(self.tradier_op("DELETE", oid)[:2], (200, {"order": {"id": oid, "status": "ok"}}))
        self.assertEqual(self.tradier_op("GET", oid)[1]["order"]["status"], "canceled")
        st, b, r = self.tradier_op("DELETE", oid)  # twice: plain text, not JSON
        self.assertEqual((st, b, r.getheader("Content-Type")), (400, "order already in finalized state: canceled", "text/plain"))
        # an id never placed: the same 401 as another account (measured on Tradier's sandbox)
        self.assertEqual(self.tradier_op("DELETE", 1)[:2], (401, "Unauthorized Account: VA000001"))
        self.assertEqual(self.tradier_op("GET", 1)[:2], (401, "Unauthorized Account: VA000001"))
        # FILL
        foid = self.tradier(symbol="SPYFILL", tag="tf-1")[1]["order"]["id"]
        o = self.tradier_op("GET", foid)[1]["order"]
        self.assertEqual((o["status"], o["exec_quantity"], o["remaining_quantity"]), ("filled", 1.0, 0.0))
        self.assertEqual(self.tradier_op("DELETE", foid)[:2], (400, "order already in finalized state: filled"))
        ops = self.ops("tradier")
        self.assertEqual(ops[:7], [("send", "accepted", "tc-1"), ("status", "open", "tc-1"), ("status", "open", "tc-1"),
                                   ("status", "open", "tc-1"), ("cancel", "auth", None), ("status", "auth", None),
                                   ("cancel", "auth", None)])
        for want in [("cancel", "cancelled", "tc-1"), ("cancel", "already_closed", "tc-1"), ("cancel", "not_found", None),
                     ("status", "not_found", None), ("status", "filled", "tf-1"), ("cancel", "already_closed", "tf-1")]:
            self.assertIn(want, ops)
        self.assertEqual(self.orders("tradier"), {"tc-1": ("cancelled", "0", 2), "tf-1": ("filled", "1", 1)})

    # ---- batches: one request, one element per order ----
    def batch(self, call, *args, **kw):
        """A batch request; (None, None, None) when the emulator closed the connection unanswered (DROP)."""
        try:
            return call(*args, **kw)
        except http.client.RemoteDisconnected:
            return None, None, None

    def batch_log(self, broker):
        """(verdict, status, client id, symbol, batch, index) of the broker's batch entries, as logged."""
        return [(e["verdict"], e["status"], e["client_order_id"], e["symbol"], e["batch"], e["index"])
                for e in self.post("/_emu/log", b"", {}, "GET")[1] if e["broker"] == broker and e["op"] == "batch"]

    def okx_batch(self, orders, secret=None):
        body = json.dumps([{"instId": sym, "tdMode": "cash", "side": "buy", "ordType": "limit", "sz": "1", "px": "100",
                            "clOrdId": cid} for sym, cid in orders]).encode()
        return self.batch(self.okx_signed, "POST", "/api/v5/trade/batch-orders", body, secret)

    def test_okx_batch(self):
        st, b, _ = self.okx_batch([("BTC-USDT", "ob1"), ("REJECT-USDT", "ob2"), ("BTCFILL-USDT", "ob3")])
        self.assertEqual((st, b["code"], b["msg"], len(b["data"])), (200, "2", "Bulk operation partially succeeded.", 3))
        self.assertEqual([(d["clOrdId"], d["sCode"], d["ordId"] != "") for d in b["data"]],
                         [("ob1", "0", True), ("ob2", "51008", False), ("ob3", "0", True)])
        self.assertEqual(b["data"][1]["sMsg"], "Order failed. Insufficient USDT balance in account.")
        self.assertEqual(self.orders("okx"), {"ob1": ("open", "0", 0), "ob3": ("filled", "1", 0)})
        self.assertEqual(self.batch_log("okx"), [("accepted", 200, "ob1", "BTC-USDT", 3, 0),
                                                 ("reject", 200, "ob2", "REJECT-USDT", 3, 1),
                                                 ("accepted", 200, "ob3", "BTCFILL-USDT", 3, 2)])
        # a batch-placed order is looked up and cancelled as any other
        self.assertEqual(self.okx_status(cid="ob1")[1]["data"][0]["ordId"], b["data"][0]["ordId"])
        self.assertEqual(self.okx_cancel(cid="ob1")[1]["data"][0]["sCode"], "0")
        st, b, _ = self.okx_batch([("BTC-USDT", "ob1"), ("BTC-USDT", "ob3")])  # every id seen: all failed
        self.assertEqual((st, b["code"], b["msg"], [d["sCode"] for d in b["data"]]),
                         (200, "1", "All operations failed", ["51016", "51016"]))
        # refused as a whole, nothing placed, one log entry per element
        self.post("/_emu/reset", b"", {})
        st, b, _ = self.okx_batch([("BTC-USDT", "os1"), ("BTC-USDT", "os2")], secret="wrong")
        self.assertEqual((st, b["code"]), (401, "50113"))
        self.assertEqual(self.batch_log("okx"), [("signature", 401, "os1", "BTC-USDT", 2, 0),
                                                 ("signature", 401, "os2", "BTC-USDT", 2, 1)])
        st, b, _ = self.okx_batch([("BTC-USDT", f"om{i}") for i in range(21)])
        self.assertEqual((st, b["code"]), (400, "50025"))
        self.assertEqual(len(self.okx_batch([("BTC-USDT", f"om{i}") for i in range(20)])[1]["data"]), 20)  # 20 is allowed
        self.assertEqual(len(self.orders("okx")), 20)
        st, b, _ = self.okx_batch([("BTC-USDT", "ot1"), ("TIMEOUT-USDT", "ot2")])
        self.assertEqual((st, b["code"], [d["sCode"] for d in b["data"]]), (200, "1", ["51149", "51149"]))
        self.assertEqual(self.okx_batch([("UNKNOWN-USDT", "ou1"), ("BTC-USDT", "ou2")])[0], 500)
        self.assertNotIn("ot1", self.orders("okx"))
        # LIMIT: nothing placed the first time, the resend goes through
        st, b, _ = self.okx_batch([("BTC-USDT", "ol1"), ("LIMIT-USDT", "ol2")])
        self.assertEqual((st, b["code"]), (429, "50011"))
        self.assertNotIn("ol1", self.orders("okx"))
        st, b, _ = self.okx_batch([("BTC-USDT", "ol1"), ("LIMIT-USDT", "ol2")])
        self.assertEqual((st, b["code"], [d["sCode"] for d in b["data"]]), (200, "0", ["0", "0"]))
        # DROP: placed, no answer; the resend gets duplicates
        self.assertEqual(self.okx_batch([("DROP-USDT", "od1"), ("BTC-USDT", "od2")]), (None, None, None))
        self.assertEqual({k: v for k, v in self.orders("okx").items() if k.startswith("od")},
                         {"od1": ("open", "0", 0), "od2": ("open", "0", 0)})
        st, b, _ = self.okx_batch([("DROP-USDT", "od1"), ("BTC-USDT", "od2")])
        self.assertEqual((st, b["code"], [d["sCode"] for d in b["data"]]), (200, "1", ["51016", "51016"]))
        self.assertEqual(self.batch_log("okx")[-4:], [("accepted", None, "od1", "DROP-USDT", 2, 0),
                                                      ("accepted", None, "od2", "BTC-USDT", 2, 1),
                                                      ("duplicate", 200, "od1", "DROP-USDT", 2, 0),
                                                      ("duplicate", 200, "od2", "BTC-USDT", 2, 1)])

    def bybit_batch(self, orders, category="spot", secret=None):
        body = json.dumps({"category": category, "request": [
            {"symbol": sym, "side": "Buy", "orderType": "Limit", "qty": "1", "price": "100", "orderLinkId": cid}
            for sym, cid in orders]}, separators=(",", ":"))
        return self.batch(self.post, "/v5/order/create-batch", body.encode(),
                          {"Content-Type": "application/json", **self.bybit_headers(body, secret)})

    def test_bybit_batch(self):
        st, b, _ = self.bybit_batch([("BTCUSDT", "yb1"), ("REJECTUSDT", "yb2"), ("BTCFILLUSDT", "yb3")])
        self.assertEqual((st, b["retCode"], b["retMsg"]), (200, 0, "OK"))
        got = b["result"]["list"]
        self.assertEqual([(x["category"], x["symbol"], x["orderLinkId"], x["orderId"] != "", x["createAt"] != "") for x in got],
                         [("spot", "BTCUSDT", "yb1", True, True), ("spot", "REJECTUSDT", "", False, False),
                          ("spot", "BTCFILLUSDT", "yb3", True, True)])
        self.assertEqual(b["retExtInfo"]["list"], [{"code": 0, "msg": "OK"}, {"code": 170131, "msg": "Balance insufficient"},
                                                   {"code": 0, "msg": "OK"}])
        self.assertEqual(self.orders("bybit"), {"yb1": ("open", "0", 0), "yb3": ("filled", "1", 0)})
        self.assertEqual([(v, s, c, i) for v, s, c, _, _, i in self.batch_log("bybit")],
                         [("accepted", 200, "yb1", 0), ("reject", 200, "yb2", 1), ("accepted", 200, "yb3", 2)])
        self.assertEqual(self.bybit_status(cid="yb1")[1]["result"]["list"][0]["orderId"], got[0]["orderId"])
        self.assertEqual(self.bybit_cancel(cid="yb1")[1]["retCode"], 0)
        self.assertEqual(self.bybit_batch([("BTCUSDT", "yb9")], secret="wrong")[1]["retCode"], 10004)
        self.assertNotIn("yb9", self.orders("bybit"))
        # 10 per request on spot, 20 on linear
        self.assertEqual(self.bybit_batch([("BTCUSDT", f"ys{i}") for i in range(11)])[1]["retCode"], 10001)
        self.assertFalse([c for c in self.orders("bybit") if c.startswith("ys")])
        self.assertEqual(len(self.bybit_batch([("BTCUSDT", f"yl{i}") for i in range(11)], "linear")[1]["result"]["list"]), 11)
        self.assertEqual(self.bybit_batch([("BTCUSDT", f"yx{i}") for i in range(21)], "linear")[1]["retCode"], 10001)
        # LIMIT: nothing placed the first time, the resend goes through
        st, b, _ = self.bybit_batch([("BTCUSDT", "yq1"), ("LIMITUSDT", "yq2")])
        self.assertEqual((st, b["retCode"]), (200, 10006))
        self.assertNotIn("yq1", self.orders("bybit"))
        self.assertEqual([x["code"] for x in self.bybit_batch([("BTCUSDT", "yq1"), ("LIMITUSDT", "yq2")])[1]["retExtInfo"]["list"]],
                         [0, 0])
        # DROP: placed, no answer; the resend gets duplicates (spot's code)
        self.assertEqual(self.bybit_batch([("BTCUSDT", "yd1"), ("DROPUSDT", "yd2")]), (None, None, None))
        self.assertIn("yd2", self.orders("bybit"))
        b = self.bybit_batch([("BTCUSDT", "yd1"), ("DROPUSDT", "yd2")])[1]
        self.assertEqual((b["retExtInfo"]["list"], [x["orderId"] for x in b["result"]["list"]]),
                         ([{"code": 170141, "msg": "Duplicate clientOrderId"}] * 2, ["", ""]))
        self.assertEqual(self.bybit_batch([("BTCUSDT", "yu1"), ("UNKNOWNUSDT", "yu2")])[0], 502)
        st, b, _ = self.bybit_batch([("BANUSDT", "yn1"), ("BTCUSDT", "yn2")])
        self.assertEqual((st, b), (403, "access too frequent"))
        self.assertEqual(self.bybit_batch([("BTCUSDT", "yn3"), ("BTCUSDT", "yn4")])[0], 403)  # banned for a while
        self.assertFalse([c for c in self.orders("bybit") if c[:2] in ("yu", "yn")])

    def kraken_batch(self, orders, pair="XBTUSD", secret=None, extra=None):
        """AddOrderBatch: a JSON body, API-Sign over path + SHA256(nonce + the JSON text)."""
        n = time.time_ns() // 1000
        body = json.dumps({"nonce": n, "pair": pair, "orders": [
            {"ordertype": "limit", "type": "buy", "volume": "1.25", "price": "37500", "cl_ord_id": cid, **more}
            for cid, more in ((o, {}) if isinstance(o, str) else o for o in orders)], **(extra or {})})
        key = base64.b64decode(secret or ENV["KRAKEN_API_SECRET"])
        sig = base64.b64encode(hmac.new(key, b"/0/private/AddOrderBatch" + hashlib.sha256((str(n) + body).encode()).digest(),
                                        hashlib.sha512).digest()).decode()
        return self.batch(self.post, "/0/private/AddOrderBatch", body.encode(),
                          {"Content-Type": "application/json", "API-Key": ENV["KRAKEN_API_KEY"], "API-Sign": sig})

    def test_kraken_batch(self):
        st, b, _ = self.kraken_batch(["kb1", "REJECT-kb2", "kb3"])
        got = b["result"]["orders"]
        self.assertEqual((st, b["error"], len(got)), (200, [], 3))
        self.assertEqual(got[1], {"error": "EOrder:Insufficient funds"})
        self.assertTrue(all(isinstance(got[i]["txid"], str) for i in (0, 2)))
        self.assertEqual(got[0]["descr"], {"order": "buy 1.25 XBTUSD @ limit 37500"})
        self.assertEqual(self.orders("kraken"), {"kb1": ("open", "0", 0), "kb3": ("open", "0", 0)})
        self.assertEqual(self.batch_log("kraken"), [("accepted", 200, "kb1", "XBTUSD", 3, 0),
                                                    ("reject", 200, "REJECT-kb2", "XBTUSD", 3, 1),
                                                    ("accepted", 200, "kb3", "XBTUSD", 3, 2)])
        self.assertEqual(self.kraken_private("/0/private/CancelOrder", [("cl_ord_id", "kb1")])[1]["result"],
                         {"count": 1, "pending": False})
        wrong = base64.b64encode(b"wrong" * 10).decode()
        self.assertEqual(self.kraken_batch(["kw1", "kw2"], secret=wrong)[1], {"error": ["EAPI:Invalid signature"]})
        many = {"error": ["EGeneral:Invalid arguments:orders"]}
        self.assertEqual(self.kraken_batch(["kn1"])[1], many)  # 2 at least
        self.assertEqual(self.kraken_batch([f"kn{i}" for i in range(16)])[1], many)  # 15 at most
        self.assertEqual(self.kraken_batch(["km1", ("km2", {"pair": "ETHUSD"})])[1], {"error": ["EGeneral:Invalid arguments:pair"]})
        self.assertEqual(self.kraken_batch(["kv1", ("kv2", {"type": "hold"})])[1], {"error": ["EGeneral:Invalid arguments:type"]})
        b = self.kraken_batch(["kz1", "kz2"], extra={"validate": True})[1]  # validated, not placed
        self.assertEqual([list(x) for x in b["result"]["orders"]], [["descr"], ["descr"]])
        self.assertFalse([c for c in self.orders("kraken") if c[:2] in ("kw", "kn", "km", "kv", "kz")])
        self.assertEqual(len(self.kraken_batch([f"kx{i}" for i in range(15)])[1]["result"]["orders"]), 15)
        # LIMIT (read from a cl_ord_id): nothing placed the first time, the resend goes through
        self.assertEqual(self.kraken_batch(["kl1", "LIMIT-kl2"])[1], {"error": ["EOrder:Rate limit exceeded"]})
        self.assertNotIn("kl1", self.orders("kraken"))
        self.assertEqual([list(x) for x in self.kraken_batch(["kl1", "LIMIT-kl2"])[1]["result"]["orders"]],
                         [["txid", "descr"], ["txid", "descr"]])
        # DROP (read from the pair): placed, no answer; the resend gets duplicates
        self.assertEqual(self.kraken_batch(["kd1", "kd2"], pair="XBTDROPUSD"), (None, None, None))
        self.assertIn("kd2", self.orders("kraken"))
        self.assertEqual(self.kraken_batch(["kd1", "kd2"], pair="XBTDROPUSD")[1]["result"]["orders"],
                         [{"error": "EOrder:Duplicate order"}] * 2)
        self.assertEqual(self.kraken_batch(["kt1", "kt2"], pair="XBTTIMEOUTUSD")[1], {"error": ["EService:Unavailable"]})
        self.assertEqual(self.kraken_batch(["kt3", "BAN-kt4"])[1], {"error": ["EGeneral:Temporary lockout"]})
        self.assertFalse([c for c in self.orders("kraken") if c.startswith("kt") or c.endswith("kt4")])

    def bitget_batch(self, orders, symbol=None, secret=None):
        """orders: (symbol, clientOid) each, batchMode multiple; with symbol, batchMode single (the default)."""
        lst = [{"side": "buy", "orderType": "limit", "force": "gtc", "price": "1", "size": "1", "clientOid": cid,
                **({"symbol": sym} if sym else {})} for sym, cid in orders]
        body = json.dumps({"symbol": symbol, "orderList": lst} if symbol else {"batchMode": "multiple", "orderList": lst})
        return self.batch(self.bitget_signed, "POST", "/api/v2/spot/trade/batch-orders", body.encode(), secret)

    def test_bitget_batch(self):
        st, b, _ = self.bitget_batch([("BTCUSDT", "gb1"), ("REJECTUSDT", "gb2"), ("BTCFILLUSDT", "gb3")])
        self.assertEqual((st, b["code"], b["msg"]), (200, "00000", "success"))
        self.assertEqual([x["clientOid"] for x in b["data"]["successList"]], ["gb1", "gb3"])
        self.assertEqual(b["data"]["failureList"], [{"orderId": "", "clientOid": "gb2", "errorMsg": "Insufficient balance",
                                                     "errorCode": "43012"}])
        self.assertEqual(self.orders("bitget"), {"gb1": ("open", "0", 0), "gb3": ("filled", "1", 0)})
        self.assertEqual(self.batch_log("bitget"), [("accepted", 200, "gb1", "BTCUSDT", 3, 0),
                                                    ("reject", 200, "gb2", "REJECTUSDT", 3, 1),
                                                    ("accepted", 200, "gb3", "BTCFILLUSDT", 3, 2)])
        oid = b["data"]["successList"][0]["orderId"]
        self.assertEqual(self.bitget_status(oid=oid)[1]["data"][0]["clientOid"], "gb1")
        self.assertEqual(self.bitget_cancel(cid="gb1")[1]["code"], "00000")
        # single mode: the outside symbol is every order's (an order's own ignored), words also read from clientOid
        b = self.bitget_batch([("REJECTUSDT", "gs1"), (None, "REJECT-gs2")], symbol="ETHUSDT")[1]
        self.assertEqual(([x["clientOid"] for x in b["data"]["successList"]], [x["clientOid"] for x in b["data"]["failureList"]]),
                         (["gs1"], ["REJECT-gs2"]))
        self.assertEqual(self.post("/_emu/orders", b"", {}, "GET")[1][-1]["symbol"], "ETHUSDT")
        st, b, _ = self.bitget_batch([("BTCUSDT", "gw1")], secret="wrong")
        self.assertEqual((st, b["code"]), (400, "40009"))
        st, b, _ = self.bitget_batch([("BTCUSDT", f"gm{i}") for i in range(51)])
        self.assertEqual((st, b["code"]), (400, "40017"))
        self.assertFalse([c for c in self.orders("bitget") if c[:2] in ("gw", "gm")])
        self.assertEqual(len(self.bitget_batch([("BTCUSDT", f"gm{i}") for i in range(50)])[1]["data"]["successList"]), 50)
        # LIMIT: nothing placed the first time, the resend goes through
        st, b, _ = self.bitget_batch([("BTCUSDT", "gl1"), ("LIMITUSDT", "gl2")])
        self.assertEqual((st, b["code"]), (429, "429"))
        self.assertNotIn("gl1", self.orders("bitget"))
        self.assertEqual(len(self.bitget_batch([("BTCUSDT", "gl1"), ("LIMITUSDT", "gl2")])[1]["data"]["successList"]), 2)
        # DROP: placed, no answer; the resend gets duplicates
        self.assertEqual(self.bitget_batch([("BTCDROPUSDT", "gd1"), ("BTCUSDT", "gd2")]), (None, None, None))
        self.assertIn("gd2", self.orders("bitget"))
        b = self.bitget_batch([("BTCDROPUSDT", "gd1"), ("BTCUSDT", "gd2")])[1]
        self.assertEqual((b["data"]["successList"], [(x["errorCode"], x["errorMsg"]) for x in b["data"]["failureList"]]),
                         ([], [("40786", "clientOrderId duplicate")] * 2))
        self.assertEqual(self.bitget_batch([("BTCUSDT", "gu1"), ("UNKNOWNUSDT", "gu2")])[0], 500)
        self.assertNotIn("gu1", self.orders("bitget"))

    def test_warm_paths_and_log(self):
        for p in broker_emu.WARM:
            self.assertEqual(self.post(p, b"", {}, "GET")[0], 200, p)
        self.alpaca(cid="z1")
        log = self.post("/_emu/log", b"", {}, "GET")[1]
        self.assertEqual([(e["broker"], e["op"], e["verdict"], e["client_order_id"]) for e in log],
                         [("alpaca", "send", "accepted", "z1")])


if __name__ == "__main__":
    r = unittest.main(exit=False, verbosity=1).result
    failed = len(r.failures) + len(r.errors)
    print(f"{r.testsRun - failed - len(r.skipped)} passed, {failed} failed, {len(r.skipped)} skipped")
    sys.exit(1 if failed else 0)
