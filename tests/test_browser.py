"""The web chat in real headless Chromium, against the real Rasa server, action server and demo page.

Screenshots go to tests/output/screenshots/.
"""

from __future__ import annotations

import json
import re
import shutil
import time
import uuid
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from netfaq.core.database import database_url
from netfaq.review import records
from netfaq.tools.demo_page import content_security_policy
from netfaq.tools.processes import (
    free_port,
    start_action_server,
    start_rasa_server,
    start_review_server,
    start_web_server,
    wait_until_up,
)

pytestmark = [pytest.mark.model, pytest.mark.servers]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parent / "output" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def site(trained_model, tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: `make test` installs it (scripts/ensure_test_tools.sh)")
    logs = tmp_path_factory.mktemp("logs")
    action_port, rasa_port, web_port = free_port(), free_port(), free_port()
    rasa_url, web_url = f"http://127.0.0.1:{rasa_port}", f"http://127.0.0.1:{web_port}"
    actions = start_action_server(action_port, logs)
    rasa = start_rasa_server(rasa_port, action_port, trained_model, logs, cors_origin=web_url)
    web = start_web_server(web_port, rasa_url, logs)
    try:
        wait_until_up(f"http://127.0.0.1:{action_port}/health", actions)
        wait_until_up(f"{rasa_url}/", rasa)
        wait_until_up(f"{web_url}/", web)
        yield {"url": web_url, "rasa_url": rasa_url, "rasa": rasa}
    finally:
        for process in (web, rasa, actions):
            process.stop()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, site):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.csp_errors = []
    page.dialogs = []
    page.on("console", lambda msg: "Content Security Policy" in msg.text and page.csp_errors.append(msg.text))
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    yield page
    context.close()


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def open_chat(page, site) -> float:
    """Open the demo page and the chat; seconds from navigation to the first answer on screen."""
    started = time.monotonic()
    page.goto(site["url"])
    page.get_by_role("button", name="Chat with us").click()
    page.locator(".netfaq-bot").first.wait_for()
    return time.monotonic() - started


def ask(page, text: str) -> None:
    before = page.locator(".netfaq-bot").count()
    page.get_by_label("Your question").fill(text)
    page.get_by_role("button", name="Send").click()
    # Locators, not wait_for_function: the page's CSP (rightly) forbids the eval that would need.
    page.locator(".netfaq-bot").nth(before).wait_for()


def last_bot(page):
    return page.locator(".netfaq-bot").last


def saved_chat(page) -> dict | None:
    """What the widget keeps in this tab's sessionStorage (None if nothing)."""
    return page.evaluate("sessionStorage.length ? JSON.parse(sessionStorage.getItem(sessionStorage.key(0))) : null")


PERSONAL = "My name is Jane Smith, NHS number 943 476 5919, born 12/03/1961. How long does an echo take?"


def test_page_is_served_under_a_csp_the_widget_works_with(site, page):
    response = requests.get(site["url"], timeout=10)
    assert response.headers["Content-Security-Policy"] == content_security_policy(site["rasa_url"])
    assert "connect-src " + site["rasa_url"] in response.headers["Content-Security-Policy"]
    open_chat(page, site)
    assert page.csp_errors == []


def test_rasa_cors_allows_only_the_site_origin(site):
    allowed = requests.options(
        f"{site['rasa_url']}/webhooks/rest/webhook",
        headers={"Origin": site["url"], "Access-Control-Request-Method": "POST"},
        timeout=10,
    )
    assert allowed.headers.get("Access-Control-Allow-Origin") == site["url"]
    other = requests.options(
        f"{site['rasa_url']}/webhooks/rest/webhook",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        timeout=10,
    )
    assert other.headers.get("Access-Control-Allow-Origin") in (None, "")


def test_opening_screen_then_ultrasound_preparation_with_its_source(site, page):
    seconds = open_chat(page, site)
    print(f"\nopening the page to the first answer: {seconds:.2f}s")
    (SCREENSHOTS.parent / "timings.json").parent.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS.parent / "timings.json").write_text(json.dumps({"page_open_to_first_answer_s": seconds}))
    welcome = last_bot(page)
    assert "not for emergencies" in welcome.inner_text() and "999" in welcome.inner_text()
    tel = welcome.locator("a.netfaq-tel")
    assert tel.inner_text() == "0808 800 4040" and tel.get_attribute("href") == "tel:+448088004040"
    assert page.evaluate("document.activeElement.id") == "netfaq-input"

    ask(page, "how do I prepare for an ultrasound?")
    answer = last_bot(page)
    assert "stop eating for 6 hours" in answer.inner_text()
    source = answer.locator(".netfaq-source")
    assert source.inner_text().startswith("Source: Cancer Research UK")
    assert "last reviewed 15 January 2019" in source.inner_text()
    shot(page, "chat-in-use")


