"""The staff content workflow on a real database (SQLite and PostgreSQL): draft, check, review by a
second person, publish, roll back; what a child is then sent; who may do what; the audit log; stale
facts; YAML export and import; and the published content's fallbacks when the database is away.

Each workflow step runs in its own transaction, as the web app runs it, so a refused step leaves
nothing behind.
"""

import json
import socket
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
import yaml

from bot import settings
from bot.content import workflow, yaml_io
from bot.content.bundle import bundled_responses, bundled_services
from bot.content.nlg import PublishedResponseGenerator
from bot.content.published import BUNDLED_RELEASE, PublishedContent
from bot.content.workflow import ChangeRefused
from bot.store import audit
from bot.store.db import session_scope
from bot.store.models import ContentItem, ContentRelease, ContentVersion, VersionStatus
from bot.store.users import disable
from bot.web.editor import forms as editor_forms
from bot.web.editor import views as editor_views

OLD_GREETING = bundled_responses()["utter_greet"][1][0]["text"]
OLD_CHILD_GREETING = bundled_responses()["utter_greet"][1][1]["text"]
NEW_GREETING = "Hello, I'm a chatbot, not a person. You are not in trouble. You can ask for a real person at any time."
BLAMING_GREETING = "Hello, I'm a chatbot, not a person. You shouldn't have sent it."
LITERAL_NUMBER_GREETING = "Hello, I'm a chatbot, not a person. Call 0800 123 4567."
TEST_LINE = {"name": "Test line", "contact": {"phone": "0800 555 0101"}}
CHECKED = {"verified": True, "checked_on": date.today().isoformat(), "source": "https://example.org/test-line"}


# ---------------------------------------------------------------------------------------- helpers


def run(engine, step, *args, **kwargs):
    """One step in its own transaction, committed unless it raises."""
    with session_scope(engine) as session:
        return step(session, *args, **kwargs)


def body_of(engine, version_id: int):
    return run(engine, lambda session: workflow.body_of(session.get(ContentVersion, version_id)))


def status_of(engine, version_id: int) -> str:
    return run(engine, lambda session: session.get(ContentVersion, version_id).status.value)


def force_status(engine, version_id: int, status: VersionStatus) -> None:
    """Moves a version on by hand, past the checks of the earlier steps, to test the later ones' own."""

    def move(session):
        session.get(ContentVersion, version_id).status = status

    run(engine, move)


def item_id(engine, kind: str, key: str) -> int:
    def find(session) -> int:
        item = workflow.item_by_key(session, kind, key)
        assert item is not None
        return item.id

    return run(engine, find)


def count(engine, model) -> int:
    return run(engine, lambda session: session.scalar(sa.select(sa.func.count()).select_from(model)))


def draft_response(engine, who: int, text: str, name: str = "utter_greet") -> tuple[int, list[str]]:
    """Opens a change to a response, puts `text` in its first variant and saves it: (version id, problems)."""
    version_id = run(engine, workflow.open_change, who, "response", name)
    variants = body_of(engine, version_id)
    variants[0]["text"] = text
    return version_id, run(engine, workflow.save_draft, who, version_id, variants, "Test change.")


def draft_service(engine, who: int, key: str, topic: str | None = None, **changes) -> tuple[int, list[str]]:
    """Opens a change to a service (a new one with `topic`), applies `changes` and saves it."""
    version_id = run(engine, workflow.open_change, who, "service", key, topic)
    entry = {**body_of(engine, version_id), **changes}
    return version_id, run(engine, workflow.save_draft, who, version_id, entry, "Test change.")


def publish(engine, who: int, version_id: int) -> int:
    """Publishes an approved change; the new release's id."""
    return run(engine, lambda session: workflow.publish(session, who, version_id).id)


def review_and_publish(engine, author: int, reviewer: int, version_id: int) -> int:
    run(engine, workflow.submit, author, version_id)
    run(engine, workflow.approve, reviewer, version_id, "Looks right.")
    return publish(engine, reviewer, version_id)


