#!/usr/bin/env python3
"""Drives the containerised sandbox from outside, as a customer and an operator would.

usage: smoke.py ENV_FILE COMPOSE_COMMAND...   (the command docker-compose is run as)

Places and pays an order through the containerised checkout and checks the account on the
simulated panel, the zone with dig, the certificate with openssl against Pebble's root and
the welcome email; then keeps placing orders while provisioning is replaced by a new image
(`up -d --no-deps --force-recreate provisioning`) and checks that every order became exactly
one account and one welcome email.
"""
import json, re, ssl, subprocess, sys, tempfile, threading, time, urllib.request

ENV = dict(
    (k, v.strip("'")) for k, v in (line.rstrip("\n").split("=", 1) for line in open(sys.argv[1]) if "=" in line and not line.startswith("#")))
COMPOSE = sys.argv[2:]
TOKEN = ENV["HOSTWIRE_API_TOKENS"].split(":", 1)[1]
PANELS = {"cpanel": 2087, "plesk": 8443, "directadmin": 2222}
UNVERIFIED = ssl._create_unverified_context()


def call(method, url, body=None, token=None):
    request = urllib.request.Request(url, method=method, data=None if body is None else json.dumps(body).encode())
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=30, context=UNVERIFIED) as response:
        text = response.read().decode()
        return json.loads(text) if text.strip()[:1] in "[{" else text


def place(domain, product):
    order = call("POST", "http://127.0.0.1:8081/api/orders", {
        "customer": {"email": f"owner@{domain}", "name": "Compose Customer"},
        "product_id": product, "billing_cycle": "monthly", "currency": "USD", "domain": domain})
    call("POST", f"http://127.0.0.1:12111/__sim/payment_intents/{order['payment']['payment_intent']}/pay")
    return order


def wait_for(what, check, seconds=120):
    deadline = time.time() + seconds
    while time.time() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.5)
    sys.exit(f"timed out waiting for {what}")


def accounts():
    return call("GET", "http://127.0.0.1:8082/api/accounts?status=active", token=TOKEN)


def panel_accounts():
    return [a for port in PANELS.values() for a in call("GET", f"http://127.0.0.1:{port}/__sim/accounts")]


def mail():
    out = subprocess.run(COMPOSE + ["exec", "-T", "smtp", "sandbox", "mail"], capture_output=True, text=True, check=True).stdout
    return [m for m in out.split("=== ") if m.strip()]


def welcomes(domain):
    return [m for m in mail() if re.search(rf"^Subject: Your hosting for {re.escape(domain)} is ready", m, re.M)]


def check_chain(domain, product):
    """The first order: account on the panel, zone, certificate and welcome email."""
    place(domain, product)
    account = wait_for(f"the account for {domain}", lambda: next((a for a in accounts() if a["domain"] == domain), None))
    on_panel = [a for a in panel_accounts() if a["domain"] == domain]
    assert len(on_panel) == 1, f"panels hold {on_panel}"
    print(f"account  {domain} on the simulated panel as {on_panel[0]['user']}")
    soa = wait_for(f"the zone of {domain}", lambda: subprocess.run(
        ["dig", "+short", "@127.0.0.1", "-p", "1053", domain, "SOA"], capture_output=True, text=True).stdout.strip())
    print(f"zone     dig @127.0.0.1 -p 1053 {domain} SOA: {soa}")

    def issued():
        listed = call("GET", f"http://127.0.0.1:8083/api/dnsssl/certificates?domain={domain}", token=TOKEN)
        return next((c for c in listed if c.get("status") == "issued"), None)
    listed = wait_for(f"the certificate of {domain}", issued, 180)
    certificate = call("GET", f"http://127.0.0.1:8083/api/dnsssl/certificates/{listed['id']}", token=TOKEN)
    root = call("GET", "https://127.0.0.1:15000/roots/0")
    with tempfile.TemporaryDirectory() as folder:
        pems = re.findall(r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", certificate["certificate"], re.S)
        open(f"{folder}/leaf.pem", "w").write(pems[0] + "\n")
        open(f"{folder}/chain.pem", "w").write("\n".join(pems[1:]) + "\n")
        open(f"{folder}/root.pem", "w").write(root)
        verified = subprocess.run(["openssl", "verify", "-CAfile", f"{folder}/root.pem", "-untrusted", f"{folder}/chain.pem",
                                   f"{folder}/leaf.pem"], capture_output=True, text=True)
        assert verified.returncode == 0, verified.stdout + verified.stderr
    print(f"cert     {domain}: openssl verify against Pebble's root: OK")
    welcome = wait_for(f"the welcome email for {domain}", lambda: welcomes(domain))
    assert len(welcome) == 1 and "(set on first login)" not in welcome[0], welcome
    print(f"mail     welcome email for {domain}, with its password")
    return account


def swap(product):
    """Orders keep coming while provisioning is replaced; each ends as one account and one email."""
    domains, errors = [], []
    stop = threading.Event()

    def keep_ordering():
        n = 0
        while not stop.is_set() or n < 10:
            domain = f"swap{n}-{int(time.time())}.example.com"
            try:
                place(domain, product)
                domains.append(domain)
            except Exception as error:  # a refused order would be a failure of the swap
                errors.append(f"{domain}: {error}")
            n += 1
            time.sleep(0.3)
    orders = threading.Thread(target=keep_ordering)
    orders.start()
    time.sleep(2)
    started = time.time()
    subprocess.run(COMPOSE + ["up", "-d", "--no-deps", "--force-recreate", "provisioning"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for("provisioning to be ready again", lambda: _ready(8082))
    print(f"swap     provisioning replaced by a new container in {time.time() - started:.1f} s while orders were placed")
    time.sleep(2)
    stop.set()
    orders.join()
    assert not errors, errors
    wait_for(f"accounts for {len(domains)} orders", lambda: {a["domain"] for a in accounts()} >= set(domains), 180)
    held = [a["domain"] for a in panel_accounts()]
    doubled = [d for d in domains if held.count(d) != 1]
    assert not doubled, f"not exactly one account on the panels: {doubled}"
    wait_for("every welcome email", lambda: all(welcomes(d) for d in domains), 180)
    twice = [d for d in domains if len(welcomes(d)) != 1]
    assert not twice, f"not exactly one welcome email: {twice}"
    print(f"orders   {len(domains)} placed through the swap: each one account on one panel and one welcome email")


def _ready(port):
    try:
        return call("GET", f"http://127.0.0.1:{port}/ready") is not None
    except Exception:
        return False


product = next(p["id"] for p in call("GET", "http://127.0.0.1:8081/api/catalog/products") if p["slug"] == "starter")
check_chain(f"first-{int(time.time())}.example.com", product)
swap(product)
