#!/usr/bin/python3
"""The seed guide's answers for a synchronous SDK, for make bench scenario 10.

Each places every order of a CSV through the same stand-in Fubon Neo SDK the
salvo bridge calls (tests/standin, PYTHONPATH), logged in once, as the guide
does it:

    executor          asyncio + loop.run_in_executor on a ThreadPoolExecutor of
                      W threads, under an asyncio.Semaphore(W) (the guide's
                      RateLimitedAsyncOrders, without its rate limiter)
    threadpool        concurrent.futures.ThreadPoolExecutor(max_workers=W).map
    thread_per_order  one threading.Thread per order

usage: sdk_competitors.py MODE ORDERS.csv W T0
T0: the Unix time the benchmark started this process. Prints JSON: n, ok,
startup_s (T0 to the first call: interpreter, imports, login), elapsed (first
call to last answer).
"""
import asyncio
import concurrent.futures
import csv
import json
import sys
import threading
import time

from fubon_neo.constant import BSAction, MarketType, OrderType, PriceType, TimeInForce
from fubon_neo.sdk import FubonSDK, Order


def main():
    mode, path, w, t0 = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    with open(path) as f:
        rows = list(csv.DictReader(f))
    sdk = FubonSDK()
    account = sdk.login("A123456789", "pw", "cert.pfx", "cpw").data[0]

    def place(row):
        order = Order(buy_sell=BSAction.Buy, symbol=row["symbol"], price=row["price"], quantity=int(row["quantity"]),
                      market_type=MarketType.Common, price_type=PriceType.Limit, time_in_force=TimeInForce.ROD,
                      order_type=OrderType.Stock, user_def="b%d" % rows.index(row))
        return sdk.stock.place_order(account, order).is_success

    start = time.time()
    if mode == "executor":
        async def run():
            loop = asyncio.get_running_loop()
            sem = asyncio.Semaphore(w)
            pool = concurrent.futures.ThreadPoolExecutor(max_workers=w)

            async def one(row):
                async with sem:
                    return await loop.run_in_executor(pool, place, row)
            return await asyncio.gather(*(one(r) for r in rows))
        results = asyncio.run(run())
    elif mode == "threadpool":
        with concurrent.futures.ThreadPoolExecutor(max_workers=w) as pool:
            results = list(pool.map(place, rows))
    elif mode == "thread_per_order":
        results = [None] * len(rows)

        def worker(i, row):
            results[i] = place(row)
        threads = [threading.Thread(target=worker, args=(i, r)) for i, r in enumerate(rows)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    else:
        sys.exit("unknown mode " + mode)
    elapsed = time.time() - start
    print(json.dumps({"n": len(rows), "ok": sum(1 for r in results if r), "startup_s": start - t0,
                      "elapsed": elapsed}))


if __name__ == "__main__":
    main()
