#!/usr/bin/env python3
"""Zero-downtime replacement under load: customers order and browse the storefront while
checkout, the portal, provisioning and billing are replaced one after another
(`launch.sh replace NAME`, HAProxy in front). No request may fail, and every order must end
as exactly one account on one panel with one welcome email.

usage: swap_load.py   (HOSTWIRE_VAR: the running sandbox's folder, as launch.sh uses it)
"""
import os, subprocess, sys, time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from orders import Load, Sandbox, maildir, read_env, storefront  # noqa: E402

VAR = os.environ["HOSTWIRE_VAR"]
sandbox = Sandbox(read_env(f"{VAR}/secrets.env")["HOSTWIRE_API_TOKENS"].split(":", 1)[1])
load = Load(sandbox)
load.keep("orders", load.order("zd"), 0.2)
load.keep("pages", storefront, 0.02)
load.keep("api", lambda _: sandbox.accounts(), 0.05)
try:
    time.sleep(3)
    for name in ("checkout", "portal", "provisioning", "billing"):
        started = time.time()
        subprocess.run(["deploy/local/launch.sh", "replace", name], check=True, stdout=subprocess.DEVNULL)
        print(f"replaced {name} in {time.time() - started:.1f} s while requests went on", flush=True)
        time.sleep(1)
    time.sleep(2)
finally:
    load.finish()
print(f"requests {load.counts['orders']} orders, {load.counts['pages']} storefront pages, {load.counts['api']} operator "
      f"API calls; {len(load.failures)} failed")
assert not load.failures, load.failures[:10]
wrong = sandbox.exactly_once(load.domains, maildir(f"{VAR}/mail"))
assert not wrong, f"not exactly one account on one panel and one welcome email: {wrong}"
print(f"orders   {len(load.domains)}: each one account on one panel and one welcome email")
