#!/usr/bin/env python3
"""The orders of the disaster-recovery drill (deploy/local/dr-drill.sh).

usage: dr_orders.py before              places 10 orders, waits until each is done; prints the domains
       dr_orders.py after BEFORE_FILE   after the restore: those orders are each still exactly once,
                                        nothing was done again, and 5 new orders go through
"""
import os, sys, time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from orders import Sandbox, maildir, read_env, ready, wait_for  # noqa: E402

VAR = os.environ["HOSTWIRE_VAR"]
sandbox = Sandbox(read_env(f"{VAR}/secrets.env")["HOSTWIRE_API_TOKENS"].split(":", 1)[1])
mailbox = maildir(f"{VAR}/mail")


def place(prefix, count):
    domains = [f"{prefix}{n}-{int(time.time() * 1000)}.example.com" for n in range(count)]
    for domain in domains:
        sandbox.place(domain)
    return domains


if sys.argv[1] == "before":
    domains = place("dr", 10)
    wrong = sandbox.exactly_once(domains, mailbox)
    assert not wrong, wrong
    print("\n".join(domains))
else:
    before = open(sys.argv[2]).read().split()
    wait_for("every service ready on the restored database", lambda: all(ready(p) for p in range(8081, 8088)), 180)
    time.sleep(5)  # long enough for anything a service would wrongly do again to show
    wrong = sandbox.exactly_once(before, mailbox)
    assert not wrong, f"after the restore, not exactly once: {wrong}"
    print(f"restored {len(before)} orders: each still one account on one panel and one welcome email")
    after = place("after", 5)
    wrong = sandbox.exactly_once(after, mailbox)
    assert not wrong, f"new orders on the restored database: {wrong}"
    print(f"new      {len(after)} orders on the restored database: each one account and one welcome email")
