#!/usr/bin/env python3
"""Zero-downtime replacement under load: customers order and browse the storefront while
checkout, the portal, provisioning and billing are replaced one after another
(`launch.sh replace NAME`, HAProxy in front). No request may fail, and every order must end
as exactly one account on one panel with one welcome email.

usage: swap_load.py   (HOSTWIRE_VAR: the running sandbox's folder, as launch.sh uses it)
"""
import os, subprocess, sys, threading, time, urllib.error, urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from orders import Sandbox, maildir, read_env  # noqa: E402

VAR = os.environ["HOSTWIRE_VAR"]
sandbox = Sandbox(read_env(f"{VAR}/secrets.env")["HOSTWIRE_API_TOKENS"].split(":", 1)[1])
stop = threading.Event()
domains, failures, counts = [], [], {"orders": 0, "pages": 0, "api": 0}


def keep(kind, action, pause):
    n = 0
    while not stop.is_set():
        try:
            action(n)
            counts[kind] += 1
        except Exception as error:
            failures.append(f"{kind} {n}: {error}")
        n += 1
        time.sleep(pause)


def order(n):
    domain = f"zd{n}-{int(time.time() * 1000)}.example.com"
    sandbox.place(domain)
    domains.append(domain)


def page(_):
    with urllib.request.urlopen("http://127.0.0.1:8087/", timeout=10) as response:
        assert response.status == 200 and b"</html>" in response.read()


def api(_):
    sandbox.accounts()


workers = [threading.Thread(target=keep, args=a, daemon=True)
           for a in (("orders", order, 0.2), ("pages", page, 0.02), ("api", api, 0.05))]
for worker in workers:
    worker.start()
try:
    time.sleep(3)
    for name in ("checkout", "portal", "provisioning", "billing"):
        started = time.time()
        subprocess.run(["deploy/local/launch.sh", "replace", name], check=True, stdout=subprocess.DEVNULL)
        print(f"replaced {name} in {time.time() - started:.1f} s while requests went on", flush=True)
        time.sleep(1)
    time.sleep(2)
finally:
    stop.set()
    for worker in workers:
        worker.join()
print(f"requests {counts['orders']} orders, {counts['pages']} storefront pages, {counts['api']} operator API calls; "
      f"{len(failures)} failed")
assert not failures, failures[:10]
wrong = sandbox.exactly_once(domains, maildir(f"{VAR}/mail"))
assert not wrong, f"not exactly one account on one panel and one welcome email: {wrong}"
print(f"orders   {len(domains)}: each one account on one panel and one welcome email")
