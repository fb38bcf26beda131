"""Places and pays orders on a running sandbox (make up, or docker-compose's sandbox profile)
and reads what came of them, from outside, over the same ports in both: checkout 8081,
provisioning 8082, the Stripe simulator 12111, the panel simulators 2087, 8443 and 2222."""
import glob, json, re, ssl, threading, time, urllib.request

PANEL_PORTS = (2087, 8443, 2222)
_UNVERIFIED = ssl._create_unverified_context()
# Where each port is reached, when not on this host's published port (`reach`).
_ADDRESSES = {}


def reach(port, address):
    """Sends what is meant for `port` to `address` (host:port) instead of 127.0.0.1."""
    _ADDRESSES[port] = address


def at(port, path):
    """The URL of `path` on the service published on `port`."""
    return f"http://{_ADDRESSES.get(port, f'127.0.0.1:{port}')}{path}"


def read_env(path):
    """KEY=VALUE lines of an env file, single quotes taken off."""
    pairs = (line.rstrip("\n").split("=", 1) for line in open(path) if "=" in line and not line.startswith("#"))
    return {key: value.strip("'") for key, value in pairs}


def call(method, url, body=None, token=None, timeout=30):
    request = urllib.request.Request(url, method=method, data=None if body is None else json.dumps(body).encode())
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=timeout, context=_UNVERIFIED) as response:
        text = response.read().decode()
        return json.loads(text) if text.strip()[:1] in "[{" else text


def wait_for(what, check, seconds=120):
    deadline = time.time() + seconds
    while time.time() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.5)
    raise SystemExit(f"timed out waiting for {what}")


def ready(port):
    try:
        return call("GET", at(port, "/ready"), timeout=2) is not None
    except Exception:
        return False


class Load:
    """Customers' actions, each repeated on its own thread until `finish()`: how many went
    through, every failure, and the domains of the orders placed (`order`)."""

    def __init__(self, sandbox):
        self.sandbox, self.stop = sandbox, threading.Event()
        self.counts, self.failures, self.domains, self.threads = {}, [], [], []

    def keep(self, kind, action, pause):
        def loop():
            n = 0
            while not self.stop.is_set():
                try:
                    action(n)
                    self.counts[kind] += 1
                except Exception as error:  # a failed request is what the caller counts
                    self.failures.append(f"{kind} {n}: {error}")
                n += 1
                time.sleep(pause)
        self.counts[kind] = 0
        self.threads.append(threading.Thread(target=loop, daemon=True))
        self.threads[-1].start()

    def order(self, prefix):
        """An action placing one paid order a call."""
        def place(n):
            domain = f"{prefix}{n}-{int(time.time() * 1000)}.example.com"
            self.sandbox.place(domain)
            self.domains.append(domain)
        return place

    def finish(self):
        self.stop.set()
        for thread in self.threads:
            thread.join()


def storefront(_):
    """An action loading the portal's storefront."""
    assert "</html>" in call("GET", at(8087, "/"), timeout=10)


class Sandbox:
    """One sandbox, reached as a customer and as an operator (the admin token)."""

    def __init__(self, token):
        self.token = token
        self.product = next(
            p["id"] for p in call("GET", at(8081, "/api/catalog/products")) if p["slug"] == "starter")

    def place(self, domain):
        """An order for `domain`, paid on the Stripe simulator as a customer would."""
        order = call("POST", at(8081, "/api/orders"), {
            "customer": {"email": f"owner@{domain}", "name": "Sandbox Customer"},
            "product_id": self.product, "billing_cycle": "monthly", "currency": "USD", "domain": domain})
        call("POST", at(12111, f"/__sim/payment_intents/{order['payment']['payment_intent']}/pay"))
        return order

    def accounts(self):
        """Every active account, page by page."""
        found, page = [], 1
        while True:
            batch = call("GET", at(8082, f"/api/accounts?status=active&per_page=500&page={page}"), token=self.token)
            found += batch
            if len(batch) < 500:
                return found
            page += 1

    @staticmethod
    def panel_accounts():
        """Every account the simulated panels hold, as they hold it."""
        return [a for port in PANEL_PORTS for a in call("GET", at(port, "/__sim/accounts"))]

    def exactly_once(self, domains, mailbox, seconds=180):
        """Waits until every domain is one account on one panel with one welcome email in
        `mailbox()` (every message the SMTP sink holds); the domains that are not, if any."""
        wait_for(f"accounts for {len(domains)} orders", lambda: {a["domain"] for a in self.accounts()} >= set(domains), seconds)
        wait_for("every welcome email", lambda: all(welcome_counts(mailbox(), domains).values()), seconds)
        held = [a["domain"] for a in self.panel_accounts()]
        counts = welcome_counts(mailbox(), domains)
        return [d for d in domains if held.count(d) != 1 or counts[d] != 1]


WELCOME = re.compile(r"^Subject: Your hosting for (\S+) is ready", re.M)


def welcome_counts(messages, domains):
    """How many welcome emails each of `domains` has among `messages`."""
    counts = dict.fromkeys(domains, 0)
    for message in messages:
        for domain in WELCOME.findall(message):
            if domain in counts:
                counts[domain] += 1
    return counts


def maildir(folder):
    """A reader of every message in a Maildir on this host (the launcher's SMTP sink)."""
    return lambda: [open(path, errors="replace").read() for path in glob.glob(f"{folder}/new/*") + glob.glob(f"{folder}/cur/*")]
