"""The customer's side in a real headless Chromium, against the running sandbox.

Run by deploy/local/browser-test.sh (part of `make test`): sign up, verify by the emailed
link, order and pay, see the service and the invoice, back up and restore it, reset the
password, manage sessions, and the refusals (another customer's invoice, a form without its
CSRF token, too many attempts). Every page is checked with axe (no serious or critical violation) and saved as
a screenshot under $HOSTWIRE_SCREENSHOTS.
"""
import base64
import email
import email.policy
import hashlib
import hmac
import struct
import glob
import json
import os
import re
import subprocess
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request
import uuid

from axe_selenium_python import Axe
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.support.ui import WebDriverWait

PORTAL = os.environ.get("PORTAL_URL", "http://localhost:8087")
MAILDIR = os.environ["HOSTWIRE_MAILDIR"]
SHOTS = os.environ.get("HOSTWIRE_SCREENSHOTS", "var/screenshots")
RUN = uuid.uuid4().hex[:8]
PASSWORD = "a long enough password"


def browser(width=1280, height=900):
    options = webdriver.ChromeOptions()
    for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     f"--window-size={width},{height}"]:
        options.add_argument(argument)
    options.binary_location = "/usr/bin/chromium"
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def totp(key, at=None):
    """RFC 6238 as authenticator apps compute it, from the key as the portal shows it."""
    key = key.replace(" ", "")
    secret = base64.b32decode(key + "=" * (-len(key) % 8))
    digest = hmac.new(secret, struct.pack(">Q", int((at or time.time()) // 30)), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1000000:06d}"


def click_and_wait(driver, selector, by=By.CSS_SELECTOR):
    """Clicks what `selector` finds and waits for the page it leads to."""
    driver.execute_script("window.hostwireOldPage = true")
    driver.find_element(by, selector).click()

    def arrived(driver):
        try:
            return driver.execute_script("return !window.hostwireOldPage && document.readyState === 'complete'")
        except WebDriverException:  # between two documents
            return False

    WebDriverWait(driver, 15).until(arrived)


def mail_text(recipient, subject_part, since, mentioning=""):
    """The plain-text part of the newest message to `recipient` whose subject has `subject_part`
    (and whose text has `mentioning`)."""
    deadline = time.time() + 30
    while time.time() < deadline:
        for path in sorted(glob.glob(os.path.join(MAILDIR, "new", "*")), key=os.path.getmtime, reverse=True):
            if os.path.getmtime(path) < since:
                break
            with open(path, "rb") as handle:
                message = email.message_from_binary_file(handle, policy=email.policy.default)
            if recipient in str(message["To"]) and subject_part in str(message["Subject"]):
                text = message.get_body(("plain",)).get_content()
                if mentioning in text:
                    return text
        time.sleep(0.3)
    raise AssertionError(f"no message '{subject_part}' to {recipient}")


def mail_link(recipient, subject_part, since, mentioning=""):
    """The first link of that message."""
    return re.search(r"https?://\S+", mail_text(recipient, subject_part, since, mentioning)).group(0)


class PortalJourney(unittest.TestCase):
    """One customer's whole journey, step by step, in one browser."""

    @classmethod
    def setUpClass(cls):
        os.makedirs(SHOTS, exist_ok=True)
        cls.driver = browser()
        cls.email = f"ada-{RUN}@example.test"
        cls.domain = f"ada-{RUN}.example"
        cls.second_domain = f"second-{RUN}.example"

    @classmethod
    def tearDownClass(cls):
        cls.driver.quit()

    def page(self, name, driver=None):
        """Checks the page with axe and saves its screenshot as `name`."""
        driver = driver or self.driver
        axe = Axe(driver)
        axe.inject()
        serious = [v for v in axe.run()["violations"] if v["impact"] in ("serious", "critical")]
        self.assertEqual([], [(v["id"], v["help"], [n["target"] for n in v["nodes"]]) for v in serious], name)
        driver.execute_script("window.scrollTo(0, 0)")
        driver.save_screenshot(os.path.join(SHOTS, f"{name}.png"))

    def fill(self, fields, wait=True):
        for name, value in fields.items():
            element = self.driver.find_element(By.NAME, name)
            element.clear()
            element.send_keys(value)
        if wait:
            click_and_wait(self.driver, "main button[type=submit]")
        else:
            self.driver.find_element(By.CSS_SELECTOR, "main button[type=submit]").click()

    def heading(self):
        return self.driver.find_element(By.TAG_NAME, "h1").text

    def test_1_sign_up_and_verify(self):
        self.driver.get(PORTAL + "/")
        self.assertIn("Starter Hosting", self.driver.page_source)
        self.page("storefront")
        click_and_wait(self.driver, "a.button.small")
        self.page("sign-up")
        since = time.time() - 1
        self.fill({"name": "Ada Lovelace", "email": self.email, "password": "short"}, wait=False)
        # The browser's own check (minlength) stops a short password before it is sent.
        self.assertEqual("Create your account", self.heading())
        self.fill({"password": PASSWORD})
        self.assertEqual("Check your email", self.heading())
        self.page("check-email")
        link = mail_link(self.email, "Confirm your email", since)
        self.assertTrue(link.startswith(PORTAL + "/verify?token="), link)
        self.driver.get(link)
        self.page("verify")
        click_and_wait(self.driver, "main button[type=submit]")
        self.assertEqual("Your services", self.heading())
        self.assertIn("You have no hosting yet", self.driver.page_source)
        self.page("services-empty")
        # The link works once.
        self.driver.get(link)
        self.assertEqual("This link no longer works", self.heading())

    def pay_on_hosted_page(self, card):
        self.driver.find_element(By.NAME, "card").send_keys(card)
        self.driver.find_element(By.NAME, "exp").send_keys("12 / 34")
        self.driver.find_element(By.NAME, "cvc").send_keys("123")
        click_and_wait(self.driver, "button[type=submit]")

    def wait_for_step(self, step, state="done", timeout=60):
        selector = f'li[data-step="{step}"].{state}'
        WebDriverWait(self.driver, timeout).until(lambda d: d.find_elements(By.CSS_SELECTOR, selector))

    def test_2_order_pay_and_watch_it_set_up(self):
        self.driver.get(PORTAL + "/")
        click_and_wait(self.driver, 'a[href="/order/starter"]')
        self.page("order-form")
        self.fill({"domain": self.domain})
        # The payment provider's hosted page (the Stripe simulator's Checkout).
        self.assertIn("/c/pay/cs_test_", self.driver.current_url)
        self.driver.save_screenshot(os.path.join(SHOTS, "payment-page.png"))
        self.pay_on_hosted_page("4000 0000 0000 0002")
        self.assertIn("Your card was declined", self.driver.page_source)
        self.driver.save_screenshot(os.path.join(SHOTS, "payment-declined.png"))
        self.pay_on_hosted_page("4242 4242 4242 4242")
        self.assertIn("/orders/", self.driver.current_url)
        type(self).order_url = self.driver.current_url.split("?")[0]
        self.wait_for_step("paid")
        self.page("order-progress")
        self.wait_for_step("welcome")
        self.wait_for_step("certificate")
        self.assertIn("All done", self.driver.find_element(By.ID, "progress-message").text)
        self.page("order-done")
        # 30 days as the daily usage sync stores them, today's last (the sync itself:
        # Tests/IntegrationTests/UsageSyncTests).
        subprocess.run(["psql", os.environ["HOSTWIRE_ADMIN_URL"], "-v", "ON_ERROR_STOP=1", "-q", "-c",
                        # Traffic counts from the 1st: 3000 MB today, in step with the day of the month.
                        "INSERT INTO provisioning.account_usage SELECT a.id, current_date - g, 850 - g * 12, 1024, "
                        "least(round(3000.0 * extract(day from current_date - g) / extract(day from current_date)), 9500), "
                        "10240 FROM provisioning.accounts a, generate_series(0, 29) g "
                        f"WHERE a.domain = '{self.domain}' ON CONFLICT DO NOTHING"], check=True)
        self.driver.get(PORTAL + "/services")
        self.assertIn(self.domain, self.driver.page_source)
        self.assertIn("Active", self.driver.page_source)
        usage = self.driver.find_element(
            By.XPATH, f"//li[contains(@class, 'card')][.//h2[text()='{self.domain}']]//dl").text
        self.assertIn("850 MB of 1.0 GB (83%)", usage)
        self.assertIn("2.9 GB of 10.0 GB", usage)
        # The certificate Pebble issued, with its expiry, on the service's card.
        certificate = self.driver.find_element(
            By.XPATH, f"//li[contains(@class, 'card')][.//h2[text()='{self.domain}']]//dd[@class='certificate']").text
        self.assertTrue(certificate.startswith("Valid until 20"), certificate)
        # Its backups: none made yet, the first comes with the night's schedule.
        backups = self.driver.find_element(
            By.XPATH, f"//li[contains(@class, 'card')][.//h2[text()='{self.domain}']]//dd[@class='backups']").text
        self.assertTrue(backups.startswith("The first is made tonight · See and restore"), backups)
        self.page("services")
        self.driver.get(PORTAL + "/invoices")
        self.page("invoices")
        click_and_wait(self.driver, "table.list tbody a")
        self.assertTrue(self.heading().startswith("Invoice INV-"))
        self.assertIn(self.domain, self.driver.page_source)
        self.assertIn("Paid", self.driver.page_source)
        type(self).invoice_url = self.driver.current_url
        self.page("invoice")
        phone = browser(390, 844)
        try:
            phone.get(PORTAL + "/")
            self.page("storefront-phone", phone)
        finally:
            phone.quit()

    def test_2a_open_the_control_panel(self):
        self.driver.get(PORTAL + "/services")
        click_and_wait(self.driver, 'form[action$="/control-panel"] button')
        # The portal's page goes on by itself to the panel's one-time login link.
        WebDriverWait(self.driver, 10).until(lambda d: "Logged in as" in d.page_source)
        self.assertNotIn(PORTAL, self.driver.current_url)
        self.driver.save_screenshot(os.path.join(SHOTS, "control-panel.png"))
        used = self.driver.current_url
        self.driver.get(used)
        self.assertIn("invalid or has expired", self.driver.page_source, "a login link works once")

    def test_2ab_change_the_panel_password(self):
        self.driver.get(PORTAL + "/services")
        click_and_wait(self.driver, 'a[href$="/password"]')
        self.page("panel-password")
        self.fill({"password": "too-weak", "password_again": "too-weak"})
        self.assertIn("12 to 64 characters", self.driver.page_source)
        self.fill({"password": "", "password_again": ""})
        generated = self.driver.find_element(By.ID, "generated-password").text
        self.assertEqual(20, len(generated), generated)
        self.page("panel-password-generated")

    def test_2ac_read_the_emails_sent(self):
        self.driver.get(PORTAL + "/emails")
        self.page("emails")
        self.assertIn("is ready", self.driver.page_source)
        self.driver.find_element(By.PARTIAL_LINK_TEXT, "is ready").click()
        WebDriverWait(self.driver, 10).until(lambda d: "/emails/" in d.current_url)
        self.assertIn(self.domain, self.driver.page_source)
        # The welcome email's password stays in the email.
        self.assertIn("only in the email itself", self.driver.page_source)
        self.page("email")

    def test_2ad_profile_and_my_data(self):
        self.driver.get(PORTAL + "/account/profile")
        self.page("profile")
        self.fill({"company": "Analytical Engines Ltd", "address": "12 St James's Square", "city": "London",
                   "postal_code": "SW1Y 4JH", "country": "gb", "vat_id": "12345"})
        self.assertIn("A VAT number starts with its country code", self.driver.page_source)
        self.fill({"vat_id": ""})
        self.assertIn("?saved=1", self.driver.current_url)
        self.assertEqual("GB", self.driver.find_element(By.NAME, "country").get_attribute("value"))
        self.driver.get(PORTAL + "/account/data")
        self.page("data")
        # The export, fetched with the browser's own session cookie.
        cookies = "; ".join(f"{c['name']}={c['value']}" for c in self.driver.get_cookies())
        request = urllib.request.Request(PORTAL + "/account/data/export", headers={"Cookie": cookies})
        with urllib.request.urlopen(request) as response:
            self.assertIn("attachment", response.headers["Content-Disposition"])
            exported = json.loads(response.read())
        self.assertEqual("Analytical Engines Ltd", exported["account"]["company"])
        self.assertTrue(any(s["domain"] == self.domain for s in exported["services"]), exported["services"])
        self.assertTrue(exported["invoices"] and exported["emails"]["items"] and exported["orders"])
        click_and_wait(self.driver, 'form[action="/account/data/erasure"] button')
        self.assertIn("You asked on", self.driver.page_source)

    def test_2ae_edit_the_dns_records(self):
        self.driver.get(PORTAL + "/services")
        click_and_wait(self.driver, 'a[href$="/dns"]')
        self.assertEqual(f"DNS records for {self.domain}", self.heading())
        self.assertFalse(self.driver.find_elements(By.CSS_SELECTOR, ".staff-view"), "no staff is looking")
        def add(name, contents, ttl="3600"):
            for field, value in [("record-name", name), ("record-contents", contents), ("record-ttl", ttl)]:
                element = self.driver.find_element(By.ID, field)
                element.clear()
                element.send_keys(value)
            click_and_wait(self.driver, "#add-record button")

        add("www2", "999.1.1.1")
        self.assertIn("an A record is an IPv4 address", self.driver.page_source)
        add("blog", "192.0.2.44", ttl="300")
        self.assertIn(f"Saved: blog.{self.domain}. A", self.driver.page_source)
        self.assertIn("192.0.2.44", self.driver.find_element(By.ID, "records").text)
        self.page("dns")
        # Live on the authoritative server within seconds (the zone's sync task).
        deadline, answer = time.time() + 30, ""
        while time.time() < deadline and answer != "192.0.2.44":
            answer = subprocess.run(["dig", "@127.0.0.1", "-p", "5353", f"blog.{self.domain}", "A", "+short"],
                                    capture_output=True, text=True).stdout.strip()
            time.sleep(0.5)
        self.assertEqual("192.0.2.44", answer)
        click_and_wait(self.driver, f'//form[input[@name="name" and @value="blog.{self.domain}."] and input[@name="type" and @value="A"]]//button',
                       by=By.XPATH)
        self.assertIn(f"Removed: blog.{self.domain}. A", self.driver.page_source)

    def test_2aeb_usage_over_30_days(self):
        self.driver.get(PORTAL + "/services")
        click_and_wait(self.driver, 'a[href$="/usage"]')
        self.assertEqual(f"Usage of {self.domain}", self.heading())
        charts = self.driver.find_elements(By.CSS_SELECTOR, "svg.chart")
        self.assertEqual(2, len(charts))
        self.assertIn("850 MB on", charts[0].get_attribute("aria-label"))
        self.assertIn("83% of 1.0 GB", charts[0].get_attribute("aria-label"))
        self.assertEqual(30, len(self.driver.find_elements(By.CSS_SELECTOR, "#usage-days tbody tr")))
        self.page("usage")

    def test_2af_back_up_then_restore_a_copy(self):
        since = time.time()
        self.driver.get(PORTAL + "/services")
        click_and_wait(self.driver, 'a[href$="/backups"]')
        self.assertEqual(f"Backups of {self.domain}", self.heading())
        click_and_wait(self.driver, "#back-up-now button")
        self.assertIn("We are making the backup now", self.driver.page_source)
        self.assertIn("Being made", self.driver.find_element(By.ID, "backups-list").text)
        # Made on the simulated panel in a moment: the list updates itself (portal.js) with the Restore link.
        WebDriverWait(self.driver, 40).until(lambda d: d.find_elements(By.CSS_SELECTOR, 'a[href$="/restore"]'))
        click_and_wait(self.driver, 'a[href$="/restore"]')
        self.assertRegex(self.heading(), rf"^Restore {re.escape(self.domain)} to its copy of \d{{1,2}} [A-Z][a-z]{{2}} \d{{4}}, \d\d:\d\d UTC\?$")
        self.page("restore")
        self.driver.find_element(By.NAME, "confirm").click()
        click_and_wait(self.driver, "#restore-form button")
        # Followed live (portal.js) until done: a copy first, paused, restored, back.
        WebDriverWait(self.driver, 90).until(
            lambda d: d.find_element(By.ID, "progress-message").text.startswith("Done:"))
        self.assertEqual(4, len(self.driver.find_elements(By.CSS_SELECTOR, ".steps .step.done")))
        self.driver.refresh()
        self.assertIn("Made before a restore", self.driver.find_element(By.ID, "backups").text)
        self.page("backups")
        self.assertIn("as you asked", mail_text(self.email, "was restored from a backup", since))

    def test_2b_a_card_that_needs_authentication(self):
        self.driver.get(PORTAL + "/order/pro")
        self.fill({"domain": self.second_domain})
        self.pay_on_hosted_page("4000 0027 6000 3184")
        self.assertEqual("Confirm this payment with your bank", self.heading())
        self.driver.save_screenshot(os.path.join(SHOTS, "payment-authentication.png"))
        click_and_wait(self.driver, "button[value=fail]")
        self.assertIn("unable to authenticate", self.driver.page_source)
        # Back to the order without paying: it waits, with a way to pay.
        click_and_wait(self.driver, "main a")
        self.assertIn("We are waiting for your payment.", self.driver.page_source)
        self.page("order-unpaid")
        click_and_wait(self.driver, "main form button[type=submit]")
        self.pay_on_hosted_page("4000 0027 6000 3184")
        click_and_wait(self.driver, "button[value=complete]")
        self.wait_for_step("paid")

    def test_2c_pay_a_renewal_invoice_from_its_email(self):
        # 26 days on (the sandbox timer's clock moves): past the daily run 7 days before the next
        # period, whatever the time of day and the month's length, and before its due date.
        with open(os.path.join(os.environ["HOSTWIRE_VAR"], "secrets.env")) as handle:
            secrets = dict(line.split("=", 1) for line in handle.read().splitlines() if "=" in line)
        token = secrets["HOSTWIRE_API_TOKENS"].split(":", 1)[1].strip("'")
        since = time.time() - 1
        request = urllib.request.Request("http://127.0.0.1:8086/api/timer/clock/advance", method="POST",
                                         data=b'{"seconds": 2246400}', headers={"Authorization": f"Bearer {token}",
                                                                               "Content-Type": "application/json"})
        urllib.request.urlopen(request).read()
        link = mail_link(self.email, "Invoice", since, mentioning=self.domain)
        self.assertTrue(link.startswith(PORTAL + "/invoices/"), link)
        self.driver.get(link)
        self.assertIn("Open", self.driver.page_source)
        # Made out to the profile saved before it was issued (the order's own invoice, issued
        # before the profile, keeps the name and address it had).
        bill_to = self.driver.find_element(By.CSS_SELECTOR, ".bill-to").text
        self.assertIn("Analytical Engines Ltd", bill_to)
        self.assertIn("SW1Y 4JH London", bill_to)
        self.page("invoice-open")
        invoice = link.rstrip("/").split("/")[-1].split("?")[0]
        issued_pdf = self.invoice_pdf(invoice)
        # A declined card: the customer is told, and the invoice stays open.
        click_and_wait(self.driver, "form.pay button")
        self.pay_on_hosted_page("4000 0000 0000 0002")
        self.assertIn("Your card was declined", self.driver.page_source)
        self.driver.get(link)
        self.assertIn("Open", self.driver.page_source)
        click_and_wait(self.driver, "form.pay button")
        self.pay_on_hosted_page("4242 4242 4242 4242")
        self.assertIn("?paid=1", self.driver.current_url)
        deadline = time.time() + 20
        while "Paid</span>" not in self.driver.page_source and time.time() < deadline:
            time.sleep(0.5)
            self.driver.get(link)
        self.assertIn("Paid</span>", self.driver.page_source)
        self.assertNotIn('class="noprint pay"', self.driver.page_source)
        # Paid once, whichever of the payment's webhooks billing heard first.
        invoice = link.rstrip("/").split("/")[-1].split("?")[0]
        request = urllib.request.Request(f"http://127.0.0.1:8085/api/billing/invoices/{invoice}",
                                         headers={"Authorization": f"Bearer {token}"})
        payments = json.loads(urllib.request.urlopen(request).read())["payments"]
        self.assertEqual(len(payments), 1, payments)
        # The PDF is the invoice as issued: paying it changes the page, never the document.
        self.assertEqual(issued_pdf, self.invoice_pdf(invoice))

    def invoice_pdf(self, invoice):
        """The invoice's PDF, fetched with the browser's session once it has been printed."""
        cookies = "; ".join(f"{c['name']}={c['value']}" for c in self.driver.get_cookies())
        request = urllib.request.Request(f"{PORTAL}/invoices/{invoice}/pdf", headers={"Cookie": cookies})
        deadline = time.time() + 60
        while True:
            try:
                with urllib.request.urlopen(request) as response:
                    self.assertEqual("application/pdf", response.headers["Content-Type"])
                    body = response.read()
                    self.assertTrue(body.startswith(b"%PDF"), body[:20])
                    return body
            except urllib.error.HTTPError as error:
                if error.code != 404 or time.time() > deadline:
                    raise
                time.sleep(1)

    def test_2ca_replace_the_card(self):
        self.driver.get(PORTAL + "/invoices")
        self.assertIn("ending in 4242", self.driver.page_source)
        click_and_wait(self.driver, 'form[action="/card"] button')
        self.assertIn("/c/pay/cs_test_", self.driver.current_url)
        self.assertIn("Save a card for future payments", self.driver.page_source)
        self.pay_on_hosted_page("5555 5555 5555 4444")
        self.assertIn("/invoices?card=saved", self.driver.current_url)
        self.assertIn("Your new card is saved", self.driver.page_source)
        deadline = time.time() + 20
        while "Mastercard ending in 4444" not in self.driver.page_source and time.time() < deadline:
            time.sleep(0.5)
            self.driver.get(PORTAL + "/invoices")
        self.assertIn("Mastercard ending in 4444", self.driver.page_source)
        self.page("invoices-card")

    def plan_of(self, domain):
        self.driver.get(PORTAL + "/services")
        return self.driver.find_element(
            By.XPATH, f"//li[contains(@class, 'card')][.//h2[text()='{domain}']]//dt[text()='Plan']/following-sibling::dd[1]").text

    def test_2cb_upgrade_then_downgrade(self):
        self.driver.get(PORTAL + "/services")
        click_and_wait(self.driver, f"//li[contains(@class, 'card')][.//h2[text()='{self.domain}']]//a[contains(@href, '/plan')]",
                       by=By.XPATH)
        self.page("change-plan")
        self.driver.find_element(By.XPATH, "//label[contains(., 'Pro Hosting')]/input").click()
        click_and_wait(self.driver, "main form[method=get] button")
        # The price for the days left is shown before anything changes.
        self.assertIn("Upgrade to Pro Hosting", self.driver.find_element(By.ID, "plan-quote").text)
        total = self.driver.find_element(By.ID, "quote-total").text
        self.page("change-plan-quote")
        click_and_wait(self.driver, "#plan-quote button")
        self.assertIn("/invoices/", self.driver.current_url)
        upgrade_invoice = self.driver.current_url
        self.assertIn(total, self.driver.page_source)
        self.assertIn("Upgrade to Pro Hosting", self.driver.page_source)
        self.assertEqual("Starter", self.plan_of(self.domain), "nothing changes before the upgrade is paid")
        self.driver.get(upgrade_invoice)
        click_and_wait(self.driver, "form.pay button")
        self.pay_on_hosted_page("4242 4242 4242 4242")
        deadline = time.time() + 60
        while self.plan_of(self.domain) != "Pro" and time.time() < deadline:
            time.sleep(1)
        self.assertEqual("Pro", self.plan_of(self.domain))
        self.assertIn("9.99", self.driver.find_element(
            By.XPATH, f"//li[contains(@class, 'card')][.//h2[text()='{self.domain}']]").text)
        # Back to Starter: the days left go on the balance, and the panel changes at once.
        click_and_wait(self.driver, f"//li[contains(@class, 'card')][.//h2[text()='{self.domain}']]//a[contains(@href, '/plan')]",
                       by=By.XPATH)
        self.driver.find_element(By.XPATH, "//label[contains(., 'Starter Hosting')]/input").click()
        click_and_wait(self.driver, "main form[method=get] button")
        self.assertIn("Downgrade to Starter Hosting", self.driver.find_element(By.ID, "plan-quote").text)
        click_and_wait(self.driver, "#plan-quote button")
        self.assertIn("The plan is changed", self.driver.page_source)
        deadline = time.time() + 60
        while self.plan_of(self.domain) != "Starter" and time.time() < deadline:
            time.sleep(1)
        self.assertEqual("Starter", self.plan_of(self.domain))
        self.driver.get(PORTAL + "/invoices")
        self.assertIn("credit", self.driver.page_source.lower())

    def cancel_link(self, domain):
        return (By.XPATH, f"//li[contains(@class, 'card')][.//h2[text()='{domain}']]//a[starts-with(@href, '/services/cancel/')]")

    def test_2d_cancel_at_the_end_of_the_term_and_now(self):
        self.driver.get(PORTAL + "/services")
        since = time.time() - 1
        self.driver.execute_script("window.hostwireOldPage = true")
        self.driver.find_element(*self.cancel_link(self.domain)).click()
        WebDriverWait(self.driver, 15).until(lambda d: d.execute_script("return !window.hostwireOldPage"))
        self.page("cancel")
        click_and_wait(self.driver, "main form button[type=submit]")
        self.assertEqual("Your services", self.heading())
        self.assertIn("(cancelled)", self.driver.page_source)
        self.assertIn("ends on", mail_text(self.email, "ends on", since))
        self.page("services-cancelling")
        # The second service, now: its account is closed within seconds. Its renewal was on the
        # invoice both services shared (one per customer and due date), paid already: it stays paid
        # and nothing is left open.
        self.driver.execute_script("window.hostwireOldPage = true")
        self.driver.find_element(*self.cancel_link(self.second_domain)).click()
        WebDriverWait(self.driver, 15).until(lambda d: d.execute_script("return !window.hostwireOldPage"))
        self.driver.find_element(By.CSS_SELECTOR, 'input[value="now"]').click()
        click_and_wait(self.driver, "main form button[type=submit]")
        deadline = time.time() + 30
        while "Closed" not in self.driver.page_source and time.time() < deadline:
            time.sleep(0.5)
            self.driver.get(PORTAL + "/services")
        self.assertIn("Closed", self.driver.page_source)
        self.driver.get(PORTAL + "/invoices")
        self.assertNotIn('class="status open"', self.driver.page_source)

    def test_3_another_customer_cannot_see_the_invoice(self):
        other = browser()
        try:
            address = f"grace-{RUN}@example.test"
            since = time.time() - 1
            other.get(PORTAL + "/signup")
            for name, value in {"name": "Grace Hopper", "email": address, "password": PASSWORD}.items():
                other.find_element(By.NAME, name).send_keys(value)
            click_and_wait(other, "main button[type=submit]")
            other.get(mail_link(address, "Confirm your email", since))
            click_and_wait(other, "main button[type=submit]")
            for url in [self.invoice_url, self.invoice_url + "/pdf", self.order_url, self.order_url + "/progress"]:
                other.get(url)
                self.assertEqual("Not Found", other.find_element(By.TAG_NAME, "h1").text, url)
                self.assertNotIn(self.domain, other.page_source)
            self.page("not-found", other)
        finally:
            other.quit()

    def test_4_log_out_and_log_in(self):
        click_and_wait(self.driver, ".who button")
        self.driver.get(PORTAL + "/services")
        self.assertEqual("Log in", self.heading())
        self.fill({"email": self.email, "password": "not the password"})
        self.assertIn("The email address or the password is not right.", self.driver.page_source)
        self.page("login-failed")
        self.fill({"email": self.email, "password": PASSWORD})
        # Back where the login was asked for.
        self.assertEqual("Your services", self.heading())

    def test_4a_change_the_email_address(self):
        new_email = f"ada.lovelace-{RUN}@example.test"
        self.driver.get(PORTAL + "/account/security")
        click_and_wait(self.driver, 'a[href="/account/email"]')
        self.page("change-email")
        self.fill({"new_email": new_email, "password": "not the password"})
        self.assertIn("The password is not right.", self.driver.page_source)
        since = time.time() - 1
        self.fill({"new_email": new_email, "password": PASSWORD})
        self.assertEqual("Check your email", self.heading())
        link = mail_link(new_email, "Confirm your new email", since)
        # Opening the link changes nothing by itself (mail scanners open links).
        self.driver.get(link)
        self.page("confirm-email")
        click_and_wait(self.driver, "main button[type=submit]")
        self.assertIn("/account/security?email_changed=1", self.driver.current_url)
        self.assertIn(f"Your email address is now {new_email}", self.driver.page_source)
        # The old address is told; the link works once.
        self.assertIn(new_email, mail_text(self.email, "email address was changed", since))
        self.driver.get(link)
        self.assertEqual("This link no longer works", self.heading())
        # Checkout moved the card provider's customer too (its receipts follow the address).
        request = urllib.request.Request(
            "http://127.0.0.1:12111/v1/customers?" + urllib.parse.urlencode({"email": new_email}),
            headers={"Authorization": "Bearer sk_test_sandbox"})
        deadline = time.time() + 20
        while True:
            found = json.loads(urllib.request.urlopen(request).read())["data"]
            if found or time.time() > deadline:
                break
            time.sleep(0.5)
        self.assertEqual(1, len(found), found)
        type(self).email = new_email
        # Log in with the new address from now on.
        click_and_wait(self.driver, ".who button")
        self.driver.get(PORTAL + "/login")
        self.fill({"email": new_email, "password": PASSWORD})
        self.assertEqual("Your services", self.heading())

    def test_5_reset_password_ends_other_sessions(self):
        second = browser()
        try:
            second.get(PORTAL + "/login")
            second.find_element(By.NAME, "email").send_keys(self.email)
            second.find_element(By.NAME, "password").send_keys(PASSWORD)
            click_and_wait(second, "main button[type=submit]")
            self.driver.get(PORTAL + "/account/security")
            self.assertEqual(2, len(self.driver.find_elements(By.CSS_SELECTOR, "table.list tbody tr")))
            self.page("security")
            since = time.time() - 1
            second.get(PORTAL + "/password-reset")
            second.find_element(By.NAME, "email").send_keys(self.email)
            click_and_wait(second, "main button[type=submit]")
            self.assertEqual("Check your email", second.find_element(By.TAG_NAME, "h1").text)
            second.get(mail_link(self.email, "Reset your", since))
            self.page("reset-choose", second)
            second.find_element(By.NAME, "password").send_keys("another long password")
            click_and_wait(second, "main button[type=submit]")
            self.assertEqual("Your services", second.find_element(By.TAG_NAME, "h1").text)
            # The first browser's session ended with the old password.
            self.driver.get(PORTAL + "/services")
            self.assertEqual("Log in", self.heading())
        finally:
            second.quit()

    def log_in(self, password):
        self.driver.get(PORTAL + "/login")
        self.fill({"email": self.email, "password": password})

    def test_6_two_factor_login_with_recovery_codes(self):
        password = "another long password"
        self.log_in(password)
        self.driver.get(PORTAL + "/account/two-factor")
        self.page("two-factor-off")
        click_and_wait(self.driver, "main form button[type=submit]")
        self.page("two-factor-setup")
        key = self.driver.find_element(By.ID, "totp-key").text
        # The same key as a QR code a phone's camera reads (its modules compared with a
        # reference encoder in QRCodeTests).
        self.assertTrue(self.driver.find_element(By.CSS_SELECTOR, "#totp-qr svg path").get_attribute("d"))
        self.fill({"code": "000000"})
        self.assertIn("not the one your app shows", self.driver.page_source)
        self.fill({"code": totp(key)})
        codes = [element.text for element in self.driver.find_elements(By.CSS_SELECTOR, "ul.codes code")]
        self.assertEqual(10, len(codes))
        self.page("two-factor-codes")
        click_and_wait(self.driver, ".who button")
        # The password alone opens nothing now.
        self.log_in(password)
        self.assertIn("/login/two-factor", self.driver.current_url)
        self.driver.get(PORTAL + "/services")
        self.assertEqual("Log in", self.heading())
        self.log_in(password)
        self.page("login-two-factor")
        self.fill({"code": "123456"})
        self.assertIn("That code is not right", self.driver.page_source)
        self.fill({"code": codes[0].lower()})
        self.assertEqual("Your services", self.heading())
        click_and_wait(self.driver, ".who button")
        # A recovery code works once; the app's next code works.
        self.log_in(password)
        self.fill({"code": codes[0]})
        self.assertIn("That code is not right, or was used already.", self.driver.page_source)
        self.fill({"code": totp(key, time.time() + 30)})
        self.assertEqual("Your services", self.heading())


class Refusals(unittest.TestCase):
    """What a stranger tries, with plain HTTP."""

    def post(self, path, fields, cookie=None):
        request = urllib.request.Request(PORTAL + path, data=urllib.parse.urlencode(fields).encode(), method="POST",
                                         headers={"Content-Type": "application/x-www-form-urlencoded"})
        if cookie:
            request.add_header("Cookie", cookie)
        try:
            with urllib.request.urlopen(request) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def test_form_without_csrf_token_is_refused(self):
        status, body = self.post("/login", {"email": "x@example.test", "password": PASSWORD})
        self.assertEqual(403, status)
        self.assertIn("This form had expired", body)
        status, _ = self.post("/login", {"email": "x@example.test", "password": PASSWORD, "csrf": "guess"},
                              cookie="hw_csrf=other")
        self.assertEqual(403, status)

    def test_failed_logins_for_one_account_are_limited(self):
        address = f"target-{RUN}@example.test"
        statuses = [self.post("/login", {"email": address, "password": "wrong password", "csrf": "t"},
                              cookie="hw_csrf=t")[0] for _ in range(11)]
        self.assertEqual([401] * 10 + [429], statuses)

    def test_z_too_many_logins_from_one_address(self):
        # Last: it locks this address out of logging in for ten minutes.
        statuses = [self.post("/login", {"email": f"{n}-{RUN}@example.test", "password": "x", "csrf": "t"},
                              cookie="hw_csrf=t")[0] for n in range(21)]
        self.assertEqual(429, statuses[-1])
        self.assertIn(401, statuses)


if __name__ == "__main__":
    unittest.main(verbosity=2)
