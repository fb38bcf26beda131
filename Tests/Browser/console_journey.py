"""The staff console in a real headless Chromium, against the running sandbox.

Run by deploy/local/browser-test.sh after the customer's journey: the first owner is
invited with the bootstrap token and must set up two-factor before anything opens; the
owner invites support, billing and a viewer; support retries a provisioning task that failed
while the panels were down and sees the account go active; a viewer's terminate is refused
by provisioning and the page says why; billing refunds a payment and the audit log shows it;
the dashboard raises its alarm while the timer does not answer and clears it after. Every
action is checked against its effect (the services' APIs, the Stripe simulator, the audit
table), every page with axe, and each page is saved as a screenshot.
"""
import json
import os
import signal
import subprocess
import time
import unittest
import urllib.error
import urllib.request
import uuid

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select
from selenium.webdriver.support.ui import WebDriverWait

from portal_journey import PASSWORD, PORTAL, SHOTS, browser, click_and_wait, mail_link, mail_text, totp, Axe

VAR = os.environ.get("HOSTWIRE_VAR", "var")
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
BIN = os.environ.get("HOSTWIRE_BIN_DIR") or subprocess.run(["swift", "build", "--show-bin-path"], cwd=ROOT, capture_output=True,
                                                         text=True, check=True).stdout.strip()


def hostwire(*arguments, token):
    """The operator's CLI with `token` (a bootstrap token or a staff API key); answers (exit code, output)."""
    result = subprocess.run([os.path.join(BIN, "hostwire"), *arguments, "--json"], capture_output=True, text=True,
                            env={**os.environ, "HOSTWIRE_API_TOKEN": token})
    return result.returncode, result.stdout + result.stderr
RUN = uuid.uuid4().hex[:8]
SIMULATED_PANELS = ["http://127.0.0.1:2087", "http://127.0.0.1:8443", "http://127.0.0.1:2222"]


def admin_token():
    with open(os.path.join(VAR, "secrets.env")) as handle:
        for line in handle:
            if line.startswith("HOSTWIRE_API_TOKENS=admin:"):
                return line.strip().split("admin:", 1)[1]
    raise AssertionError("no admin token in secrets.env")


