"""Renders what the web app itself says (bot/content/web_messages.yml, editable by staff) for a child's
region, from the published content, with the published, checked facts filled in."""

from bot.content.bundle import WEB_TOPIC, bundled_responses
from bot.content.checks import WEB_RUNTIME_VALUES
from bot.content.published import published
from bot.content.variants import candidates, fill

DEFAULT_REGION = "uk"
# Values filled in when a message is sent, with an example for the content lint.
RUNTIME_VALUES = WEB_RUNTIME_VALUES


def responses() -> dict[str, list[dict]]:
    """The web app's own messages as shipped with the project."""
    return {name: variants for name, (topic, variants) in bundled_responses().items() if topic == WEB_TOPIC}


def render(name: str, region: str | None = None, **values: str) -> str:
    """The variant for `region` (or the one without a condition), with facts and `values` filled in."""
    content = published().current()
    variants = content.responses.get(name) or responses()[name]
    [chosen] = candidates(variants, {"country": region or DEFAULT_REGION})[:1]
    return fill(chosen["text"], {**content.contacts, **values})
