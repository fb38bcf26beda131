#!/usr/bin/env python3
"""Orders through a running sandbox at a fixed rate, timed from outside over HTTP only, so
that the same run can be made against the launcher's processes and docker-compose's
containers (deploy/compose/bench.sh): orders placed per second, and from each payment to its
account being active (p50, p90, max).

usage: orders_bench.py ADMIN_TOKEN ORDERS RATE
"""
import os, sys, threading, time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(__file__))
from orders import Sandbox  # noqa: E402

token, count, rate = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
sandbox = Sandbox(token)
paid, active = {}, {}
lock = threading.Lock()
run = f"b{int(time.time())}"


def order(n):
    domain = f"{run}-{n}.example.com"
    sandbox.place(domain)
    with lock:
        paid[domain] = time.time()


def watch(stop):
    while not stop.is_set() or len(active) < len(paid):
        now = time.time()
        for account in sandbox.accounts():
            with lock:
                if account["domain"] in paid and account["domain"] not in active:
                    active[account["domain"]] = now
        if stop.is_set() and time.time() - last[0] > 120:
            break
        time.sleep(0.1)


last = [time.time()]
stop = threading.Event()
watcher = threading.Thread(target=watch, args=(stop,))
watcher.start()
started = time.time()
with ThreadPoolExecutor(max_workers=16) as pool:
    for n in range(count):
        pool.submit(order, n)
        time.sleep(max(0, started + (n + 1) / rate - time.time()))
placed = time.time() - started
last[0] = time.time()
stop.set()
watcher.join()
latencies = sorted(active[d] - paid[d] for d in active)
q = lambda p: latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000
print(f"{len(paid)} orders at {len(paid) / placed:.1f}/s; {len(active)} active; payment to account: "
      f"p50 {q(0.5):.0f} ms, p90 {q(0.9):.0f} ms, max {latencies[-1] * 1000:.0f} ms")