def call(method, url, body=None, token=None):
    """A JSON call; answers (status, parsed body)."""
    request = urllib.request.Request(url, method=method, data=None if body is None else json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read()
            return response.status, json.loads(text) if text else None
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def eventually(check, timeout=60, what="the condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"{what} did not happen within {timeout} s")


def psql(statement):
    """Runs `statement` as the cluster's superuser on the sandbox's database."""
    subprocess.run(["psql", os.environ["HOSTWIRE_ADMIN_URL"], "-v", "ON_ERROR_STOP=1", "-q", "-c", statement], check=True)


def psql_value(statement):
    """The single value `statement` answers, as text."""
    return subprocess.run(["psql", os.environ["HOSTWIRE_ADMIN_URL"], "-tA", "-c", statement], capture_output=True, text=True,
                          check=True).stdout.strip()


def open_invoice_beside(invoice, number, starts_in_days):
    """A new open invoice of 12.00 USD for the same subscription as `invoice`; answers its id."""
    new = str(uuid.uuid4())
    psql(f"""INSERT INTO billing.invoices (id, number, subscription_id, customer_id, period_start, period_end, issued_on, due_on,
                                          subtotal, total, currency)
             SELECT '{new}', '{number}', subscription_id, customer_id, current_date + {starts_in_days}, current_date + {starts_in_days + 30},
                    current_date, current_date, 1200, 1200, 'USD' FROM billing.invoices WHERE id = '{invoice}'""")
    return new


def faults(failure_rate):
    return {"latency_ms": 0, "failure_rate": failure_rate, "timeout_rate": 0, "timeout_seconds": 35}


def place_paid_order(domain, email=None):
    """An order placed and paid through the APIs, as the storefront would; answers the order."""
    products = call("GET", "http://127.0.0.1:8081/api/catalog/products")[1]
    product = next(p["id"] for p in products if p["slug"] == "starter")
    status, order = call("POST", "http://127.0.0.1:8081/api/orders", {
        "customer": {"email": email or f"owner@{domain}", "name": "Console Customer"}, "product_id": product,
        "billing_cycle": "monthly", "currency": "USD", "domain": domain})
    assert status == 201, order
    status, _ = call("POST", f"http://127.0.0.1:12111/__sim/payment_intents/{order['payment']['payment_intent']}/pay")
    assert status == 200, status
    return order


class ConsoleJourney(unittest.TestCase):
    """Owner, support, billing and viewer, each in their own browser."""

    drivers = {}
    keys = {}

    @classmethod
    def setUpClass(cls):
        os.makedirs(SHOTS, exist_ok=True)
        cls.token = admin_token()
        cls.emails = {role: f"{role}-{RUN}@staff.test" for role in ["owner", "support", "billing", "viewer"]}

    @classmethod
    def tearDownClass(cls):
        for driver in cls.drivers.values():
            driver.quit()

    def page(self, name, driver):
        axe = Axe(driver)
        axe.inject()
        serious = [v for v in axe.run()["violations"] if v["impact"] in ("serious", "critical")]
        self.assertEqual([], [(v["id"], v["help"], [n["target"] for n in v["nodes"]]) for v in serious], name)
        driver.execute_script("window.scrollTo(0, 0)")
        driver.save_screenshot(os.path.join(SHOTS, f"console-{name}.png"))

    def fill(self, driver, fields, submit="main button[type=submit]"):
        for name, value in fields.items():
            element = driver.find_element(By.NAME, name)
            element.clear()
            element.send_keys(value)
        click_and_wait(driver, submit)

    def heading(self, driver):
        return driver.find_element(By.TAG_NAME, "h1").text

    def accept_invitation(self, role, link, screenshots=False):
        """Opens the invitation in a new browser, sets the password, logs in and sets up two-factor."""
        driver = self.drivers[role] = browser()
        driver.get(link)
        self.assertIn("Welcome", self.heading(driver))
        if screenshots:
            self.page("invitation", driver)
        self.fill(driver, {"password": PASSWORD})
        self.assertEqual("Staff login", self.heading(driver))
        self.fill(driver, {"email": self.emails[role], "password": PASSWORD})
        self.assertEqual("Set up two-factor login", self.heading(driver))
        if screenshots:
            self.page("two-factor-setup", driver)
        # Nothing opens before two-factor is on: the half-done login is dropped.
        driver.get(PORTAL + "/console/accounts")
        self.assertEqual("Staff login", self.heading(driver))
        self.fill(driver, {"email": self.emails[role], "password": PASSWORD})
        key = self.keys[role] = driver.find_element(By.ID, "totp-key").text
        self.fill(driver, {"code": "000000"})
        self.assertIn("not the one your app shows", driver.page_source)
        self.fill(driver, {"code": totp(key)})
        self.assertEqual("Your recovery codes", self.heading(driver))
        self.assertEqual(10, len(driver.find_elements(By.CSS_SELECTOR, "#recovery-codes code")))
        if screenshots:
            self.page("recovery-codes", driver)
        click_and_wait(driver, "main a.button")
        self.assertEqual("Dashboard", self.heading(driver))
        return driver

    def test_1_the_first_owner_is_invited_with_the_bootstrap_token(self):
        body = {"email": self.emails["owner"], "name": "Olive Owner", "role": "owner"}
        self.assertEqual(401, call("POST", PORTAL + "/api/portal/staff/invitations", body)[0])
        since = time.time() - 1
        code, output = hostwire("staff", "invite", "--email", body["email"], "--name", body["name"], token=self.token)
        self.assertEqual(0, code, output)
        invited = json.loads(output)
        self.assertEqual(409, call("POST", PORTAL + "/api/portal/staff/invitations", body, self.token)[0])
        link = mail_link(self.emails["owner"], "invited to the", since)
        self.assertEqual(invited["invitation_url"], link)
        stranger = browser()
        try:
            stranger.get(PORTAL + "/console")
            self.assertEqual("Staff login", self.heading(stranger))
            self.page("login", stranger)
        finally:
            stranger.quit()
        owner = self.accept_invitation("owner", link, screenshots=True)
        self.page("dashboard", owner)
        # The link worked once.
        owner.get(link)
        self.assertEqual("This invitation does not work", self.heading(owner))

    def test_2_the_owner_invites_support_billing_and_a_viewer(self):
        owner = self.drivers["owner"]
        links = {}
        for role, name in [("support", "Sam Support"), ("billing", "Bea Billing"), ("viewer", "Vic Viewer")]:
            owner.get(PORTAL + "/console/staff")
            since = time.time() - 1
            owner.find_element(By.CSS_SELECTOR, f'select[name=role] option[value="{role}"]').click()
            self.fill(owner, {"name": name, "email": self.emails[role]}, submit='form[action="/console/staff/invite"] button')
            self.assertIn("Invitation emailed", owner.page_source)
            links[role] = mail_link(self.emails[role], "invited to the", since)
        self.page("staff", owner)
        self.assertEqual(1, len(owner.find_elements(By.CSS_SELECTOR, "#my-sessions tbody tr")))
        for role, link in links.items():
            self.accept_invitation(role, link)
        # Only owners manage staff: support sees no invitation form, and a forged one is refused.
        support = self.drivers["support"]
        support.get(PORTAL + "/console/staff")
        self.assertFalse(support.find_elements(By.CSS_SELECTOR, 'form[action="/console/staff/invite"]'))

    def test_3_support_retries_a_provisioning_task_that_failed_while_the_panels_were_down(self):
        for panel in SIMULATED_PANELS:
            self.assertEqual(200, call("PUT", panel + "/__sim/faults", faults(1.0))[0])
        domain = f"retry-{RUN}.example"
        try:
            place_paid_order(domain)

            def failed_account():
                accounts = call("GET", "http://127.0.0.1:8082/api/accounts?status=failed&per_page=100", token=self.token)[1]
                return next((a for a in accounts if a["domain"] == domain), None)

            failed = eventually(failed_account, 120, "the provisioning's last failure")

            def failed_task():
                items = call("GET", "http://127.0.0.1:8082/api/provisioning/tasks?status=failed&per_page=100", token=self.token)[1]["items"]
                return next((t for t in items if failed["id"] in t["payload"]), None)

            task = eventually(failed_task, 30, "the failed task")
        finally:
            for panel in SIMULATED_PANELS:
                call("PUT", panel + "/__sim/faults", faults(0))
        support = self.drivers["support"]
        support.get(PORTAL + "/console")
        support.get(PORTAL + "/console/tasks")
        self.assertIn(task["id"], support.page_source)
        self.page("tasks", support)
        click_and_wait(support, f'form[action="/console/tasks/provisioning/{task["id"]}/retry"] button')
        self.assertIn("1 task queued again", support.page_source)

        def account():
            accounts = call("GET", "http://127.0.0.1:8082/api/accounts?status=active&per_page=100", token=self.token)[1]
            return next((a for a in accounts if a["domain"] == domain), None)

        type(self).account = eventually(account, 60, "the account going active")
        support.get(PORTAL + f"/console/accounts/{self.account['id']}")
        self.assertEqual("active", support.find_element(By.ID, "account-status").text)
        self.page("account", support)

    def test_4_a_viewer_cannot_terminate_and_the_page_says_why(self):
        viewer = self.drivers["viewer"]
        viewer.get(PORTAL + f"/console/accounts/{self.account['id']}")
        button = viewer.find_element(By.CSS_SELECTOR, "#action-terminate button")
        self.assertFalse(button.is_enabled())
        # Past the page's own hint: provisioning itself refuses the viewer's token.
        viewer.execute_script("document.querySelector('#action-terminate button').disabled = false")
        viewer.find_element(By.ID, "reason-terminate").send_keys("trying what a viewer may not")
        viewer.find_element(By.CSS_SELECTOR, "#action-terminate input[type=checkbox]").click()
        click_and_wait(viewer, "#action-terminate button")
        self.assertIn("Your role (viewer) may not terminate", viewer.page_source)
        self.page("refused", viewer)
        status, account = call("GET", f"http://127.0.0.1:8082/api/accounts/{self.account['id']}", token=self.token)
        self.assertEqual("active", account["status"])
        # Support may suspend (with a reason, confirmed), and provisioning records who did it.
        support = self.drivers["support"]
        support.get(PORTAL + f"/console/accounts/{self.account['id']}")
        support.find_element(By.ID, "reason-suspend").send_keys("abuse report 4711")
        support.find_element(By.CSS_SELECTOR, "#action-suspend input[type=checkbox]").click()
        click_and_wait(support, "#action-suspend button")
        eventually(lambda: call("GET", f"http://127.0.0.1:8082/api/accounts/{self.account['id']}", token=self.token)[1]["status"]
                   == "suspended", 60, "the suspension")
        actions = call("GET", f"http://127.0.0.1:8082/api/accounts/{self.account['id']}/actions", token=self.token)[1]["items"]
        self.assertEqual(f"staff:{self.emails['support']}", actions[0]["actor"])

    def test_4a_an_api_key_acts_in_its_owners_name_within_its_scopes(self):
        support = self.drivers["support"]
        support.get(PORTAL + "/console/api-keys")
        self.fill(support, {"name": "nightly script", "networks": "not-a-network"}, submit="#new-key-form button")
        self.assertIn("is not a network", support.page_source)
        support.find_element(By.NAME, "scope-manageAccounts").click()
        self.fill(support, {"name": "nightly script", "networks": "127.0.0.0/8"}, submit="#new-key-form button")
        key = support.find_element(By.ID, "new-key").text
        self.assertTrue(key.startswith("hwk_"), key)
        self.page("api-keys", support)
        account = self.account["id"]
        code, output = hostwire("accounts", "unsuspend", account, token=key)
        self.assertEqual(0, code, output)
        eventually(lambda: call("GET", f"http://127.0.0.1:8082/api/accounts/{account}", token=self.token)[1]["status"] == "active",
                   60, "the unsuspension")
        actions = call("GET", f"http://127.0.0.1:8082/api/accounts/{account}/actions", token=self.token)[1]["items"]
        self.assertEqual(f"staff:{self.emails['support']}", actions[0]["actor"], "the key's owner, not $USER")
        # Provisioning reports the CLI's change to the portal's audit log, naming the key's owner.
        owner = self.drivers["owner"]

        def audited():
            owner.get(PORTAL + f"/console/audit?action=api-call&actor=staff:{self.emails['support']}")
            return f"provisioning POST /api/accounts/{account}/unsuspend" in owner.page_source

        eventually(audited, 30, "the CLI's unsuspension in the audit log")
        self.assertEqual("1", psql_value(f"SELECT count(*) FROM portal.audit_log WHERE action = 'api-call' "
                                         f"AND target LIKE '%/{account}/unsuspend'"), "recorded once")
        # Within the role: support may not terminate, whatever the key says; and within the key: no task retries.
        code, output = hostwire("accounts", "terminate", account, token=key)
        self.assertNotEqual(0, code)
        self.assertIn("may not do this", output)
        code, output = hostwire("tasks", "retry", "--service", "provisioning", str(uuid.uuid4()), token=key)
        self.assertIn("scopes do not include operateTasks", output)
        # Revoked, it opens nothing.
        click_and_wait(support, "#keys form button")
        code, output = hostwire("accounts", "list", token=key)
        self.assertNotEqual(0, code)
        self.assertIn("401", output)

    def test_4b_support_backs_the_account_up_and_restores_it(self):
        support = self.drivers["support"]
        account = self.account["id"]
        api = f"http://127.0.0.1:8082/api/accounts/{account}"
        # 30 measured days (the sync itself: Tests/IntegrationTests/UsageSyncTests): drawn on the account's page.
        psql("INSERT INTO provisioning.account_usage SELECT id, current_date - g, 430 - g, 1024, greatest(1500 - 50 * g, 0), 10240 "
             f"FROM provisioning.accounts, generate_series(0, 29) g WHERE id = '{account}' ON CONFLICT DO NOTHING")
        support.get(PORTAL + f"/console/accounts/{account}")
        self.assertEqual(2, len(support.find_elements(By.CSS_SELECTOR, "svg.chart")))
        self.assertIn("No backup of this account yet", support.page_source)
        support.find_element(By.ID, "reason-backups").send_keys("before the customer's plugin update")
        support.find_element(By.CSS_SELECTOR, "#action-backups input[type=checkbox]").click()
        click_and_wait(support, "#action-backups button")

        def completed():
            items = call("GET", api + "/backups", token=self.token)[1]["items"]
            return [b for b in items if b["status"] == "completed"]

        backup = eventually(completed, 60, "the backup")[0]
        self.assertEqual(f"staff:{self.emails['support']}", backup["requested_by"])
        support.get(PORTAL + f"/console/accounts/{account}")
        self.assertEqual(1, len(support.find_elements(By.CSS_SELECTOR, "#backups tbody tr")))
        # Restore it: a safety backup first, and the account active again afterwards.
        Select(support.find_element(By.ID, "backup-restore")).select_by_value(backup["id"])
        support.find_element(By.ID, "reason-restore").send_keys("the plugin update broke the shop")
        support.find_element(By.CSS_SELECTOR, "#action-restore input[type=checkbox]").click()
        click_and_wait(support, "#action-restore button")
        eventually(lambda: [r for r in call("GET", api + "/backups", token=self.token)[1]["restores"] if r["step"] == "done"],
                   60, "the restore")
        listed = call("GET", api + "/backups", token=self.token)[1]
        self.assertEqual(["manual", "safety"], sorted(b["kind"] for b in listed["items"]))
        self.assertEqual("active", call("GET", api, token=self.token)[1]["status"])
        support.get(PORTAL + f"/console/accounts/{account}")
        self.assertEqual(1, len(support.find_elements(By.CSS_SELECTOR, "#restores tbody tr")))
        self.page("account-backups", support)
        support.execute_script("document.getElementById('backups-heading').scrollIntoView()")
        support.save_screenshot(os.path.join(SHOTS, "account-backups.png"))
        self.assertEqual("1", psql_value("SELECT count(*) FROM portal.audit_log WHERE action = 'account.restore'"))

    def test_5_billing_refunds_a_payment_and_the_audit_log_shows_it(self):
        domain = f"refund-{RUN}.example"
        order = place_paid_order(domain)

        def paid_invoice():
            invoices = call("GET", "http://127.0.0.1:8085/api/billing/invoices?status=paid&per_page=100", token=self.token)[1]
            for invoice in invoices:
                detail = call("GET", f"http://127.0.0.1:8085/api/billing/invoices/{invoice['id']}", token=self.token)[1]
                if any(domain in line["description"] for line in detail.get("lines", [])):
                    return detail
            return None

        invoice = eventually(paid_invoice, 60, "the paid invoice")
        payment = invoice["payments"][0]
        payment["id"] = payment["id"].lower()
        billing = self.drivers["billing"]
        billing.get(PORTAL + "/console/invoices")
        self.page("invoices", billing)
        billing.get(PORTAL + f"/console/invoices/{invoice['id']}")
        self.page("invoice", billing)
        billing.find_element(By.ID, f"reason-{payment['id']}").send_keys("customer asked within 30 days")
        billing.find_element(By.CSS_SELECTOR, f"#refund-{payment['id']} input[type=checkbox]").click()
        click_and_wait(billing, f"#refund-{payment['id']} button")
        self.assertIn("refunded", billing.page_source)
        detail = call("GET", f"http://127.0.0.1:8085/api/billing/invoices/{invoice['id']}", token=self.token)[1]
        self.assertEqual(payment["amount"], detail["payments"][0]["refunded"])
        status, refunds = call("GET", f"http://127.0.0.1:12111/v1/refunds?payment_intent={order['payment']['payment_intent']}",
                               token="sk_test_sandbox")
        self.assertEqual(200, status, refunds)
        self.assertEqual(1, len(refunds["data"]), refunds)
        # The refund is a numbered credit note against the invoice, shown beside it.
        notes = detail["credit_notes"]
        self.assertEqual(["refund"], [note["settlement"] for note in notes], notes)
        self.assertTrue(notes[0]["number"].startswith("CN-"), notes)
        self.assertIn(notes[0]["number"], billing.find_element(By.ID, "credit-notes").text)
        owner = self.drivers["owner"]
        owner.get(PORTAL + f"/console/audit?actor=staff:{self.emails['billing']}")
        self.assertIn("payment.refund", owner.page_source)
        self.assertIn("customer asked within 30 days", owner.page_source)
        self.page("audit", owner)
        # A bank transfer for an open invoice, recorded once by its reference.
        open_invoice = open_invoice_beside(invoice["id"], f"INV-T{RUN}", 30)
        billing.get(PORTAL + f"/console/invoices/{open_invoice}")
        self.fill(billing, {"amount": "12.00", "reference": f"BANK-{RUN}"}, submit="#mark-paid button")
        self.assertEqual("paid", call("GET", f"http://127.0.0.1:8085/api/billing/invoices/{open_invoice}", token=self.token)[1]["status"])
        # An invoice sent in error is voided, with the reason kept beside it.
        void_invoice = open_invoice_beside(invoice["id"], f"INV-V{RUN}", 90)
        billing.get(PORTAL + f"/console/invoices/{void_invoice}")
        billing.find_element(By.ID, "void-reason").send_keys("sent twice by mistake")
        billing.find_element(By.CSS_SELECTOR, "#void input[type=checkbox]").click()
        click_and_wait(billing, "#void button")
        self.assertEqual("cancelled", billing.find_element(By.ID, "invoice-status").text)
        self.assertFalse(billing.find_elements(By.ID, "void"))
        voided = psql_value(f"SELECT voided_by || '|' || void_reason FROM billing.invoices WHERE id = '{void_invoice}'")
        self.assertEqual(f"staff:{self.emails['billing']}|sent twice by mistake", voided)
        owner.get(PORTAL + "/console/audit?action=account.terminate")
        self.assertIn("Nothing recorded matches", owner.page_source, "a refused action changes nothing, so nothing is recorded")

    def test_6_the_dashboard_raises_its_alarm_while_the_timer_does_not_answer(self):
        owner = self.drivers["owner"]
        owner.get(PORTAL + "/console")
        self.assertFalse(owner.find_elements(By.ID, "timer-alarm"))
        charts = owner.find_elements(By.CSS_SELECTOR, "svg.chart")
        self.assertEqual(4, len(charts))
        today = time.strftime("%Y-%m-%d", time.gmtime())
        paid_today = owner.find_element(By.CSS_SELECTOR, "svg.chart rect:last-of-type title").get_attribute("textContent")
        self.assertTrue(paid_today.startswith(today) and not paid_today.endswith(": 0"), paid_today)
        self.page("dashboard-charts", owner)
        owner.execute_script("document.querySelector('.charts').scrollIntoView()")
        owner.save_screenshot(os.path.join(SHOTS, "console-charts.png"))
        with open(os.path.join(VAR, "run", "timer.pid")) as handle:
            timer = int(handle.read().strip())
        os.kill(timer, signal.SIGSTOP)
        try:
            owner.get(PORTAL + "/console")
            self.assertTrue(owner.find_elements(By.ID, "timer-alarm"))
            self.page("dashboard-alarm", owner)
        finally:
            os.kill(timer, signal.SIGCONT)
        # The page refreshes its figures by itself: the alarm goes once the timer answers.
        WebDriverWait(owner, 30).until(lambda d: not d.find_elements(By.ID, "timer-alarm"))

    def test_6a_support_logs_in_as_a_customer_who_sees_it(self):
        customer = self.drivers["customer"] = browser()
        email = f"cleo-{RUN}@example.test"
        customer.get(PORTAL + "/signup")
        since = time.time() - 1
        self.fill(customer, {"name": "Cleo Customer", "email": email, "password": PASSWORD})
        customer.get(mail_link(email, "Confirm your email", since))
        click_and_wait(customer, "main button[type=submit]")
        support = self.drivers["support"]
        support.get(PORTAL + "/console/customers")
        self.fill(support, {"q": "cleo-"}, submit="main form button")
        self.page("customers", support)
        click_and_wait(support, "table.list tbody a")
        self.assertEqual("Cleo Customer", self.heading(support))
        self.page("customer", support)
        self.fill(support, {"reason": "ticket 1234: cannot find the invoice"}, submit="#log-in-as button")
        self.assertEqual("Your services", self.heading(support))
        self.assertIn("Staff view: Sam Support (support)", support.page_source)
        self.page("staff-view", support)
        # It only looks: the customer's settings stay theirs.
        support.get(PORTAL + "/account/two-factor")
        click_and_wait(support, "main form button[type=submit]")
        self.assertIn("A staff view only looks", support.page_source)
        customer.get(PORTAL + "/account/security")
        self.assertIn("ticket 1234: cannot find the invoice", customer.find_element(By.ID, "staff-views").text)
        owner = self.drivers["owner"]
        owner.get(PORTAL + "/console/audit?action=customer.log-in-as")
        self.assertIn(email, owner.page_source)
        # Support keeps a note on the customer, for whoever picks up the next ticket.
        support.get(PORTAL + "/console/customers?q=cleo-")
        click_and_wait(support, "table.list tbody a")
        self.fill(support, {"note": "Called about the invoice; prefers email."}, submit="#add-note button")
        self.assertIn("Called about the invoice; prefers email.", support.find_element(By.CSS_SELECTOR, "ol.notes").text)
        self.assertIn("Sam Support", support.find_element(By.CSS_SELECTOR, "ol.notes").text)
        self.page("customer-notes", support)
        owner.get(PORTAL + "/console/audit?action=customer.note-added")
        self.assertIn(email, owner.page_source)
        # A viewer is offered no such thing, and a forged request is refused.
        viewer = self.drivers["viewer"]
        viewer.get(PORTAL + "/console/customers?q=cleo-")
        click_and_wait(viewer, "table.list tbody a")
        self.assertFalse(viewer.find_elements(By.ID, "log-in-as"))
        self.assertFalse(viewer.find_elements(By.ID, "add-note"))
        self.assertIn("Called about the invoice", viewer.page_source)

    def test_6b_servers_drain_and_answer_a_health_check(self):
        owner = self.drivers["owner"]
        owner.get(PORTAL + "/console/servers")
        servers = call("GET", "http://127.0.0.1:8082/api/servers", token=self.token)[1]
        whm = next(server for server in servers if server["name"] == "whm1")
        row = f'form[action="/console/servers/{whm["id"].lower()}/status"]'
        owner.find_element(By.CSS_SELECTOR, f'{row} option[value="draining"]').click()
        click_and_wait(owner, f"{row} button")
        self.assertIn("The server is draining now", owner.page_source)
        self.assertEqual("draining", call("GET", f"http://127.0.0.1:8082/api/servers/{whm['id']}", token=self.token)[1]["status"])
        self.page("servers", owner)
        owner.find_element(By.CSS_SELECTOR, f'{row} option[value="active"]').click()
        click_and_wait(owner, f"{row} button")
        click_and_wait(owner, f'form[action="/console/servers/{whm["id"].lower()}/health"] button')
        self.assertIn("Healthy: the panel answered", owner.page_source)
        self.assertIn("answered", owner.find_element(By.ID, "servers").text)
        # A new server: its secret goes to provisioning, sealed there; the audit log keeps the rest.
        owner.find_element(By.CSS_SELECTOR, '#server-panel option[value="cpanel"]').click()
        self.fill(owner, {"name": f"whm-{RUN}", "hostname": f"whm-{RUN}.sandbox.test", "ip": "192.0.2.11",
                          "api_url": "http://127.0.0.1:2087", "api_username": "root", "api_secret": "sandbox-whm-token",
                          "server_group": f"spare-{RUN}", "max_accounts": "10"}, submit="#add-server button")
        self.assertIn("is added and takes accounts now", owner.page_source)
        added = next(server for server in call("GET", "http://127.0.0.1:8082/api/servers", token=self.token)[1]
                     if server["name"] == f"whm-{RUN}")
        self.assertEqual((f"spare-{RUN}", 10), (added["server_group"], added["max_accounts"]))
        click_and_wait(owner, f'form[action="/console/servers/{added["id"].lower()}/health"] button')
        self.assertIn("Healthy: the panel answered", owner.page_source)
        audit = psql_value("SELECT after::text FROM portal.audit_log WHERE action = 'server.added'")
        self.assertIn(f"whm-{RUN}", audit)
        self.assertNotIn("sandbox-whm-token", audit)
        owner.get(PORTAL + "/console")
        self.assertIn("answered", owner.page_source)
        # Support may look, and check health, but not change servers.
        support = self.drivers["support"]
        support.get(PORTAL + "/console/servers")
        self.assertFalse(support.find_elements(By.CSS_SELECTOR, "#servers select"))
        self.assertFalse(support.find_elements(By.ID, "add-server"))
        support.get(PORTAL + "/console/dead-letters")
        self.assertIn("No message is waiting", support.page_source)
        self.page("dead-letters", support)
        # Who is near a limit: a day as the usage sync stores it, shown with its meters.
        account = psql_value("SELECT id FROM provisioning.accounts WHERE status = 'active' ORDER BY created_at LIMIT 1")
        # (as the latest day: the journey's timer may have run the real sync already)
        psql(f"INSERT INTO provisioning.account_usage SELECT '{account}', coalesce(max(day), current_date), 950, 1024, 200, "
             "10240 FROM provisioning.account_usage ON CONFLICT (account_id, day) DO UPDATE SET disk_mb = 950, disk_limit_mb = 1024")
        support.get(PORTAL + "/console/usage")
        self.assertIn("92%", support.find_element(By.ID, "usage").text)
        self.page("usage", support)

    def test_6c_the_catalog_and_certificates(self):
        owner = self.drivers["owner"]
        owner.get(PORTAL + "/console/catalog")
        slug = f"pro-{RUN}"
        self.fill(owner, {"name": "Pro Hosting", "slug": slug, "panel_plan": "pro", "price-monthly": "9.5", "price-annual": "99"},
                  submit="#new-product button")
        self.assertIn("is on sale now", owner.page_source)
        self.page("catalog", owner)
        product = next(p for p in call("GET", "http://127.0.0.1:8081/api/catalog/products")[1] if p["slug"] == slug)
        self.assertEqual({("monthly", 950), ("annual", 9900)}, {(p["billing_cycle"], p["amount"]) for p in product["prices"]})
        # A new monthly price, for new orders; the annual one stays.
        prices = f'#prices-{product["id"].lower()}-USD'
        owner.find_element(By.XPATH, f'//form[@id="prices-{product["id"].lower()}-USD"]/parent::details/summary').click()
        field = owner.find_element(By.ID, f'price-{product["id"].lower()}-USD-monthly')
        self.assertEqual("9.50", field.get_attribute("value"))
        field.clear()
        field.send_keys("10.25")
        click_and_wait(owner, f"{prices} button")
        self.assertIn("New USD prices are in the storefront", owner.page_source)
        product = call("GET", f"http://127.0.0.1:8081/api/catalog/products/{product['id']}")[1]
        self.assertEqual({("monthly", 1025), ("annual", 9900)}, {(p["billing_cycle"], p["amount"]) for p in product["prices"]})
        row = f'form[action="/console/catalog/{product["id"].lower()}/retire"]'
        owner.find_element(By.CSS_SELECTOR, f"{row} input[type=checkbox]").click()
        click_and_wait(owner, f"{row} button")
        self.assertFalse(any(p["slug"] == slug for p in call("GET", "http://127.0.0.1:8081/api/catalog/products")[1]))
        owner.get(PORTAL + "/console/dns")
        self.page("dns", owner)
        certificate = owner.find_element(By.CSS_SELECTOR, "#certificates form")
        click_and_wait(owner, "#certificates form button")
        self.assertIn("A new certificate is being ordered", owner.page_source)

    def test_6d_an_edited_template_is_the_next_email(self):
        owner = self.drivers["owner"]
        owner.get(PORTAL + "/console/templates")
        self.page("templates", owner)
        owner.get(PORTAL + "/console/templates/staff-invitation")
        self.fill(owner, {"subject": "Join {{company_name}}, {{customer_name"}, submit='button[name="preview"]')
        self.assertIn("does not parse", owner.page_source)
        self.fill(owner, {"subject": "Join the {{company_name}} console, {{customer_name}}"}, submit='button[name="preview"]')
        self.assertEqual("Join the Hostwire console, Ada Lovelace", owner.find_element(By.ID, "preview-subject").text)
        self.page("template", owner)
        since = time.time() - 1
        click_and_wait(owner, "#send-test")
        self.assertIn(f"on its way to {self.emails['owner']}", owner.page_source)
        mail_text(self.emails["owner"], "[Test] Join the Hostwire console, Ada Lovelace", since)
        click_and_wait(owner, "#save")
        self.assertIn("Version 1 is in force", owner.page_source)
        self.assertEqual(1, call("GET", "http://127.0.0.1:8084/api/mail/templates/staff-invitation", token=self.token)[1]["version"])
        owner.get(PORTAL + "/console/staff")
        since = time.time() - 1
        owner.find_element(By.CSS_SELECTOR, 'select[name=role] option[value="viewer"]').click()
        self.fill(owner, {"name": "Nia New", "email": f"nia-{RUN}@staff.test"}, submit='form[action="/console/staff/invite"] button')
        self.assertIn("Invitation emailed", owner.page_source)
        mail_text(f"nia-{RUN}@staff.test", "Join the Hostwire console, Nia New", since)

    def test_6e_billing_runs_sets_tax_and_keeps_a_service_from_cancelling(self):
        billing = self.drivers["billing"]
        billing.get(PORTAL + "/console/billing")
        self.assertIn("Account suspended", billing.find_element(By.ID, "dunning").text)
        self.fill(billing, {"country": "de", "name": "USt", "percent": "19"}, submit="#set-tax-rate button")
        self.assertIn("DE: USt 19% from the next invoice on", billing.page_source)
        rates = call("GET", "http://127.0.0.1:8085/api/billing/tax-rates", token=self.token)[1]
        self.assertIn({"country": "DE", "name": "USt", "basis_points": 1900}, rates)
        click_and_wait(billing, "#run-billing button")
        self.assertIn("Billing ran for", billing.page_source)
        runs = call("GET", "http://127.0.0.1:8085/api/billing/runs?per_page=5", token=self.token)[1]
        self.assertEqual("api", runs[0]["trigger"])
        # A service set to end at its term: on the dashboard, listed on the billing page, kept on request.
        domain = f"keep-{RUN}.example"
        place_paid_order(domain)

        def subscription():
            items = call("GET", "http://127.0.0.1:8085/api/billing/subscriptions?per_page=100&status=active", token=self.token)[1]
            return next((s for s in items if s["domain"] == domain), None)

        sub = eventually(subscription, 60, "the subscription")
        status, _ = call("POST", f"http://127.0.0.1:8085/api/billing/subscriptions/{sub['id']}/cancellation",
                         {"when": "end_of_term", "actor": "customer"}, token=self.token)
        self.assertEqual(200, status)
        owner = self.drivers["owner"]
        owner.get(PORTAL + "/console")
        self.assertNotEqual("0", owner.find_element(By.ID, "pending-cancellations").text)
        self.assertIn("Charges declined", owner.find_element(By.ID, "today").text)
        billing.get(PORTAL + "/console/billing")
        self.assertIn(domain, billing.find_element(By.ID, "cancellation-list").text)
        self.page("billing", billing)
        billing.find_element(By.ID, f"withdraw-reason-{sub['id'].lower()}").send_keys("customer changed their mind on the phone")
        click_and_wait(billing, f"#withdraw-{sub['id'].lower()} button")
        self.assertIn("The cancellation is withdrawn", billing.page_source)
        self.assertIsNone(subscription().get("cancel_on"))
        # A viewer sees all of it and may run nothing.
        viewer = self.drivers["viewer"]
        viewer.get(PORTAL + "/console/billing")
        self.assertFalse(viewer.find_element(By.CSS_SELECTOR, "#run-billing button").is_enabled())
        owner.get(PORTAL + "/console/audit?action=cancellation.withdrawn")
        self.assertIn("customer changed their mind", owner.page_source)
        # On the phone, a customer asks billing to end a service: from the customer's page, with a reason.
        cleo_domain = f"cleo-{RUN}.example"
        place_paid_order(cleo_domain, email=f"cleo-{RUN}@example.test")

        def cleo_subscription():
            items = call("GET", "http://127.0.0.1:8085/api/billing/subscriptions?per_page=100&status=active", token=self.token)[1]
            return next((s for s in items if s["domain"] == cleo_domain), None)

        sub = eventually(cleo_subscription, 60, "Cleo's subscription")
        billing.get(PORTAL + "/console/customers?q=cleo-")
        click_and_wait(billing, "table.list tbody a")
        self.assertIn(cleo_domain, billing.find_element(By.ID, "subscriptions").find_element(By.XPATH, "..").text)
        self.assertTrue(billing.find_elements(By.ID, "payments"))
        # A goodwill credit for the trouble, taken by her next invoice first.
        self.fill(billing, {"amount": "5.00", "reason": "sorry for the phone queue"}, submit="#credit button")
        self.assertIn("credit $5.00", billing.find_element(By.ID, "credit-balance").text)
        owner.get(PORTAL + "/console/audit?action=customer.credit-granted")
        self.assertIn("sorry for the phone queue", owner.page_source)
        form = f"#cancel-{sub['id'].lower()}"
        billing.find_element(By.ID, f"cancel-reason-{sub['id'].lower()}").send_keys("asked by phone, ticket 77")
        billing.find_element(By.CSS_SELECTOR, f"{form} input[type=checkbox]").click()
        self.page("customer-billing", billing)
        click_and_wait(billing, f"{form} button")
        self.assertIn("ends", billing.page_source)
        self.assertIsNotNone(cleo_subscription()["cancel_on"])
        owner.get(PORTAL + "/console/audit?action=subscription.cancelled")
        self.assertIn("ticket 77", owner.page_source)
        # Support sees the service but may not end it.
        support = self.drivers["support"]
        support.get(PORTAL + "/console/customers?q=cleo-")
        click_and_wait(support, "table.list tbody a")
        self.assertFalse(support.find_elements(By.CSS_SELECTOR, "form[id^=cancel-]"))

    def test_6eb_an_erasure_is_carried_out_everywhere_but_the_invoices(self):
        email = f"erin-{RUN}@example.test"
        domain = f"erin-{RUN}.example"
        place_paid_order(domain, email)

        def subscription():
            items = call("GET", "http://127.0.0.1:8085/api/billing/subscriptions?per_page=100&status=active", token=self.token)[1]
            return next((s for s in items if s["domain"] == domain), None)

        sub = eventually(subscription, 60, "the subscription")
        # The customer signs up with the address they ordered with, and asks to be forgotten.
        customer = browser()
        try:
            since = time.time() - 1
            customer.get(PORTAL + "/signup")
            self.fill(customer, {"name": "Erin Example", "email": email, "password": PASSWORD})
            customer.get(mail_link(email, "Confirm your email", since))
            click_and_wait(customer, "main button[type=submit]")
            customer.get(PORTAL + "/account/data")
            click_and_wait(customer, 'form[action="/account/data/erasure"] button')
            payment_customer = psql_value(f"SELECT payment_customer FROM checkout.customers WHERE email = '{email}'")
            self.assertTrue(payment_customer.startswith("cus_"), payment_customer)
            owner = self.drivers["owner"]
            owner.get(PORTAL + "/console/customers?q=erin-")
            click_and_wait(owner, "table.list tbody a")
            self.page("customer-erasure", owner)
            # Not while a service runs for them.
            owner.find_element(By.NAME, "confirm-erasure").click()
            click_and_wait(owner, "#erase button")
            self.assertIn("service(s) still run for this customer", owner.page_source)
            status, _ = call("POST", f"http://127.0.0.1:8085/api/billing/subscriptions/{sub['id']}/cancellation",
                             {"when": "now", "actor": "customer"}, token=self.token)
            self.assertEqual(200, status)
            eventually(lambda: subscription() is None, 30, "the subscription to end")
            owner.find_element(By.NAME, "confirm-erasure").click()
            click_and_wait(owner, "#erase button")
            self.assertIn("issued invoices kept", owner.find_element(By.ID, "erased").text)
            self.assertEqual("Erased customer", self.heading(owner))
            # Each service forgets them; the invoices keep whom they were issued to.
            forgotten = {
                "checkout": f"SELECT count(*) FROM checkout.customers WHERE email = '{email}' OR payment_customer IS NOT NULL AND email LIKE 'erased-%'",
                "billing": f"SELECT count(*) FROM billing.customers WHERE email = '{email}' OR name = 'Erin Example'",
                "mail": f"SELECT count(*) FROM mail.messages WHERE lower(recipient) = '{email}'",
                "mail recipients": f"SELECT count(*) FROM mail.recipients WHERE email = '{email}'",
                "provisioning": f"SELECT count(*) FROM provisioning.accounts WHERE contact_email = '{email}'",
            }
            for name, statement in forgotten.items():
                eventually(lambda: psql_value(statement) == "0", 30, f"{name} to forget the customer")
            self.assertNotEqual("0", psql_value(f"SELECT count(*) FROM billing.invoices WHERE bill_to->>'email' = '{email}'"))
            request = urllib.request.Request(f"http://127.0.0.1:12111/v1/customers/{payment_customer}",
                                             headers={"Authorization": "Bearer sk_test_sandbox"})

            def deleted_at_the_provider():
                try:
                    urllib.request.urlopen(request)
                    return False
                except urllib.error.HTTPError as error:
                    return error.code == 404

            eventually(deleted_at_the_provider, 30, "the provider's customer to be deleted")
            # Their session ended, and the address opens nothing (logging in from this address
            # is rate-limited by now: the customer's journey tried too many on purpose).
            customer.get(PORTAL + "/services")
            self.assertEqual("Log in", self.heading(customer))
            self.assertEqual("0", psql_value(f"SELECT count(*) FROM portal.people WHERE email = '{email}' OR name = 'Erin Example'"))
            owner.get(PORTAL + "/console/audit?action=customer.erased")
            self.assertIn("the customer asked to be forgotten", owner.page_source)
        finally:
            customer.quit()

    def test_6f_the_bus_page_counts_each_queue(self):
        support = self.drivers["support"]
        support.get(PORTAL + "/console/bus")
        queues = {row.find_elements(By.TAG_NAME, "td")[0].text: row.find_elements(By.TAG_NAME, "td")[1].text
                  for row in support.find_elements(By.CSS_SELECTOR, "#queues tbody tr")}
        self.assertGreater(int(queues.get("provisioning", "0")), 0, queues)
        self.assertIn("checkout", support.find_element(By.ID, "publishers").text)
        self.page("bus", support)

    def test_7_the_audit_log_is_append_only_and_exports_as_csv(self):
        owner = self.drivers["owner"]
        cookies = "; ".join(f"{c['name']}={c['value']}" for c in owner.get_cookies())
        request = urllib.request.Request(PORTAL + "/console/audit.csv", headers={"Cookie": cookies})
        with urllib.request.urlopen(request) as response:
            self.assertIn("attachment", response.headers["Content-Disposition"])
            text = response.read().decode()
        self.assertTrue(text.startswith("id,at,actor,role,address,action,target,reason,before,after"))
        self.assertIn("account.suspend", text)
        database = os.environ.get("HOSTWIRE_ADMIN_URL", "").replace("postgres://postgres@", "postgres://portal@")
        if database:
            for statement in ["UPDATE audit_log SET reason = 'rewritten'", "DELETE FROM audit_log"]:
                result = subprocess.run(["psql", database, "-v", "ON_ERROR_STOP=1", "-c", statement], capture_output=True, text=True)
                self.assertNotEqual(0, result.returncode, statement)
                self.assertIn("permission denied", result.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