def test_buttons_and_the_procedure_slot(site, page):
    open_chat(page, site)
    page.get_by_role("button", name="What is an octreotide scan?").click()
    page.locator(".netfaq-bot").nth(1).wait_for()
    assert "somatostatin receptor scintigraphy" in last_bot(page).inner_text()
    ask(page, "how long does it take?")
    assert "2 days" in last_bot(page).inner_text() and "24 to 48 hours" in last_bot(page).inner_text()

    ask(page, "does an echo hurt")
    assert "An echo is painless." in last_bot(page).inner_text()
    ask(page, "and how long is it")
    assert "about half an hour" in last_bot(page).inner_text()
    shot(page, "procedure-slot")


def test_a_personal_timeline_downloads_as_a_calendar_file(site, page, tmp_path):
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from icalendar import Calendar

    open_chat(page, site)
    ask(page, "my ultrasound is at 2pm on Friday, when should I stop eating?")
    link = page.locator("a.netfaq-calendar")
    link.wait_for()
    today = datetime.now(ZoneInfo("Europe/London")).date()
    friday = today + timedelta(days=(4 - today.weekday()) % 7 or 7)  # the next Friday after today
    assert f"from 8am on Friday {friday.day} " in page.locator(".netfaq-bot", has=link).inner_text()
    with page.expect_download() as download:
        link.click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.suffix == ".ics"
    events = {str(e["summary"]): e for e in Calendar.from_ical(saved.read_bytes()).walk("VEVENT")}
    fasting = events["Ultrasound scan: stop eating"]
    assert fasting.decoded("dtstart") == datetime(
        friday.year, friday.month, friday.day, 8, tzinfo=ZoneInfo("Europe/London")
    )
    assert "Source: Cancer Research UK" in str(fasting["description"]) and fasting.walk("VALARM")
    assert "Ultrasound scan (as you told the assistant)" in events
    page.reload()  # the link is kept with the conversation
    page.locator("a.netfaq-calendar").wait_for()
    assert page.csp_errors == []
    shot(page, "timeline-calendar")


def test_which_test_buttons(site, page):
    open_chat(page, site)
    ask(page, "is it safe?")
    assert "Which test is your question about?" in last_bot(page).inner_text()
    last_bot(page).get_by_role("button", name="Liver ultrasound").click()
    page.locator(".netfaq-bot", has_text="very safe").wait_for()
    user_bubbles = page.locator(".netfaq-user .netfaq-bubble").all_inner_texts()
    assert user_bubbles[-1] == "Liver ultrasound"


def test_this_didnt_help_sends_negative_feedback_that_staff_can_filter(site, page):
    open_chat(page, site)
    ask(page, "what is an MIBG scan?")
    assert page.get_by_role("button", name="This didn't help").count() == 1
    before = page.locator(".netfaq-bot").count()
    page.get_by_role("button", name="This didn't help").click()
    page.locator(".netfaq-bot").nth(before).wait_for()
    assert "I'm sorry that didn't help" in last_bot(page).inner_text()
    assert page.locator(".netfaq-user .netfaq-bubble").last.inner_text() == "This didn't help"
    sender = saved_chat(page)["sender"]
    stored = records.conversation(sa.create_engine(database_url()), sender)
    assert "negative_feedback" in stored.flags


def test_the_widget_puts_its_sender_in_the_address_for_a_load_balancer(site, page):
    """HAProxy keeps a conversation on one Rasa server by ?sender= (docs/scaling.md)."""
    posted = []
    page.on("request", lambda request: request.method == "POST" and posted.append((request.url, request.post_data)))
    open_chat(page, site)
    ask(page, "what is an MIBG scan?")
    sender = saved_chat(page)["sender"]
    webhook = [(url, body) for url, body in posted if "/webhooks/rest/webhook" in url]
    assert len(webhook) >= 2
    for url, body in webhook:
        assert url.endswith(f"/webhooks/rest/webhook?sender={sender}")
        assert json.loads(body)["sender"] == sender


def test_reload_keeps_the_conversation(site, page):
    open_chat(page, site)
    ask(page, "when do I get my MIBG scan results?")
    before = page.locator(".netfaq-msg").all_inner_texts()
    assert "sources don't say when the results of an MIBG scan come" in before[-1]
    page.reload()
    page.locator(".netfaq-bot").last.wait_for()
    assert page.locator(".netfaq-msg").all_inner_texts() == before
    ask(page, "and the risks?")
    risks = last_bot(page).inner_text()
    assert "MIBG scan: risks" in risks and "ask your care team" in risks


