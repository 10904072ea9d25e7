#!/usr/bin/python3
"""The seed's approaches, written as a careful Python programmer would, against
the same broker and the same order bodies as salvo.

usage: competitors.py MODE URL ORDERS.csv CONCURRENCY ID_PREFIX
MODE: aio_gather | aio_semaphore | aio_executor | threadpool | thread_per_order | sequential
Prints {"ok": N, "n": N, "elapsed": SECONDS} (elapsed: from the first request
to the last answer, as the seed measures it).
"""
import asyncio
import csv
import json
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}


def load_bodies(path, prefix):
    """The body salvo sends by default, one per row."""
    bodies = []
    with open(path, newline="") as f:
        for i, row in enumerate(csv.DictReader(f), 1):
            bodies.append(json.dumps({
                "symbol": row["symbol"], "price": row["price"], "quantity": int(row["quantity"]),
                "side": row["side"].upper(), "type": "LIMIT", "client_order_id": f"{prefix}-{i}",
            }, separators=(",", ":")))
    return bodies


# ---- asyncio + aiohttp ----

async def aio_post(session, url, body):
    try:
        async with session.post(url, data=body, headers=HEADERS) as r:
            await r.read()
            return 200 <= r.status < 300
    except Exception:
        return False


async def aio_run(url, bodies, conc, limited):
    import aiohttp
    connector = aiohttp.TCPConnector(limit=conc, limit_per_host=0)
    timeout = aiohttp.ClientTimeout(total=60, connect=10)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        start = time.perf_counter()
        if limited:
            sem = asyncio.Semaphore(conc)

            async def one(b):
                async with sem:
                    return await aio_post(session, url, b)
            results = await asyncio.gather(*(one(b) for b in bodies))
        else:
            results = await asyncio.gather(*(aio_post(session, url, b) for b in bodies))
        return sum(results), time.perf_counter() - start


# ---- requests, from threads ----

_local = threading.local()


def requests_post(url, body):
    import requests
    s = getattr(_local, "session", None)
    if s is None:  # a Session is not thread-safe: one per thread, kept alive
        s = _local.session = requests.Session()
    try:
        r = s.post(url, data=body, headers=HEADERS, timeout=60)
        return 200 <= r.status_code < 300
    except Exception:
        return False


async def executor_run(url, bodies, conc):
    loop = asyncio.get_running_loop()
    with ThreadPoolExecutor(max_workers=conc) as pool:
        start = time.perf_counter()
        results = await asyncio.gather(*(loop.run_in_executor(pool, requests_post, url, b) for b in bodies))
        return sum(results), time.perf_counter() - start


def threadpool_run(url, bodies, conc):
    with ThreadPoolExecutor(max_workers=conc) as pool:
        start = time.perf_counter()
        results = list(pool.map(lambda b: requests_post(url, b), bodies))
    return sum(results), time.perf_counter() - start


def thread_per_order_run(url, bodies):
    import requests
    results = [False] * len(bodies)

    def worker(i, b):
        try:
            r = requests.post(url, data=b, headers=HEADERS, timeout=60)
            results[i] = 200 <= r.status_code < 300
        except Exception:
            pass
    threads = [threading.Thread(target=worker, args=(i, b)) for i, b in enumerate(bodies)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(results), time.perf_counter() - start


def sequential_run(url, bodies):
    start = time.perf_counter()
    ok = sum(requests_post(url, b) for b in bodies)
    return ok, time.perf_counter() - start


def main():
    mode, url, path, conc, prefix = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
    bodies = load_bodies(path, prefix)
    if mode == "aio_gather":
        ok, el = asyncio.run(aio_run(url, bodies, conc, False))
    elif mode == "aio_semaphore":
        ok, el = asyncio.run(aio_run(url, bodies, conc, True))
    elif mode == "aio_executor":
        ok, el = asyncio.run(executor_run(url, bodies, conc))
    elif mode == "threadpool":
        ok, el = threadpool_run(url, bodies, conc)
    elif mode == "thread_per_order":
        ok, el = thread_per_order_run(url, bodies)
    elif mode == "sequential":
        ok, el = sequential_run(url, bodies)
    else:
        sys.exit(f"unknown mode {mode}")
    print(json.dumps({"ok": ok, "n": len(bodies), "elapsed": el}))


if __name__ == "__main__":
    main()
