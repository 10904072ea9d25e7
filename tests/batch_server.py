#!/usr/bin/env python3
"""batch_server: a broker whose batch endpoint answers oddly, for e2e_batch.

POST /orders/batch takes salvo-mock's {"orders": [...]} and answers
{"results": [...]} (one element per order, as the bundled salvo-mock profile
reads it) in the way MODE says; POST /orders places one order; GET
/orders/ID looks one up (200 placed, 404 not), after LOOKUP_DELAY seconds.
Every order placed is counted by client id: GET /_seen.

MODE:
  reverse  the first order of a batch refused, the others placed, the answer
           in reverse order (each element names its order's client id)
  short    the first order placed, the others refused, and the answer one
           element short: the refusals of the 2nd, 3rd... orders in places
           0, 1...
  e400     HTTP 400 for the batch, yet every element says "accepted" (and
           every order is placed)
  stall2   the first two batches are never answered (nothing placed); later
           ones placed and answered
Usage: batch_server.py MODE PORTFILE [LOOKUP_DELAY]
"""
import http.server
import json
import os
import socketserver
import sys
import threading
import time

MODE, PORTFILE = sys.argv[1], sys.argv[2]
LOOKUP_DELAY = float(sys.argv[3]) if len(sys.argv) > 3 else 0.0
seen, lock, batches = {}, threading.Lock(), [0]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, obj):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def place(self, cid):
        with lock:
            seen[cid] = seen.get(cid, 0) + 1

    def do_GET(self):
        if self.path == "/_seen":
            with lock:
                return self.answer(200, seen)
        time.sleep(LOOKUP_DELAY)
        cid = self.path.rsplit("/", 1)[-1]
        with lock:
            found = cid in seen
        self.answer(200 if found else 404, {"client_order_id": cid} if found else {"error": "not found"})

    def do_POST(self):
        doc = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        if self.path == "/orders":
            self.place(doc.get("client_order_id"))
            return self.answer(200, {"order_id": "S1", "status": "accepted"})
        ids = [o.get("client_order_id") for o in doc["orders"]]
        with lock:
            batches[0] += 1
            n = batches[0]
        if MODE == "stall2" and n <= 2:
            time.sleep(30)
            return
        if MODE == "reverse":
            res = []
            for k, cid in enumerate(ids):
                if k == 0:
                    res.append({"status": "rejected", "client_order_id": cid, "error": "insufficient funds"})
                else:
                    self.place(cid)
                    res.append({"status": "accepted", "client_order_id": cid, "order_id": "X%d" % k})
            return self.answer(200, {"results": res[::-1]})
        if MODE == "short":
            self.place(ids[0])
            return self.answer(200, {"results": [{"status": "rejected", "client_order_id": c} for c in ids[1:]]})
        for cid in ids:
            self.place(cid)
        res = [{"status": "accepted", "client_order_id": cid, "order_id": "X" + cid} for cid in ids]
        self.answer(400 if MODE == "e400" else 200, {"results": res})


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


srv = Server(("127.0.0.1", 0), Handler)
with open(PORTFILE + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(PORTFILE + ".tmp", PORTFILE)  # the port file appears whole
srv.serve_forever()