def test_the_browser_keeps_only_what_a_reload_needs_in_this_tab_only(site, page):
    page.goto(site["url"])
    page.evaluate("localStorage.setItem('netfaq-chat:' + 'old', 'x')")
    page.evaluate(f"localStorage.setItem('netfaq-chat:{site['rasa_url']}', '{{\"sender\": \"web-old\"}}')")
    open_chat(page, site)
    ask(page, "which scan do I need?")
    ask(page, PERSONAL)
    saved = saved_chat(page)
    assert set(saved) == {"sender", "eraseKey", "transcript", "pending", "open", "started", "savedAt"}
    assert saved["pending"] is None
    assert {key for entry in saved["transcript"] for key in entry} <= {"from", "text", "buttons", "failed"}
    assert page.evaluate(f"localStorage.getItem('netfaq-chat:{site['rasa_url']}')") is None  # an old copy is removed
    second_tab = page.context.new_page()
    second_tab.goto(site["url"])
    assert second_tab.get_by_role("button", name="Chat with us").is_visible()
    assert saved_chat(second_tab) is None and second_tab.locator(".netfaq-msg").count() == 0
    second_tab.close()


def test_an_idle_chat_is_forgotten_after_the_hours_set(site, page):
    open_chat(page, site)
    ask(page, PERSONAL)
    sender = saved_chat(page)["sender"]
    key = page.evaluate("sessionStorage.key(0)")
    three_hours_ago = "Date.now() - 3 * 3600 * 1000"
    page.evaluate(
        f"(() => {{ const s = JSON.parse(sessionStorage.getItem({key!r})); s.savedAt = {three_hours_ago};"
        f" sessionStorage.setItem({key!r}, JSON.stringify(s)); }})()"
    )
    page.reload()
    assert page.get_by_role("button", name="Chat with us").is_visible()
    assert "Jane Smith" not in page.content() and saved_chat(page) is None
    open_chat(page, site)
    assert saved_chat(page)["sender"] != sender


def test_a_chat_left_open_is_cleared_from_the_screen_when_it_expires(site, page):
    page.clock.install()
    open_chat(page, site)
    ask(page, PERSONAL)
    page.clock.fast_forward("01:50:00")
    assert "Jane Smith" in page.locator(".netfaq-log").inner_text()
    page.clock.fast_forward("00:12:00")
    page.get_by_text("This chat was cleared after a time without messages.").wait_for()
    assert "Jane Smith" not in page.locator(".netfaq-log").inner_text()
    assert "Jane Smith" not in json.dumps(saved_chat(page))


def test_clear_this_chat_forgets_it_in_this_browser_and_starts_again(site, page):
    open_chat(page, site)
    ask(page, PERSONAL)
    sender = saved_chat(page)["sender"]
    page.get_by_role("button", name="Clear this chat").click()
    page.get_by_text("This chat has been cleared from this browser.").wait_for()
    page.locator(".netfaq-bot").first.wait_for()  # the greeting again, in a new conversation
    assert "Jane Smith" not in page.locator(".netfaq-log").inner_text()
    saved = saved_chat(page)
    assert saved["sender"] != sender and "Jane Smith" not in json.dumps(saved)
    assert page.locator(".netfaq-user").count() == 0
    page.reload()
    page.locator(".netfaq-bot").first.wait_for()
    assert "Jane Smith" not in page.locator(".netfaq-log").inner_text()
    shot(page, "chat-cleared")


def test_markup_is_shown_as_text_and_never_run(site, page):
    open_chat(page, site)
    markup = "<img src=x onerror=alert(1)><script>alert(2)</script>"
    ask(page, markup)
    assert page.locator(".netfaq-user .netfaq-bubble").last.inner_text() == markup
    assert page.locator(".netfaq-log img, .netfaq-log script").count() == 0
    assert page.dialogs == []
    shot(page, "markup-as-text")


def test_keyboard_only(site, page):
    page.goto(site["url"])
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.className") == "netfaq-launcher":
            break
    assert page.evaluate("document.activeElement.className") == "netfaq-launcher"
    page.keyboard.press("Enter")
    page.locator(".netfaq-bot").first.wait_for()
    assert page.evaluate("document.activeElement.id") == "netfaq-input"
    page.keyboard.type("what is a bone scan")
    page.keyboard.press("Enter")
    page.locator(".netfaq-bot").nth(1).wait_for()
    assert "radioactive substance" in last_bot(page).inner_text()
    page.keyboard.press("Escape")
    assert page.locator("#netfaq-panel").is_hidden()
    assert page.evaluate("document.activeElement.className") == "netfaq-launcher"


