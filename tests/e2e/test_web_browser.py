"""The chat page and the counsellor console in a real browser (Debian's Chromium, driven by Playwright)."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect, sync_playwright

from tests.conftest import PROJECT_ROOT
from tests.e2e.conftest import COUNSELLOR_PASSWORD, QUICK_EXIT_URL, web_app_alone

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-gpu",
    "--no-first-run",
    "--disable-sync",
]
SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots"
WAIT_MS = 30_000
# The limit for a risk message to show in a signed-in counsellor's queue, without a reload.
QUEUE_WAIT_MS = 5_000


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def child(browser, web_url):
    context = browser.new_context(viewport={"width": 400, "height": 800})
    # the quick exit's neutral site, answered here because this machine is offline
    context.route(
        QUICK_EXIT_URL,
        lambda route: route.fulfill(
            content_type="text/html", body="<!doctype html><title>Weather</title><h1>Sunny spells</h1>"
        ),
    )
    page = context.new_page()
    page.goto(web_url + "/")
    yield page
    context.close()


def open_chat(browser, web_url):
    context = browser.new_context(viewport={"width": 400, "height": 800})
    page = context.new_page()
    page.goto(web_url + "/")
    return page


def sign_in(browser, web_url, name, lands_on="/console"):
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.goto(web_url + "/login")
    page.fill("#name", name)
    page.fill("#password", COUNSELLOR_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**" + lands_on)
    return page


@pytest.fixture
def counsellor(browser, web_url, counsellor_name):
    page = sign_in(browser, web_url, counsellor_name)
    yield page
    page.context.close()


def send(page, text):
    page.fill("#text", text)
    page.press("#text", "Enter")


def accessibility_violations(page):
    """Every axe finding, of any impact (the issue's bar), as (rule, impact, help, first element)."""
    results = Axe().run(page)
    return [
        (v["id"], v["impact"], v["help"], v["nodes"][0]["target"] if v["nodes"] else None)
        for v in results.response["violations"]
    ]


def test_a_child_chats_with_the_bot(child):
    send(child, "hi")
    expect(child.locator(".bubble.child")).to_have_text("You: hi")
    expect(child.locator(".bubble.bot").first).to_be_visible(timeout=WAIT_MS)
    expect(child.locator("#helplines")).to_contain_text("999")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    child.screenshot(path=str(SCREENSHOTS / "chat.png"), full_page=True)


def test_quick_exit_is_first_for_the_keyboard_and_html_is_shown_as_text(child):
    child.keyboard.press("Tab")
    assert child.evaluate("document.activeElement.id") == "quick-exit"
    send(child, "<img src=x onerror=\"document.title='hacked'\"> <b>bold?</b>")
    expect(child.locator(".bubble.child")).to_contain_text("<b>bold?</b>")
    assert child.title() != "hacked"
    assert child.locator(".bubble.child b").count() == 0


def test_quick_exit_leaves_nothing_and_back_does_not_return(child, web_url):
    send(child, "he has my pics")
    expect(child.locator(".bubble.bot").first).to_be_visible(timeout=WAIT_MS)
    assert child.evaluate("sessionStorage.getItem('chat')")  # the page did keep its conversation id
    child.keyboard.press("Escape")
    child.keyboard.press("Escape")
    child.wait_for_url(QUICK_EXIT_URL)
    expect(child.locator("h1")).to_have_text("Sunny spells")
    child.go_back()
    assert not child.url.startswith(web_url)
    # Coming back in the same tab starts afresh: nothing was left in this tab's storage for the site.
    child.add_init_script("window.storedAtLoad = JSON.stringify([sessionStorage.length, localStorage.length])")
    child.goto(web_url + "/")
    assert child.evaluate("window.storedAtLoad") == "[0,0]"
    expect(child.locator(".bubble")).to_have_count(0)


def test_a_pasted_picture_is_refused_kindly(child):
    child.locator("#text").focus()
    child.evaluate("""() => {
        const data = new DataTransfer();
        data.items.add(new File(["fake"], "me.png", {type: "image/png"}));
        const paste = new ClipboardEvent("paste", {clipboardData: data, bubbles: true});
        document.getElementById("text").dispatchEvent(paste);
    }""")
    expect(child.locator(".bubble.notice")).to_contain_text("don't send pictures", timeout=WAIT_MS)


def test_a_long_paste_is_kept_whole_in_two_messages_and_the_child_is_told(child):
    limit = child.locator("#text").evaluate("box => box.maxLength")
    story = "he said he would send them to everyone. " * 40  # about 1,600 characters
    child.locator("#text").focus()
    child.evaluate(
        """story => {
        const data = new DataTransfer();
        data.setData("text/plain", story);
        const paste = new ClipboardEvent("paste", {clipboardData: data, bubbles: true, cancelable: true});
        document.getElementById("text").dispatchEvent(paste);
    }""",
        story,
    )
    expect(child.locator("#count")).to_contain_text("longer than one message")
    assert child.locator("#text").input_value() == story[:limit]
    child.press("#text", "Enter")
    expect(child.locator("#count")).to_contain_text("rest of what you pasted")
    assert child.locator("#text").input_value() == story[limit:]
    child.press("#text", "Enter")
    expect(child.locator(".bubble.child.pending")).to_have_count(0, timeout=WAIT_MS)
    sent = [text.removeprefix("You: ") for text in child.locator(".bubble.child").all_text_contents()]
    assert len(sent) == 2 and " ".join(sent).split() == story.split()  # every word, in order, nothing lost


def test_after_a_quick_reply_from_the_keyboard_the_focus_stays_on_the_box(child):
    send(child, "i want to kill myself")
    first_reply = child.locator("#quick-replies button").first
    expect(first_reply).to_be_visible(timeout=WAIT_MS)
    first_reply.focus()
    child.keyboard.press("Enter")
    expect(child.locator(".bubble.child").last).to_contain_text("Yes")
    assert child.evaluate("document.activeElement.id") == "text"


def test_the_chat_page_has_no_accessibility_problem_of_any_impact(child):
    send(child, "hi")
    expect(child.locator(".bubble.bot").first).to_be_visible(timeout=WAIT_MS)
    assert accessibility_violations(child) == []


def test_web_addresses_in_replies_are_links_that_open_safely_and_the_quick_exit_still_works(child):
    send(child, "how do i get my pics taken down")
    link = child.locator(".bubble.bot a[href^='https://']").first
    expect(link).to_be_visible(timeout=WAIT_MS)
    assert link.get_attribute("target") == "_blank"
    assert link.get_attribute("rel") == "noopener noreferrer"
    assert link.get_attribute("href") == link.text_content()
    send(child, "<a href='https://example.org'>click</a>")  # a child's own words stay text
    expect(child.locator(".bubble.child").last).to_contain_text("<a href=")
    assert child.locator(".bubble.child a").count() == 0
    child.click("#quick-exit")
    child.wait_for_url(QUICK_EXIT_URL)


def test_the_page_reflows_for_a_small_screen_or_text_at_200_percent(browser, web_url):
    # 200% text on a 640-pixel window is the page at 320 CSS pixels wide
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.goto(web_url + "/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    context.close()


def risk_message_to_counsellor_and_back(child, counsellor, screenshots=False):
    send(child, "i took a load of pills")
    expect(child.locator(".bubble.child.pending")).to_have_count(0, timeout=WAIT_MS)
    conversation = child.evaluate("JSON.parse(sessionStorage.getItem('chat')).conversation")
    row = counsellor.locator(f'#waiting tr.risk-imminent[data-conversation="{conversation}"]')
    expect(row).to_have_count(1, timeout=QUEUE_WAIT_MS)  # live, without a reload
    expect(row).to_contain_text("IMMINENT")
    expect(row.locator("td").nth(5)).to_contain_text("pills")  # the words that raised the risk, for the counsellor
    expect(counsellor).to_have_title("!! IMMINENT RISK: a child is waiting", timeout=WAIT_MS)
    if screenshots:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        counsellor.screenshot(path=str(SCREENSHOTS / "console-queue.png"))
    expect(child.locator(".bubble.bot").first).to_contain_text("999", timeout=WAIT_MS)

    row.get_by_role("button", name="Take this child").click()
    counsellor.wait_for_url("**/console/conversations/**")
    expect(counsellor.locator("#transcript .line.child")).to_contain_text("i took a load of pills", timeout=WAIT_MS)
    expect(child.locator(".bubble.system").last).to_contain_text("real person", timeout=WAIT_MS)

    counsellor.fill("#reply", "Hi, I'm from the team. Have you told anyone near you?")
    counsellor.click("#reply-form button[type=submit]")
    expect(child.locator(".bubble.counsellor")).to_contain_text("Have you told anyone", timeout=WAIT_MS)
    send(child, "my mum is here now")
    expect(counsellor.locator("#transcript .line.child").last).to_contain_text("my mum is here now", timeout=WAIT_MS)
    if screenshots:
        counsellor.screenshot(path=str(SCREENSHOTS / "console-conversation.png"))

    counsellor.click("#end")
    expect(child.locator(".bubble.system").last).to_contain_text("bot again", timeout=WAIT_MS)
    bot_replies = child.locator(".bubble.bot").count()
    send(child, "thanks")
    expect(child.locator(".bubble.bot")).to_have_count(bot_replies + 1, timeout=WAIT_MS)


def test_a_risk_message_reaches_a_counsellor_who_talks_then_hands_back(child, counsellor):
    risk_message_to_counsellor_and_back(child, counsellor, screenshots=True)


def test_the_safety_question_keeps_its_yes_and_no_after_the_handoff_messages(browser, web_url):
    # a phone, as a child at night would have it
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(web_url + "/")
    send(page, "i want to kill myself")
    expect(page.get_by_text("Are you safe right now?")).to_be_visible(timeout=WAIT_MS)
    page.wait_for_timeout(2000)  # the handoff messages of the same turn have arrived by now
    quick_replies = page.locator("#quick-replies button")
    expect(quick_replies).to_have_text([re.compile("^Yes"), re.compile("^No")])
    expect(quick_replies.first).to_be_in_viewport()  # on the phone, without scrolling
    expect(page.locator("#text")).to_be_in_viewport()
    page.screenshot(path=str(SCREENSHOTS / "chat-phone-safety-question.png"))
    quick_replies.last.click()
    expect(page.locator(".bubble.child").last).to_contain_text("No, ")
    expect(quick_replies).to_have_count(0)
    context.close()


@pytest.mark.parametrize("path", ["/", "/login"])
def test_public_pages_have_no_accessibility_problem_of_any_impact(browser, web_url, path):
    context = browser.new_context()
    page = context.new_page()
    page.goto(web_url + path)
    assert accessibility_violations(page) == []
    context.close()


def test_the_console_has_no_serious_accessibility_problems(counsellor, child):
    send(child, "i want to die")
    expect(counsellor.locator("#waiting tr")).not_to_have_count(0, timeout=WAIT_MS)
    assert accessibility_violations(counsellor) == []
    counsellor.locator("#waiting tr").first.get_by_role("button").click()
    counsellor.wait_for_url("**/console/conversations/**")
    expect(counsellor.locator("#transcript .line").first).to_be_visible(timeout=WAIT_MS)
    assert accessibility_violations(counsellor) == []


def test_the_page_reconnects_by_itself_and_nothing_is_lost_or_repeated(browser, assistant, tmp_path):
    port = 8110
    with web_app_alone(port, assistant.database_url, assistant.rasa_url, tmp_path) as url:
        page = open_chat(browser, url)
        send(page, "hi")
        expect(page.locator(".bubble.bot").first).to_be_visible(timeout=WAIT_MS)
        answered = page.locator(".bubble.bot").count()
    # the web app is gone (a restart, a dropped network): the page says so and keeps what the child types
    expect(page.locator("#connection")).to_contain_text("Connecting again", timeout=WAIT_MS)
    send(page, "how do i block him")
    expect(page.locator(".bubble.child.pending")).to_have_count(1)
    with web_app_alone(port, assistant.database_url, assistant.rasa_url, tmp_path):
        expect(page.locator(".bubble.child.pending")).to_have_count(0, timeout=WAIT_MS)
        expect(page.locator(".bubble.bot")).not_to_have_count(answered, timeout=WAIT_MS)
        expect(page.locator("#connection")).to_be_hidden()
        page.wait_for_timeout(2000)  # anything sent twice would have arrived by now
        child_texts = page.locator(".bubble.child").all_text_contents()
        bot_texts = page.locator(".bubble.bot").all_text_contents()
    page.context.close()
    assert child_texts == ["You: hi", "You: how do i block him"]
    assert len(bot_texts) == len(set(bot_texts)), bot_texts  # no reply shown twice
