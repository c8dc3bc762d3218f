"""Country names become region codes and ages become age bands, as children type them."""

import pytest
import yaml
from rasa.shared.nlu.training_data.loading import load_data

from bot.content.audience import age_band_for, age_from, region_for, region_for_country_entity
from bot.nlp.country_data import GENERATED_FILE, country_training_data
from tests.conftest import PROJECT_ROOT


@pytest.mark.parametrize(
    "text, region",
    [
        ("i live in the usa", "us"),
        ("from the states", "us"),
        ("im in northern ireland", "uk"),
        ("ireland", "ie"),
        ("scotland", "uk"),
        ("im in oz", None),  # two-letter names count only alone
        ("oz", "au"),
        ("can you help us", None),
        ("hi", None),
    ],
)
def test_region_for(text, region):
    assert region_for(text) == region


def test_a_country_we_have_no_list_for_is_elsewhere():
    assert region_for_country_entity("peru") == "elsewhere"
    assert region_for("germany") == "elsewhere"
    assert region_for_country_entity("Canada") == "ca"
    assert region_for_country_entity(None) is None


@pytest.mark.parametrize(
    "text, band",
    [
        ("im 8", "child"),
        ("12", "child"),
        ("thirteen", "teen"),
        ("im 17", "teen"),
        ("19", "adult"),
        ("200", None),
        ("", None),
    ],
)
def test_age_bands(text, band):
    assert age_band_for(age_from(text)) == band


def test_the_generated_country_data_matches_regions_yaml():
    with open(GENERATED_FILE, encoding="utf-8") as handle:
        assert yaml.safe_load(handle) == yaml.safe_load(yaml.safe_dump(country_training_data()))


def test_every_country_the_nlu_can_find_maps_to_a_region():
    data = load_data(str(PROJECT_ROOT / "data" / "nlu"))
    [lookup] = [table["elements"] for table in data.lookup_tables if table["name"] == "country"]
    assert "germany" in lookup and "us" not in lookup
    for name in lookup:
        assert data.entity_synonyms.get(name, name) == region_for_country_entity(name), name
