"""What the staff pages' forms do for each role, over real HTTP against the running web app.

Staff and admins edit content, only admins manage people: an allowed form stores what it should, a refused one
stores nothing. Nobody approves their own change, and the audit log shows who did what. (Which route answers
whom, for visitors and every role, is test_route_roles.py's matrix.)
"""

import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest
import sqlalchemy as sa

from bot.content.bundle import bundled_responses
from bot.store.db import make_engine
from tests.client import csrf_of
from tests.client import sign_in as sign_in_through_form
from tests.e2e.conftest import COUNSELLOR_PASSWORD, add_user

ROLES = ("counsellor", "supervisor", "staff", "admin")
EDITORS = {"staff", "admin"}
ADMINS = {"admin"}
GREETING_VARIANTS = bundled_responses()["utter_greet"][1]
NEW_GREETING = "Hello, I'm a chatbot, not a person. You are not in trouble. You can ask for a real person at any time."

# ------------------------------------------------------------------------------------------ helpers


@dataclass
class Person:
    """A browser: an HTTP client with its own session cookie (signed in unless `name` is None)."""

    http: httpx.Client
    name: str | None = None
    role: str | None = None

    def csrf(self) -> str:
        # The login page shows the session's current token, signed in or not.
        return csrf_of(self.http.get("/login"))

    def post(self, path: str, files=None, csrf: str | None = None, **fields: str) -> httpx.Response:
        token = self.csrf() if csrf is None else csrf
        return self.http.post(path, data={"csrf": token, **fields}, files=files)

    def flash(self, path: str) -> str:
        """The message the page shows once after a redirect to it."""
        found = re.search(r'role="status">([^<]*)</p>', self.http.get(path).text)
        return found.group(1) if found else ""


def browser(web_url: str) -> Person:
    return Person(httpx.Client(base_url=web_url, follow_redirects=False, timeout=60))


def sign_in(web_url: str, database_url: str, role: str) -> Person:
    person = browser(web_url)
    person.name, person.role = add_user(database_url, role), role
    response = sign_in_through_form(person.http, person.name, COUNSELLOR_PASSWORD)
    assert response.status_code == 303, response.text
    return person


@pytest.fixture(scope="module")
def people(assistant) -> Iterator[dict[str, Person]]:
    """One signed-in person of each role, and a second member of staff to review."""
    signed_in = {role: sign_in(assistant.web_url, assistant.database_url, role) for role in ROLES}
    signed_in["reviewer"] = sign_in(assistant.web_url, assistant.database_url, "staff")
    yield signed_in
    for person in signed_in.values():
        person.http.close()


@pytest.fixture
def database(assistant):
    engine = make_engine(assistant.database_url)
    yield engine
    engine.dispose()


def db_state(engine) -> dict[str, int]:
    """How many rows each table a staff page can change has: any change shows."""
    with engine.connect() as connection:
        return {
            table: connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar()
            for table in ("users", "content_items", "content_versions", "content_releases", "audit_log")
        }


def user_id(engine, name: str) -> int:
    with engine.connect() as connection:
        return connection.execute(sa.text("SELECT id FROM users WHERE name = :name"), {"name": name}).scalar()


def version_status(engine, version_id: int) -> str:
    with engine.connect() as connection:
        return (
            connection.execute(sa.text("SELECT status FROM content_versions WHERE id = :id"), {"id": version_id})
            .scalar()
            .lower()
        )


def change_id(response: httpx.Response) -> int:
    """The version id a redirect to /editor/changes/{id} names."""
    assert response.status_code == 303, response.text
    found = re.fullmatch(r"/editor/changes/(\d+)", response.headers["location"])
    assert found, response.headers["location"]
    return int(found.group(1))


def greeting_form(text: str) -> dict[str, str]:
    """The change page's fields for utter_greet: both variants' texts."""
    return {"variant-0-text": text, "variant-1-text": GREETING_VARIANTS[1]["text"]}


# ------------------------------------------------------------------------------------- the POSTs


@dataclass(frozen=True)
class Post:
    """A form a person can send, who may send it, and what shows that it worked."""

    path: str
    roles: set
    fields: Callable[[], dict]
    files: Callable[[], dict | None] = lambda: None
    allowed_status: int = 303
    redirect: str | None = None  # a pattern the allowed redirect's location matches
    writes: bool = True  # whether it stores something when allowed (a draft, an account, an audit entry)


def empty_export() -> dict:
    # An export with nothing in it: the import is allowed, opens no change, and is audited.
    return {"file": ("content.yml", b"format: 1\nresponses: {}\nservices: {}\n", "application/yaml")}


POSTS = {
    "change": Post("/editor/items/response/utter_greet/change", EDITORS, dict, redirect=r"/editor/changes/\d+"),
    "new-service": Post(
        "/editor/new-service",
        EDITORS,
        lambda: {"key": f"uk-test-{uuid.uuid4().hex[:6]}", "region": "uk"},
        redirect=r"/editor/changes/\d+",
    ),
    "import": Post("/editor/import", EDITORS, dict, files=empty_export, redirect=r"/editor"),
    "add-user": Post(
        "/admin/users",
        ADMINS,
        lambda: {"name": f"new-{uuid.uuid4().hex[:8]}", "role": "counsellor", "password": COUNSELLOR_PASSWORD},
        redirect=r"/admin/users",
    ),
    "check": Post("/editor/api/check/1", EDITORS, lambda: {"variant-0-text": "Hi."}, allowed_status=200, writes=False),
}