def test_no_serious_accessibility_violations(site, page):
    from axe_playwright_python.sync_playwright import Axe

    open_chat(page, site)
    ask(page, "how long does an ultrasound take?")
    results = Axe().run(page)
    violations = results.response["violations"]
    (SCREENSHOTS.parent / "axe.json").write_text(json.dumps(violations, indent=2))
    serious = [v["id"] for v in violations if v["impact"] in ("serious", "critical")]
    assert serious == [], serious


@pytest.mark.parametrize(("width", "zoom"), [(320, 1.0), (1280, 2.0)], ids=["320px", "zoom-200"])
def test_narrow_screen_and_zoom(browser, site, width, zoom):
    context = browser.new_context(viewport={"width": int(width / zoom), "height": 640}, device_scale_factor=zoom)
    page = context.new_page()
    try:
        open_chat(page, site)
        ask(page, "how long does an echo take")
        assert "about half an hour" in last_bot(page).inner_text()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        box = page.locator("#netfaq-panel").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"]
        assert page.get_by_role("button", name="Send").is_visible()
        shot(page, f"chat-{width}px-zoom-{int(zoom * 100)}")
    finally:
        context.close()


def test_reduced_motion_turns_off_the_typing_animation(browser, site):
    context = browser.new_context(reduced_motion="reduce")
    page = context.new_page()
    try:
        page.goto(site["url"])
        animation = page.evaluate(
            """() => { const s = document.createElement('div'); s.className = 'netfaq-status netfaq-typing';
                 document.querySelector('.netfaq-root').appendChild(s);
                 return getComputedStyle(s, '::after').animationName; }"""
        )
        assert animation == "none"
    finally:
        context.close()


REVIEW_TOKEN = "browser-test-review-token-0123"


@pytest.fixture(scope="module")
def review_site(site, tmp_path_factory):
    """The staff review server, reading the conversations the assistant above stores."""
    port = free_port()
    process = start_review_server(port, tmp_path_factory.mktemp("review-logs"), {"NETFAQ_REVIEW_TOKEN": REVIEW_TOKEN})
    try:
        wait_until_up(f"http://127.0.0.1:{port}/review.css", process)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.stop()


def say(site, sender: str, text: str) -> str:
    response = requests.post(
        f"{site['rasa_url']}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=60
    )
    return " ".join(r.get("text", "") for r in response.json())


TORN = ("hello thanks goodbye yes no", "thank you but no, what happens, how long, results?", "ok no yes thanks")


def test_staff_review_from_login_to_exports(site, review_site, page, tmp_path):
    """A patient chats; staff sign in, find the conversation redacted and flagged, note it, label, export."""
    sender = f"review-{uuid.uuid4().hex[:8]}"
    assert "stop eating" in say(site, sender, "how do I prepare for an ultrasound? ring me on 07700 900123")
    # Turns that fall to fallback (gibberish goes confidently to out_of_scope, and a forged
    # "/nlu_fallback" payload is read as words): messages that say several things at once, so the
    # classifier is torn between intents; which of them it is torn on moves with each retraining,
    # so there are three, and one is enough.
    for text in TORN:
        say(site, sender, text)
    assert "0808 800 4040" in say(site, sender, "can I talk to a nurse")

    response = page.goto(review_site + "/")
    assert response.status == 401
    page.get_by_label("Review token").fill("not-the-token")
    page.get_by_role("button", name="Sign in").click()
    assert "That token is not right" in page.get_by_role("alert").inner_text()
    page.get_by_label("Review token").fill(REVIEW_TOKEN)
    page.get_by_role("button", name="Sign in").click()
    row = page.locator("tr", has=page.get_by_role("link", name=sender))
    row.wait_for()
    flags = row.locator(".flag").all_inner_texts()
    assert "handoff" in flags and "fallback" in flags, flags
    assert page.locator(".summary").is_visible() and page.locator("svg .bar").count() >= 1
    shot(page, "review-list")

    page.get_by_label("Search patient text").fill("[phone]")
    page.get_by_role("button", name="Filter").click()
    assert page.get_by_role("link", name=sender).is_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="as CSV").click()
    exported = Path(download.value.path()).read_text(encoding="utf-8")
    assert exported.startswith("conversation_id,started") and sender in exported

    page.get_by_role("link", name=sender).click()
    transcript = page.locator(".transcript").inner_text()
    assert "ring me on [phone]" in transcript and "07700" not in page.content()
    assert "intent ask_preparation" in transcript and "answered by action_nurse_handoff" in transcript
    page.get_by_label("Reviewed").check()
    page.get_by_label("Tags (separate with commas)").fill("handoff, checked")
    page.get_by_label("Note").fill("Asked for a nurse after a fallback.")
    page.get_by_role("button", name="Save").click()
    assert page.get_by_role("status").inner_text() == "Saved."
    assert page.get_by_label("Reviewed").is_checked()
    shot(page, "review-transcript")

    page.get_by_role("link", name="Training inbox").click()
    item = page.locator(".inbox li", has_text=re.compile("|".join(map(re.escape, TORN)))).first
    asked = next(text for text in TORN if text in item.inner_text())
    item.get_by_label("Intent").select_option("ask_during")
    item.get_by_role("button", name="Add to training data").click()
    page.get_by_role("heading", name="Labelled (1)").wait_for()
    shot(page, "review-inbox")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as Rasa NLU YAML").click()
    nlu = Path(download.value.path()).read_text(encoding="utf-8")
    assert f'- intent: ask_during\n  examples:\n  - text: "{asked}"' in nlu
    assert page.csp_errors == []


