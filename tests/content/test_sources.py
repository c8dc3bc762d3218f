"""Every response's advice is traced to sourced entries of the facts file."""

from bot.content.facts import load_facts
from bot.content.lint import load_responses
from bot.content.sources import DOC_FILE, citable_items, load_response_sources, render_doc

MAPPING = load_response_sources()
FACTS = load_facts()


def test_every_response_is_sourced_or_makes_no_claim():
    accounted = set(MAPPING["sources"]) | set(MAPPING["no_claims"])
    assert set(load_responses()) == accounted


def test_every_cited_id_is_in_the_facts_file_and_verified():
    items = citable_items(FACTS)
    for response, ids in MAPPING["sources"].items():
        for item_id in ids:
            assert item_id in items, f"{response} cites unknown {item_id}"
            assert items[item_id].get("verified") is True, f"{response} cites unverified {item_id}"


def test_the_sources_document_is_up_to_date():
    expected = render_doc(MAPPING, citable_items(FACTS), FACTS["meta"]["checked"])
    assert DOC_FILE.read_text(encoding="utf-8") == expected, "run: python -m bot.content.sources"