def send(person: Person, post: Post, csrf: str | None = None) -> httpx.Response:
    return person.post(post.path, files=post.files(), csrf=csrf, **post.fields())


# ----------------------------------------------------------------------------------------- the tests


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("post", POSTS.values(), ids=POSTS.keys())
def test_each_form_works_for_its_roles_only(people, database, post, role):
    person = people[role]
    before = db_state(database)
    response = send(person, post)

    if role not in post.roles:
        assert response.status_code == 403
        assert db_state(database) == before
        return
    assert response.status_code == post.allowed_status, response.text
    assert (db_state(database) != before) == post.writes
    if post.redirect:
        assert re.fullmatch(post.redirect, response.headers["location"])
        assert 'class="panel error"' not in person.http.get(response.headers["location"]).text
    else:
        assert "problems" in response.json()
    if response.headers.get("location", "").startswith("/editor/changes/"):
        assert person.post(response.headers["location"], action="discard").status_code == 303


def test_a_form_with_a_forged_token_is_refused_even_when_signed_in(people, database):
    before = db_state(database)
    response = people["staff"].post(POSTS["change"].path, csrf="forged")
    assert response.status_code == 403
    assert db_state(database) == before


def test_staff_cannot_approve_their_own_change_but_a_second_person_can(people, database):
    author, reviewer = people["staff"], people["reviewer"]
    version_id = change_id(author.post("/editor/items/response/utter_greet/change"))
    here = f"/editor/changes/{version_id}"
    try:
        assert author.post(here, action="submit", note="Shorter.", **greeting_form(NEW_GREETING)).status_code == 303
        assert author.flash(here).startswith("Sent for review")
        assert version_status(database, version_id) == "in_review"

        assert author.post(here, action="approve").status_code == 303
        assert "You cannot approve your own change" in author.flash(here)
        assert version_status(database, version_id) == "in_review"

        assert reviewer.post(here, action="approve", note="Kind and clear.").status_code == 303
        assert reviewer.flash(here).startswith("Approved")
        assert version_status(database, version_id) == "approved"
    finally:
        author.post(here, action="discard")
    assert version_status(database, version_id) == "discarded"


def test_a_draft_with_a_phone_number_written_in_is_not_sent_for_review(people, database):
    author = people["staff"]
    version_id = change_id(author.post("/editor/items/response/utter_greet/change"))
    here = f"/editor/changes/{version_id}"
    try:
        author.post(here, action="submit", **greeting_form("Hello, I'm a chatbot. Call 0800 123 4567."))
        assert "0800 123 4567" in author.flash(here)
        assert version_status(database, version_id) == "draft"
    finally:
        author.post(here, action="discard")


def test_the_audit_log_shows_who_did_what(people):
    author, reviewer = people["staff"], people["reviewer"]
    version_id = change_id(author.post("/editor/items/response/utter_greet/change"))
    here = f"/editor/changes/{version_id}"
    author.post(here, action="submit", **greeting_form(NEW_GREETING))
    reviewer.post(here, action="request_changes", note="Say it more gently.")
    author.post(here, action="discard")

    log = author.http.get("/editor/audit").text
    for who, action in (
        (author, "content.draft"),
        (author, "content.save"),
        (author, "content.submit"),
        (reviewer, "content.request_changes"),
        (author, "content.discard"),
    ):
        row = f"<td>{who.name}</td><td>{action}</td><td>response:utter_greet v"
        assert row in log, f"no {action} by {who.name} in the audit log"
    assert "<td>system</td><td>content.import_bundle</td>" in author.http.get("/editor/audit?target=content").text


def test_a_disabled_account_is_signed_out_of_the_editor(people, assistant, database):
    leaving = sign_in(assistant.web_url, assistant.database_url, "staff")
    try:
        assert leaving.http.get("/editor").status_code == 200
        disable = f"/admin/users/{user_id(database, leaving.name)}/disable"
        assert people["staff"].post(disable).status_code == 403
        assert people["admin"].post(disable).status_code == 303

        response = leaving.http.get("/editor")
        assert (response.status_code, response.headers.get("location")) == (303, "/login")
    finally:
        leaving.http.close()


def conversation_exists(engine, sender_id: str) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            table: connection.execute(
                sa.text(f"SELECT count(*) FROM {table} WHERE {column} = :id"), {"id": sender_id}
            ).scalar()
            for table, column in (("conversations", "sender_id"), ("events", "sender_id"))
        }


def test_only_an_admin_deletes_a_conversation_on_request_and_it_is_audited(people, database, chat):
    chat.say("hi")
    assert all(conversation_exists(database, chat.sender).values())

    for role in ("counsellor", "supervisor", "staff"):
        assert people[role].post("/admin/conversations/delete", conversation_id=chat.sender).status_code == 403
    assert all(conversation_exists(database, chat.sender).values())

    response = people["admin"].post("/admin/conversations/delete", conversation_id=chat.sender)
    assert response.status_code == 303
    assert "Conversation deleted" in people["admin"].flash(response.headers["location"])
    assert conversation_exists(database, chat.sender) == {"conversations": 0, "events": 0}
    audit_page = people["admin"].http.get("/editor/audit").text
    assert f"conversation:{chat.sender}" in audit_page and "conversation.delete" in audit_page


def test_the_people_page_has_a_plain_title_and_each_form_once(people):
    page = people["admin"].http.get("/admin/users").text
    assert "<title>People: staff</title>" in page
    assert "<h1>People</h1>" in page
    for action in ("/admin/users", "/admin/conversations/delete"):
        assert page.count(f'action="{action}"') == 1, action
