"""What the counsellor's conversation page shows besides the live transcript: the child's region and its facts."""

from bot.content.facts import CONTACT_FIELDS
from bot.content.published import published
from bot.store import handoffs
from bot.web.core.helplines import DEFAULT_REGION

# The lists of services a counsellor pastes from, in the order a child usually needs them.
PASTE_LISTS = (
    ("emergency", "Emergency"),
    ("report", "Report"),
    ("remove_images", "Get images removed"),
    ("helplines", "Helplines"),
)


def region_facts(region: str | None) -> list[dict]:
    """The verified services of a region, grouped for pasting; unverified entries never appear."""
    countries = published().current().facts["countries"]
    services = countries.get(region or DEFAULT_REGION) or countries[DEFAULT_REGION]
    groups = []
    for key, title in PASTE_LISTS:
        entries = [
            {
                "name": entry["name"],
                "contacts": [
                    str(entry["contact"][field]) for field in CONTACT_FIELDS if entry.get("contact", {}).get(field)
                ],
            }
            for entry in services.get(key, [])
            if entry.get("verified") is True
        ]
        if entries:
            groups.append({"title": title, "entries": entries})
    return groups


async def conversation_page_context(service, conversation_id: str) -> dict:
    region = await service.conversations.region(conversation_id)
    return {
        "conversation_id": conversation_id,
        "region": region or "unknown (UK shown)",
        "facts": region_facts(region),
        "notes": await service.db(handoffs.notes, conversation_id),
    }
