"""The back office in a real browser: headless Chromium (Debian's) through Selenium.

Screenshots go to `artifacts/screenshots/` (git-ignored). Skipped when Debian's
`chromium` / `chromium-driver` are not installed; CI installs them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from accounts.models import AuthAction, AuthLog, Client, Staff, StaffRole
from accounts.services.staff import staff_create
from cashback.models import EntryKind
from cashback.services import card_create
from tests.admin.factories import ledger_append

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SCREENSHOTS = Path(settings.BASE_DIR) / "artifacts" / "screenshots"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
        reason="needs Debian's chromium and chromium-driver",
    ),
]


@pytest.fixture
def browser() -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1366,900",
        "--lang=ru",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.implicitly_wait(5)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def office_manager(transactional_db) -> Staff:
    return staff_create(
        phone="+998900000001",
        name="Manager",
        password="manager-pass",
        role=StaffRole.MANAGER,
    )


def _sign_in(driver, base_url: str, phone: str, password: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(f"{base_url}/admin/login/")
    driver.find_element(By.NAME, "username").send_keys(phone)
    driver.find_element(By.NAME, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    # The click does not wait for the next page: wait for it (or for the refusal).
    WebDriverWait(driver, 10).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#user-tools a, .errornote")
    )


def test_manager_signs_in_and_sees_dashboard_charts(
    browser, live_server, office_manager
) -> None:
    from selenium.webdriver.common.by import By

    # given
    client = Client.objects.create(phone="+998901234567", name="Ali", surname="Valiyev")
    card_create(client=client)
    ledger_append(client, 45_000)
    ledger_append(client, -35_000, EntryKind.PAYMENT)
    # when
    _sign_in(browser, live_server.url, "90 000 00 01", "manager-pass")
    # then
    charts = browser.find_elements(
        By.CSS_SELECTOR, "#sardoba-dashboard svg.sardoba-chart"
    )
    assert [c.get_attribute("id") for c in charts] == [
        "chart-cashback",
        "chart-clients",
        "chart-levels",
    ]
    bars = browser.find_elements(By.CSS_SELECTOR, "#chart-cashback rect.bar")
    assert len(bars) == 60  # 30 days x (issued, redeemed)
    assert charts[0].size["width"] > 300
    figure = browser.find_element(
        By.CSS_SELECTOR, '[data-figure="totalClients"] .value'
    )
    assert figure.text == "1"
    browser.save_screenshot(str(SCREENSHOTS / "dashboard-laptop.png"))
    assert AuthLog.objects.filter(
        action=AuthAction.LOGIN, actor_id=office_manager.pk
    ).exists()

    # and on a phone-sized window the charts shrink to the screen instead of overflowing
    browser.set_window_size(390, 844)
    browser.refresh()
    chart = browser.find_element(By.ID, "chart-cashback")
    assert chart.size["width"] <= 390
    browser.save_screenshot(str(SCREENSHOTS / "dashboard-phone.png"))

    # and the client's page shows the card QR
    browser.set_window_size(1366, 900)
    browser.get(f"{live_server.url}/admin/accounts/client/{client.pk}/change/")
    qr = browser.find_element(By.CSS_SELECTOR, ".sardoba-qr svg")
    assert qr.size["width"] > 50
    browser.save_screenshot(str(SCREENSHOTS / "client-page.png"))


def test_wrong_password_is_refused_in_the_browser(
    browser, live_server, office_manager
) -> None:
    from selenium.webdriver.common.by import By

    # when
    _sign_in(browser, live_server.url, "+998900000001", "wrong-pass")
    # then
    assert browser.find_elements(By.CSS_SELECTOR, ".errornote")
    assert "/admin/login/" in browser.current_url
    assert (
        AuthLog.objects.get(action=AuthAction.FAILED_LOGIN).meta["reason"]
        == "wrong_password"
    )
    browser.save_screenshot(str(SCREENSHOTS / "login-refused.png"))


def test_manager_creates_news_with_an_image_and_the_app_sees_it(
    browser, live_server, office_manager, tmp_path
) -> None:
    import requests
    from PIL import Image
    from selenium.webdriver.common.by import By

    # given: a real PNG on disk for the file input
    image_path = tmp_path / "plov.png"
    Image.new("RGB", (64, 48), (200, 120, 40)).save(image_path)
    _sign_in(browser, live_server.url, "+998900000001", "manager-pass")
    # when
    browser.get(f"{live_server.url}/admin/news/newsitem/add/")
    browser.find_element(By.NAME, "title").send_keys("Yangi palov")
    browser.find_element(By.NAME, "description").send_keys("Har juma kuni")
    browser.find_element(By.NAME, "upload_image").send_keys(str(image_path))
    browser.save_screenshot(str(SCREENSHOTS / "news-add.png"))
    browser.find_element(By.NAME, "_save").click()
    # then: back on the list, with a success message
    assert browser.find_elements(By.CSS_SELECTOR, "ul.messagelist li.success")
    browser.save_screenshot(str(SCREENSHOTS / "news-list.png"))
    response = requests.get(f"{live_server.url}/api/v1/news", timeout=10)
    assert response.status_code == 200
    body = response.json()
    items = body if isinstance(body, list) else body.get("data", body.get("items", []))
    [item] = [i for i in items if i["title"] == "Yangi palov"]
    assert item["description"] == "Har juma kuni"
    image = requests.get(item["image_url"], timeout=10)
    assert image.status_code == 200
    assert image.headers["Content-Type"].startswith("image/")


def test_manager_credits_cashback_from_the_client_list(
    browser, live_server, office_manager
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    from cashback.models import LedgerEntry

    # given
    client = Client.objects.create(phone="+998901234567", name="Ali")
    _sign_in(browser, live_server.url, "+998900000001", "manager-pass")
    # when: select the client, choose the action, fill its form
    browser.get(f"{live_server.url}/admin/accounts/client/")
    browser.find_element(
        By.CSS_SELECTOR, f'input.action-select[value="{client.pk}"]'
    ).click()
    Select(browser.find_element(By.NAME, "action")).select_by_value(
        "clients_manual_credit"
    )
    browser.find_element(By.NAME, "index").click()
    browser.find_element(By.NAME, "amount").send_keys("25000")
    browser.find_element(By.NAME, "description").send_keys("Tug'ilgan kun")
    browser.save_screenshot(str(SCREENSHOTS / "manual-credit-form.png"))
    browser.find_element(
        By.CSS_SELECTOR, "#sardoba-action-form input[type=submit]"
    ).click()
    # then
    assert browser.find_elements(By.CSS_SELECTOR, "ul.messagelist li.success")
    entry = LedgerEntry.objects.get()
    assert (entry.client_id, entry.amount, entry.staff_id, entry.description) == (
        client.pk,
        25_000,
        office_manager.pk,
        "Tug'ilgan kun",
    )
    browser.save_screenshot(str(SCREENSHOTS / "manual-credit-done.png"))
