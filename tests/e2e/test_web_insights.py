"""The insights page in a browser: a child's chat in the charts, what the bot did not understand in staff's list."""

import asyncio

import pytest
import yaml
from playwright.sync_api import expect

from bot.web.core.auth import home_for
from bot.web.insights.fallbacks import ChildTurn, fallback_kind
from tests.client import ChildPage, Console
from tests.e2e.conftest import COUNSELLOR_PASSWORD, add_user, parse
from tests.e2e.test_web_browser import SCREENSHOTS, WAIT_MS, accessibility_violations, browser, sign_in  # noqa: F401

# Words no intent knows (nlu_fallback or out_of_scope); the test checks the model agrees before relying on it.
NONSENSE = "flurbo wizzle quonk splatterdash"
CHARTS = 9


async def chat(web_url: str, *texts: str) -> None:
    async with ChildPage(web_url) as child:
        for text in texts:
            await child.say(text)


async def a_child_at_risk_is_helped(web_url: str, counsellor_name: str) -> None:
    """A handoff for the charts: a child at risk, whom a counsellor takes, then hands back to the bot."""
    console = Console(web_url, counsellor_name)
    assert console.sign_in(COUNSELLOR_PASSWORD).status_code == 303
    async with console, ChildPage(web_url) as child:
        await child.send("i took a load of pills")
        assert child.conversation is not None  # the welcome named it
        waiting = await console.waiting_entry(child.conversation)
        await console.send(type="claim", handoff=waiting["handoff_id"])
        await console.next_event(lambda event: event["type"] == "claimed")
        await console.send(type="end", conversation=child.conversation)
        await child.next_event(lambda event: event["type"] == "status" and event["status"] == "bot")


@pytest.fixture(scope="module")
def child_chatted(assistant):
    """Returns the intent the bot makes of NONSENSE."""
    intent = parse(assistant, NONSENSE)["intent"]
    turn = ChildTurn(NONSENSE, intent["name"], intent["confidence"])
    assert fallback_kind(turn), f"the model understands {NONSENSE!r} as {intent}: choose other words"
    asyncio.run(chat(assistant.web_url, "hi", NONSENSE))
    asyncio.run(a_child_at_risk_is_helped(assistant.web_url, add_user(assistant.database_url)))
    return intent["name"]


def page_signed_in_as(role, browser, assistant):  # noqa: F811 - `browser` is the imported fixture's value
    """A browser page, 1280 pixels wide, signed in with a new account of `role`."""
    page = sign_in(browser, assistant.web_url, add_user(assistant.database_url, role), lands_on=home_for(role))
    page.set_viewport_size({"width": 1280, "height": 900})
    return page


@pytest.fixture
def signed_in(browser, assistant):  # noqa: F811
    pages = []

    def open_as(role):
        pages.append(page_signed_in_as(role, browser, assistant))
        return pages[-1]

    yield open_as
    for page in pages:
        page.context.close()


def test_staff_see_the_charts_and_what_the_bot_did_not_understand(child_chatted, signed_in, web_url):
    page = signed_in("staff")
    page.goto(web_url + "/insights")
    expect(page.locator("figure svg[role=img]")).to_have_count(CHARTS)
    expect(page.locator("#fallbacks")).to_contain_text(NONSENSE)
    expect(page.locator("#chart-intents table")).to_contain_text(child_chatted)
    expect(page.locator("#waits")).not_to_contain_text("none claimed")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "insights.png"), full_page=True)
    assert accessibility_violations(page) == []

    with page.expect_download(timeout=WAIT_MS) as download:
        page.get_by_role("link", name="Download them as Rasa NLU training data").click()
    assert download.value.suggested_filename == "fallbacks.yml"
    with open(download.value.path(), encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    assert data["nlu"][0]["intent"] == "review_me"
    assert f"- {NONSENSE}" in data["nlu"][0]["examples"].splitlines()


def test_the_region_filter(child_chatted, signed_in, web_url):
    page = signed_in("admin")
    page.goto(web_url + "/insights")
    page.select_option("#region", "uk")  # the bot's region for a child who has not said where they live
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/insights?days=30&region=uk")
    expect(page.locator("#fallbacks")).to_contain_text(NONSENSE)
    page.select_option("#region", "us")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**region=us")
    expect(page.locator("figure svg[role=img]")).to_have_count(CHARTS)
    expect(page.locator("#fallbacks")).not_to_contain_text(NONSENSE)


def test_supervisors_see_the_charts_but_not_the_messages(child_chatted, signed_in, web_url):
    page = signed_in("supervisor")
    page.goto(web_url + "/insights")
    expect(page.locator("figure svg[role=img]")).to_have_count(CHARTS)
    expect(page.locator("#fallbacks")).to_have_count(0)
    assert NONSENSE not in page.content()
    assert page.request.get(web_url + "/insights/fallbacks.yml").status == 403


def test_counsellors_are_refused_and_strangers_sent_to_sign_in(signed_in, browser, web_url):  # noqa: F811
    page = signed_in("counsellor")
    response = page.goto(web_url + "/insights")
    assert response.status == 403
    expect(page.locator("h1")).to_have_text("Not allowed")

    stranger = browser.new_context().new_page()
    stranger.goto(web_url + "/insights")
    assert stranger.url == web_url + "/login"
    stranger.context.close()