def test_review_pages_have_no_serious_accessibility_violations(review_site, browser):
    from axe_playwright_python.sync_playwright import Axe

    context = browser.new_context(extra_http_headers={"Authorization": f"Bearer {REVIEW_TOKEN}"}, bypass_csp=True)
    page = context.new_page()
    try:
        found = {}
        for path in ("/", "/inbox"):
            page.goto(review_site + path)
            found[path] = [
                v["id"] for v in Axe().run(page).response["violations"] if v["impact"] in ("serious", "critical")
            ]
        assert found == {"/": [], "/inbox": []}
    finally:
        context.close()


def test_delete_this_conversation_erases_it_everywhere(site, page):
    open_chat(page, site)
    ask(page, "how long does an echo take?")
    sender = saved_chat(page)["sender"]
    assert len(saved_chat(page)["eraseKey"]) == 32  # made in this tab, sent with each message
    engine = sa.create_engine(database_url())
    assert sender in stored(engine)
    page.get_by_role("button", name="Delete this conversation").click()
    page.get_by_role("button", name="Yes, erase it").wait_for()
    page.get_by_role("button", name="Yes, erase it").click()
    page.get_by_text("Your conversation has been erased.").wait_for()
    assert page.locator(".netfaq-msg").count() == 1  # only the word that it was erased
    assert saved_chat(page)["sender"] != sender
    assert sender not in stored(engine)
    notice = page.locator(".netfaq-notice").inner_text()
    assert "in an emergency call 999" in notice and "NHS 111 on 111" in notice


def stored(engine) -> set[str]:
    with engine.connect() as connection:
        return set(connection.execute(sa.text("SELECT DISTINCT sender_id FROM events")).scalars())


def test_a_message_over_the_limit_is_kept_in_the_box_and_not_sent(site, page):
    from netfaq.core.patient_request import MAX_MESSAGE_CHARS

    open_chat(page, site)
    sent_before = page.locator(".netfaq-user").count()
    long = "I am worried about my scan. " * (MAX_MESSAGE_CHARS // 27 + 1)
    page.get_by_label("Your question").fill(long)
    page.get_by_role("button", name="Send").click()
    assert "Please keep your message under 2,000 characters" in page.get_by_role("status").inner_text()
    assert page.get_by_label("Your question").input_value() == long
    assert page.locator(".netfaq-user").count() == sent_before


def test_unreachable_server_keeps_the_message_for_a_retry(site, page):
    """Runs last in this module: it stops the Rasa server."""
    open_chat(page, site)
    site["rasa"].stop()
    page.get_by_label("Your question").fill("how do I prepare for a liver ultrasound?")
    page.get_by_role("button", name="Send").click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "can't be reached" in alert.inner_text()
    notice = page.locator(".netfaq-notice")  # the page's own emergency notice stays in view
    assert notice.is_visible() and "call 999" in notice.inner_text() and "111" in notice.inner_text()
    assert page.get_by_role("button", name="Try again").is_visible()
    assert page.locator(".netfaq-user .netfaq-bubble").last.inner_text() == "how do I prepare for a liver ultrasound?"
    assert page.locator(".netfaq-unsent").count() == 1
    stored = saved_chat(page)["pending"]["payload"]
    assert stored == "how do I prepare for a liver ultrasound?"
    shot(page, "server-unreachable")