def publish_greeting(engine, people, text: str = NEW_GREETING) -> int:
    version_id, problems = draft_response(engine, people.ann, text)
    assert problems == []
    review_and_publish(engine, people.ann, people.bob, version_id)
    return version_id


def child_is_sent(content: PublishedContent, name: str = "utter_greet", **slots: Any) -> str:
    """What Rasa's generator sends a child with these slots, from this published content."""
    generator = PublishedResponseGenerator(domain=None, content=content)
    sent = generator.generate_from_slots(name, slots, "rest")
    assert sent is not None
    return sent["text"]


def fresh(follower, database_url: str, **options) -> PublishedContent:
    content = follower(database_url, **options)
    assert content.refresh()
    return content


def unreachable_database_url() -> str:
    """A PostgreSQL URL on a port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"postgresql+psycopg2://postgres@127.0.0.1:{port}/gone"


# ------------------------------------------------------------------------- seeding from the bundle


def test_import_bundle_seeds_every_response_and_service_once_in_one_release(engine, database_url, follower):
    bundle_size = len(bundled_responses()) + len(bundled_services())

    assert run(engine, workflow.import_bundle) == bundle_size
    assert run(engine, workflow.import_bundle) == 0

    assert count(engine, ContentItem) == count(engine, ContentVersion) == bundle_size
    assert count(engine, ContentRelease) == 1
    now_live = run(engine, workflow.live)
    assert now_live.responses == {name: variants for name, (_topic, variants) in bundled_responses().items()}
    assert now_live.services == bundled_services()

    content = fresh(follower, database_url).current()
    release = run(engine, lambda session: session.scalar(sa.select(ContentRelease.id)))
    assert content.release == release != BUNDLED_RELEASE
    assert content.contacts["uk_childline_phone"] == bundled_services()["uk-childline"]["contact"]["phone"]
    assert child_is_sent(follower(database_url)) == OLD_GREETING


# --------------------------------------------------------------------------- the whole way through


def test_a_change_is_checked_reviewed_by_a_second_person_published_and_rolled_back(
    seeded, people, database_url, follower
):
    version_id, problems = draft_response(seeded, people.ann, BLAMING_GREETING)
    assert any("blame" in problem for problem in problems)
    with pytest.raises(ChangeRefused, match="blame"):
        run(seeded, workflow.submit, people.ann, version_id)
    assert status_of(seeded, version_id) == "draft"

    version_id, problems = draft_response(seeded, people.ann, NEW_GREETING)
    assert problems == []
    run(seeded, workflow.submit, people.ann, version_id)
    assert status_of(seeded, version_id) == "in_review"
    with pytest.raises(ChangeRefused, match="own change"):
        run(seeded, workflow.approve, people.ann, version_id)
    assert child_is_sent(fresh(follower, database_url)) == OLD_GREETING  # nothing live yet

    run(seeded, workflow.approve, people.bob, version_id, "Kind and clear.")
    release = publish(seeded, people.bob, version_id)

    content = fresh(follower, database_url)
    assert content.current().release == release
    assert child_is_sent(content) == NEW_GREETING
    assert child_is_sent(content, age_band="child") == OLD_CHILD_GREETING  # the other variant is untouched

    run(seeded, workflow.rollback, people.ann, item_id(seeded, "response", "utter_greet"), 1)
    assert content.refresh()
    assert child_is_sent(content) == OLD_GREETING
    restored = run(
        seeded,
        lambda session: [
            (v.number, v.status.value, v.restores)
            for v in workflow.versions_of(session, workflow.item_by_key(session, "response", "utter_greet"))
        ],
    )
    assert restored == [(3, "published", 1), (2, "published", None), (1, "published", None)]


def test_a_number_written_into_the_text_gets_through_no_step(seeded, people):
    version_id, problems = draft_response(seeded, people.ann, LITERAL_NUMBER_GREETING)
    assert any("0800 123 4567" in problem for problem in problems)

    with pytest.raises(ChangeRefused, match="0800 123 4567"):
        run(seeded, workflow.submit, people.ann, version_id)
    force_status(seeded, version_id, VersionStatus.IN_REVIEW)
    with pytest.raises(ChangeRefused, match="cannot be approved"):
        run(seeded, workflow.approve, people.bob, version_id)
    force_status(seeded, version_id, VersionStatus.APPROVED)
    with pytest.raises(ChangeRefused, match="cannot be published"):
        publish(seeded, people.bob, version_id)

    assert run(seeded, workflow.live).responses["utter_greet"][0]["text"] == OLD_GREETING


# ------------------------------------------------------------------- facts a child may be sent


def test_unticking_a_fact_that_live_responses_use_is_refused(seeded, people, database_url, follower):
    version_id, problems = draft_service(seeded, people.ann, "uk-childline", verified=False, checked_on=None)
    assert any("{uk_childline_phone}" in problem for problem in problems)

    with pytest.raises(ChangeRefused, match="uk_childline_phone"):
        run(seeded, workflow.submit, people.ann, version_id)
    force_status(seeded, version_id, VersionStatus.APPROVED)
    with pytest.raises(ChangeRefused, match="uk_childline_phone"):
        publish(seeded, people.bob, version_id)

    assert "uk_childline_phone" in fresh(follower, database_url).current().contacts


def test_a_new_service_goes_live_unchecked_but_its_number_reaches_no_child_until_checked(
    seeded, people, database_url, follower
):
    version_id, problems = draft_service(seeded, people.ann, "uk-test-line", topic="uk", **TEST_LINE)
    assert problems == []
    review_and_publish(seeded, people.ann, people.bob, version_id)

    content = fresh(follower, database_url)
    assert content.current().services["uk-test-line"]["contact"] == TEST_LINE["contact"]
    assert "uk_test_line_phone" not in content.current().contacts
    response_id, problems = draft_response(
        seeded, people.ann, "Call the test line on {uk_test_line_phone}.", name="utter_helplines"
    )
    assert any("{uk_test_line_phone}" in problem for problem in problems)
    with pytest.raises(ChangeRefused, match="uk_test_line_phone"):
        run(seeded, workflow.submit, people.ann, response_id)
    run(seeded, workflow.discard, people.ann, response_id)

    version_id, problems = draft_service(seeded, people.ann, "uk-test-line", **CHECKED)
    assert problems == []
    review_and_publish(seeded, people.ann, people.bob, version_id)

    assert content.refresh()
    assert content.current().contacts["uk_test_line_phone"] == "0800 555 0101"
    _response_id, problems = draft_response(
        seeded, people.ann, "Call the test line on {uk_test_line_phone}.", name="utter_helplines"
    )
    assert problems == []


@pytest.mark.parametrize(
    "missing, problem",
    [
        ("checked_on", "when a person checked"),
        ("source", "Name the page"),
    ],
)
def test_a_service_marked_checked_must_say_when_and_where(seeded, people, missing, problem):
    version_id, problems = draft_service(
        seeded, people.ann, "uk-test-line", topic="uk", **TEST_LINE, **{**CHECKED, missing: None}
    )
    assert any(problem in found for found in problems)
    with pytest.raises(ChangeRefused, match=problem):
        run(seeded, workflow.submit, people.ann, version_id)


def test_a_fact_past_its_recheck_date_is_flagged_for_staff_but_still_sent(seeded, people, database_url, follower):
    today = date.today()
    limit = settings.FACT_RECHECK_DAYS
    assert not editor_forms.is_stale({"checked_on": (today - timedelta(days=limit)).isoformat()}, today, limit)
    long_ago = (today - timedelta(days=limit + 1)).isoformat()
    assert editor_forms.is_stale({"checked_on": long_ago}, today, limit)

    version_id, problems = draft_service(seeded, people.ann, "uk-childline", checked_on=long_ago)
    assert problems == []
    review_and_publish(seeded, people.ann, people.bob, version_id)

    home = run(seeded, editor_views.home, people.ann)
    assert [row["key"] for row in home["stale"]] == ["uk-childline"]
    assert "uk-childline" not in [row["key"] for row in home["unchecked"]]
    assert fresh(follower, database_url).current().contacts["uk_childline_phone"] == "0800 1111"


# ------------------------------------------------------------------------------------ who may do what


@pytest.mark.parametrize("who", ["counsellor", "supervisor", "former_staff"])
def test_only_active_staff_and_admins_may_open_a_change(seeded, people, who):
    with pytest.raises(ChangeRefused, match="Only staff"):
        run(seeded, workflow.open_change, getattr(people, who), "response", "utter_greet")
    assert run(seeded, workflow.open_change, people.admin, "response", "utter_greet")


def test_a_staff_member_disabled_mid_change_can_take_it_no_further(seeded, people):
    version_id, _problems = draft_response(seeded, people.ann, NEW_GREETING)
    run(seeded, disable, people.ann)
    with pytest.raises(ChangeRefused, match="Only staff"):
        run(seeded, workflow.submit, people.ann, version_id)


def test_nobody_reviews_their_own_change(seeded, people):
    version_id, _problems = draft_response(seeded, people.ann, NEW_GREETING)
    run(seeded, workflow.submit, people.ann, version_id)
    with pytest.raises(ChangeRefused, match="own change"):
        run(seeded, workflow.approve, people.ann, version_id)
    with pytest.raises(ChangeRefused, match="own change"):
        run(seeded, workflow.request_changes, people.ann, version_id, "Fine by me.")
    assert status_of(seeded, version_id) == "in_review"


def test_only_the_author_edits_or_discards_a_draft(seeded, people):
    version_id, _problems = draft_response(seeded, people.ann, NEW_GREETING)
    with pytest.raises(ChangeRefused, match="person who wrote"):
        run(seeded, workflow.save_draft, people.bob, version_id, [{"text": "Taken over."}], "")
    with pytest.raises(ChangeRefused, match="Only the author"):
        run(seeded, workflow.discard, people.bob, version_id)
    assert body_of(seeded, version_id)[0]["text"] == NEW_GREETING

    run(seeded, workflow.discard, people.ann, version_id)
    assert status_of(seeded, version_id) == "discarded"


def test_one_open_change_per_item(seeded, people):
    version_id, _problems = draft_response(seeded, people.ann, NEW_GREETING)
    with pytest.raises(ChangeRefused, match="ann is already changing this"):
        run(seeded, workflow.open_change, people.bob, "response", "utter_greet")
    assert run(seeded, workflow.open_change, people.ann, "response", "utter_greet") == version_id

    run(seeded, workflow.submit, people.ann, version_id)
    with pytest.raises(ChangeRefused, match="already changing"):
        run(seeded, workflow.open_change, people.bob, "response", "utter_greet")


def test_a_reviewer_sends_a_change_back_with_a_note_and_the_author_can_edit_it_again(seeded, people):
    version_id, _problems = draft_response(seeded, people.ann, NEW_GREETING)
    run(seeded, workflow.submit, people.ann, version_id)
    with pytest.raises(ChangeRefused, match="Say what needs to change"):
        run(seeded, workflow.request_changes, people.bob, version_id, "  ")

    run(seeded, workflow.request_changes, people.bob, version_id, "Say 'real person' sooner.")
    assert status_of(seeded, version_id) == "draft"
    again, problems = draft_response(seeded, people.ann, "Hi, you can ask for a real person at any time.")
    assert (again, problems) == (version_id, [])


def test_publishing_is_refused_when_another_version_went_live_since_the_draft_began(seeded, people):
    publish_greeting(seeded, people)
    version_id, _problems = draft_response(seeded, people.ann, "Hi. I'm a chatbot. You are not in trouble.")
    run(seeded, workflow.rollback, people.bob, item_id(seeded, "response", "utter_greet"), 1)
    run(seeded, workflow.submit, people.ann, version_id)
    run(seeded, workflow.approve, people.bob, version_id)

    with pytest.raises(ChangeRefused, match="Version 4 went live after this change was started"):
        publish(seeded, people.bob, version_id)
    assert run(seeded, workflow.live).responses["utter_greet"][0]["text"] == OLD_GREETING


def test_only_an_approved_change_is_published_and_only_a_published_version_is_put_back(seeded, people):
    version_id, _problems = draft_response(seeded, people.ann, NEW_GREETING)
    run(seeded, workflow.submit, people.ann, version_id)
    with pytest.raises(ChangeRefused, match="Only an approved change"):
        publish(seeded, people.bob, version_id)
    greeting = item_id(seeded, "response", "utter_greet")
    with pytest.raises(ChangeRefused, match="published before"):
        run(seeded, workflow.rollback, people.bob, greeting, 2)
    with pytest.raises(ChangeRefused, match="live already"):
        run(seeded, workflow.rollback, people.bob, greeting, 1)


# ----------------------------------------------------------------------------------------- the audit log


def test_every_step_is_in_the_audit_log_under_the_name_of_the_person_who_took_it(seeded, people):
    version_id, _problems = draft_response(seeded, people.ann, NEW_GREETING)
    run(seeded, workflow.submit, people.ann, version_id)
    run(seeded, workflow.request_changes, people.bob, version_id, "Shorter, please.")
    run(seeded, workflow.save_draft, people.ann, version_id, body_of(seeded, version_id), "Shorter.")
    run(seeded, workflow.submit, people.ann, version_id)
    run(seeded, workflow.approve, people.bob, version_id)
    publish(seeded, people.bob, version_id)
    run(seeded, workflow.rollback, people.ann, item_id(seeded, "response", "utter_greet"), 1)
    discarded = run(seeded, workflow.open_change, people.bob, "response", "utter_greet")
    run(seeded, workflow.discard, people.bob, discarded)

    logged = [(entry.who, entry.action, entry.target) for entry in reversed(run(seeded, audit.recent))]
    assert logged == [
        ("system", "content.import_bundle", "content"),
        ("ann", "content.draft", "response:utter_greet v2"),
        ("ann", "content.save", "response:utter_greet v2"),
        ("ann", "content.submit", "response:utter_greet v2"),
        ("bob", "content.request_changes", "response:utter_greet v2"),
        ("ann", "content.save", "response:utter_greet v2"),
        ("ann", "content.submit", "response:utter_greet v2"),
        ("bob", "content.approve", "response:utter_greet v2"),
        ("bob", "content.publish", "response:utter_greet v2"),
        ("ann", "content.rollback", "response:utter_greet v3"),
        ("bob", "content.draft", "response:utter_greet v4"),
        ("bob", "content.discard", "response:utter_greet v4"),
    ]


def test_a_refused_step_leaves_no_trace_in_the_audit_log(seeded, people):
    version_id, _problems = draft_response(seeded, people.ann, BLAMING_GREETING)
    before = len(run(seeded, audit.recent))
    with pytest.raises(ChangeRefused):
        run(seeded, workflow.submit, people.ann, version_id)
    with pytest.raises(ChangeRefused):
        run(seeded, workflow.open_change, people.counsellor, "response", "utter_greet")
    assert len(run(seeded, audit.recent)) == before


# --------------------------------------------------------------------------------- YAML out and in


def test_an_unchanged_export_imports_as_unchanged(seeded, people):
    versions = count(seeded, ContentVersion)
    report = run(seeded, yaml_io.import_yaml, people.ann, run(seeded, yaml_io.export_yaml))

    assert report["unchanged"] and not (report["submitted"] or report["drafts"] or report["refused"])
    assert len(report["unchanged"]) == len(bundled_responses()) + len(bundled_services())
    assert count(seeded, ContentVersion) == versions


def test_an_edited_export_goes_to_review_not_live(seeded, people, database_url, follower):
    document = yaml.safe_load(run(seeded, yaml_io.export_yaml))
    document["responses"]["welcome"]["utter_greet"][0]["text"] = NEW_GREETING

    report = run(seeded, yaml_io.import_yaml, people.ann, yaml.safe_dump(document))

    assert report["submitted"] == ["utter_greet"] and not (report["drafts"] or report["refused"])
    content = fresh(follower, database_url)
    assert child_is_sent(content) == OLD_GREETING
    version_id = run(seeded, workflow.open_change, people.ann, "response", "utter_greet")
    assert status_of(seeded, version_id) == "in_review"
    with pytest.raises(ChangeRefused, match="own change"):
        run(seeded, workflow.approve, people.ann, version_id)
    run(seeded, workflow.approve, people.bob, version_id)
    publish(seeded, people.bob, version_id)
    assert content.refresh() and child_is_sent(content) == NEW_GREETING


def test_an_import_with_unsafe_text_is_left_as_a_draft(seeded, people):
    document = yaml.safe_load(run(seeded, yaml_io.export_yaml))
    document["responses"]["welcome"]["utter_greet"][0]["text"] = LITERAL_NUMBER_GREETING

    report = run(seeded, yaml_io.import_yaml, people.ann, yaml.safe_dump(document))

    assert report["submitted"] == [] and len(report["drafts"]) == 1 and "0800 123 4567" in report["drafts"][0]


@pytest.mark.parametrize("text", ["format: 2\nresponses: {}\n", "responses: [unclosed\n"])
def test_a_file_that_is_not_an_export_is_refused(seeded, people, text):
    with pytest.raises(ChangeRefused):
        run(seeded, yaml_io.import_yaml, people.ann, text)


def import_with_service(engine, who: int, entry: dict) -> dict:
    """Imports the live content with one more UK service entry."""
    document = yaml.safe_load(run(engine, yaml_io.export_yaml))
    document["services"]["uk"].append({"region": "uk", "list": "helplines", **entry})
    return run(engine, yaml_io.import_yaml, who, yaml.safe_dump(document))


@pytest.mark.parametrize(
    "entry",
    [
        {"name": "No id", "contact": {"phone": "0800 555 0102"}, "verified": False},
        {"name": "No id", "contact": {"phone": "0800 555 0102"}, **CHECKED},
        {"id": "Bad Id!", "name": "Bad id", "contact": {"phone": "0800 555 0103"}, "verified": False},
    ],
    ids=["no-id", "no-id-checked", "bad-id"],
)
def test_an_imported_service_without_a_proper_id_is_refused(seeded, people, entry):
    report = import_with_service(seeded, people.ann, entry)
    assert report["submitted"] == [] and len(report["refused"]) == 1


@pytest.mark.parametrize("checked_on", ["last week", "2999-01-01"], ids=["not-a-date", "in-the-future"])
def test_a_checked_on_that_is_not_a_date_is_refused(seeded, people, checked_on):
    version_id, problems = draft_service(seeded, people.ann, "uk-childline", checked_on=checked_on)
    assert any("checked" in problem for problem in problems)
    with pytest.raises(ChangeRefused):
        run(seeded, workflow.submit, people.ann, version_id)


# ------------------------------------------------------------------- when the database is away


def test_published_content_falls_back_to_its_snapshot_then_to_the_bundle(
    seeded, people, database_url, follower, tmp_path
):
    snapshot = tmp_path / "snapshot.json"
    publish_greeting(seeded, people)
    online = fresh(follower, database_url, snapshot_file=snapshot)
    assert child_is_sent(online) == NEW_GREETING
    assert json.loads(snapshot.read_text())["release"] == online.current().release

    offline = follower(unreachable_database_url(), snapshot_file=snapshot)
    assert offline.refresh() is False
    assert offline.current().release == online.current().release
    assert child_is_sent(offline) == NEW_GREETING

    nothing = follower(unreachable_database_url(), snapshot_file=tmp_path / "never-written.json")
    assert nothing.current().release == BUNDLED_RELEASE
    assert child_is_sent(nothing) == OLD_GREETING


def test_a_sqlite_database_in_a_folder_that_cannot_exist_falls_back_to_the_snapshot(
    seeded, people, database_url, follower, tmp_path
):
    snapshot = tmp_path / "snapshot.json"
    publish_greeting(seeded, people)
    fresh(follower, database_url, snapshot_file=snapshot)
    not_a_folder = tmp_path / "a-file"
    not_a_folder.write_text("")

    offline = follower(f"sqlite:///{not_a_folder / 'var' / 'bot.db'}", snapshot_file=snapshot)

    assert child_is_sent(offline) == NEW_GREETING
