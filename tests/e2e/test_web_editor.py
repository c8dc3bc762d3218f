"""A staff member changes what the bot says in the browser; a second one approves and publishes it;
a child on the chat page gets the new words from the running bot, and the old ones after a rollback."""

import time

from playwright.sync_api import expect

from tests.e2e.conftest import add_user
from tests.e2e.test_web_browser import SCREENSHOTS, WAIT_MS, accessibility_violations, browser, open_chat, send, sign_in  # noqa: F401

# The limit for a published change to reach a child (make bench measures the 5 s goal).
REACH_CHILD_SECONDS = 15
BLAMING = "You shouldn't have sent it. Never give them money."
NEW_TEXT = "Never give them money. Do not send more pics or videos. They will only ask for more."
OLD_TEXT = "Do not give them money."


def ask_until_the_bot_says(child, words: str) -> float:
    """Asks the bot the money question until its answer holds `words`; returns the seconds it took."""
    started = time.monotonic()
    while True:
        answers = child.locator(".bubble.bot", has_text=words).count()
        send(child, "should i pay him")
        try:
            expect(child.locator(".bubble.bot", has_text=words)).to_have_count(answers + 1, timeout=2_000)
            return time.monotonic() - started
        except AssertionError:
            if time.monotonic() - started > REACH_CHILD_SECONDS:
                raise


def a_child_of_twelve(browser, web_url):
    child = open_chat(browser, web_url)
    send(child, "hi")
    child.get_by_role("button", name="I'm 12 or under").click(timeout=WAIT_MS)
    expect(child.locator(".bubble.bot")).not_to_have_count(0, timeout=WAIT_MS)
    return child


def test_staff_edit_review_publish_and_roll_back_what_a_child_reads(browser, assistant, web_url):
    author = sign_in(browser, web_url, add_user(assistant.database_url, "staff"), lands_on="/editor")
    reviewer = sign_in(browser, web_url, add_user(assistant.database_url, "staff"), lands_on="/editor")
    child = a_child_of_twelve(browser, web_url)
    try:
        ask_until_the_bot_says(child, OLD_TEXT)

        author.fill("#q", "utter_dont_pay")
        author.click("form[role=search] button")
        author.get_by_role("link", name="utter_dont_pay", exact=True).click()
        expect(author.locator("body")).to_contain_text("Should I pay: no")  # where the bot uses it
        author.get_by_role("button", name="Edit").click()
        author.wait_for_url("**/editor/changes/**")
        child_variant = author.locator("fieldset", has=author.locator("option[value=child][selected]"))
        text_box = child_variant.locator("textarea")
        text_box.fill(BLAMING)
        expect(author.locator("#problems")).to_contain_text("blame", timeout=WAIT_MS)
        text_box.fill(NEW_TEXT)
        expect(author.locator("#problems")).to_contain_text("No problems found", timeout=WAIT_MS)
        author.select_option("#preview-age", "child")
        expect(author.locator("#preview .bubble")).to_have_text(NEW_TEXT, timeout=WAIT_MS)
        author.fill("#note", "Plainer words for younger children.")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        author.screenshot(path=str(SCREENSHOTS / "editor-change.png"), full_page=True)
        assert accessibility_violations(author) == []
        author.get_by_role("button", name="Submit for review").click()
        expect(author.locator("#status")).to_have_text("Waiting for review")
        expect(author.locator("body")).to_contain_text("cannot approve your own")
        change_url = author.url

        reviewer.goto(change_url)
        expect(reviewer.locator(".diff_add, .diff_chg").first).to_be_visible()
        reviewer.get_by_role("button", name="Approve").click()
        expect(reviewer.locator("#status")).to_have_text("Approved, not published")
        reviewer.get_by_role("button", name="Publish now").click()
        expect(reviewer.locator("#status")).to_have_text("Published")

        seconds = ask_until_the_bot_says(child, NEW_TEXT)
        print(f"\na published change reached the child in {seconds:.1f} s")

        reviewer.goto(web_url + "/editor/items/response/utter_dont_pay")
        reviewer.get_by_role("button", name="Roll back to v1").click()
        expect(reviewer.locator("[role=status]")).to_contain_text("Version 1 is live again")
        ask_until_the_bot_says(child, OLD_TEXT)

        reviewer.goto(web_url + "/editor/audit?target=response:utter_dont_pay")
        for action in ("content.draft", "content.submit", "content.approve", "content.publish", "content.rollback"):
            expect(reviewer.locator("table.list")).to_contain_text(action)
        reviewer.goto(web_url + "/editor")
        reviewer.screenshot(path=str(SCREENSHOTS / "editor-home.png"))
        assert accessibility_violations(reviewer) == []
    finally:
        for page in (author, reviewer, child):
            page.context.close()
