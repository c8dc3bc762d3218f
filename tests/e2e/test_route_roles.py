"""Every route of the web app, tried with no session and with each role, over real HTTP and WebSockets.

The routes are read from the FastAPI app object itself (`create_app`, what `python -m bot.web` serves), so a
route added later is tried too: one that MATRIX below does not know fails with the line to add. For each route
and each session the matrix says what must happen:

- public: the same answer for everyone (a form still needs the session's CSRF token);
- allowed (the route's roles): the page (200), or a form's redirect to the right place (303);
- refused: a page or form sends a visitor who is not signed in (or whose account was disabled) to /login
  (303), and answers 403 to a signed-in person without the role; the editor's JSON API answers 403; the
  console's WebSocket is closed with 4401. A form without the CSRF token is refused with 403 before anything.

A refused request must change nothing: the database is compared before and after each one, and a few
representative forms are checked one by one (the account an admin would disable, the conversation an admin
would delete, a draft a wrong role tries to discard, the account a wrong role tries to add).
"""

import asyncio
import json
import os
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx
import pytest
import sqlalchemy as sa
import websockets.exceptions
from starlette.routing import Mount, WebSocketRoute
from starlette.routing import Route as AppRoute
from websockets.client import connect
from websockets.typing import Origin

from bot.store import users
from bot.store.db import make_engine, session_scope
from bot.web.core import auth
from tests.client import csrf_of, ws_url
from tests.client import sign_in as sign_in_through_form
from tests.e2e.conftest import COUNSELLOR_PASSWORD, Chat, add_user

ROLES = tuple(auth.SIGN_IN_ROLES)
CONSOLE, EDITORS, INSIGHTS, ADMINS = (
    frozenset(roles) for roles in (auth.CONSOLE_ROLES, auth.EDITOR_ROLES, auth.INSIGHTS_ROLES, auth.ADMIN_ROLES)
)
# The sessions every route is tried with, in this order (the roles that may change things come last).
NO_COOKIE = "no cookie"  # a client that never had a session: no CSRF token either
VISITOR = "visitor"  # not signed in, with the session /login gives (so a CSRF token): also a child chatting
DISABLED = "disabled admin"  # signed in as an admin whose account was disabled afterwards
SESSIONS = (NO_COOKIE, VISITOR, DISABLED) + ROLES
RESPONSE = "utter_anything_else"  # the response the editor's forms are tried on (other tests use utter_greet)
WS_TIMEOUT = 10


# ------------------------------------------------------------------------------ the app's routes


@contextmanager
def _env(**values: str) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def app_routes() -> list[tuple[str, str]]:
    """(method, path) of every route the web app serves; "WS" for a WebSocket, "GET" for a mounted directory."""
    from bot.web.app import create_app  # the real app's factory: nothing is served, no lifespan runs

    # A secret given here, so building the app does not create var/web-secret; nothing is connected to.
    with _env(WEB_SECRET_KEY="only-listing-routes"):
        app = create_app("sqlite://", "http://127.0.0.1:9")
    app.state.engine.dispose()
    found = []
    for route in app.routes:
        assert isinstance(route, (AppRoute, WebSocketRoute, Mount)), route  # the kinds with a path
        if isinstance(route, WebSocketRoute) or type(route).__name__ == "APIWebSocketRoute":
            found.append(("WS", route.path))
        elif isinstance(route, Mount):
            found.append(("GET", route.path))
        else:
            methods = getattr(route, "methods", None) or {f"? {type(route).__name__}"}
            found.extend((method, route.path) for method in sorted(methods) if method != "HEAD")
    return found


ROUTES = app_routes()


# ------------------------------------------------------------------------------------- sessions


@dataclass
class Session:
    """A browser: an HTTP client with its own session cookie, and the CSRF token of that session."""

    name: str
    http: httpx.Client
    role: str | None = None  # the role it is signed in with (None: not signed in, or disabled)
    account: str | None = None
    csrf: str = ""

    @property
    def signed_in(self) -> bool:
        return self.role is not None

    def request(self, method: str, path: str, data: dict | None = None, files=None) -> httpx.Response:
        if self.name == NO_COOKIE:
            self.http.cookies.clear()  # a public page may have set one: this client never keeps it
        if method == "POST":
            return self.http.post(path, data={"csrf": self.csrf, **(data or {})}, files=files)
        return self.http.request(method, path)

    def cookie_header(self) -> dict[str, str]:
        if self.name == NO_COOKIE:
            return {}
        return {"Cookie": "; ".join(f"{name}={value}" for name, value in self.http.cookies.items())}

    def twin(self) -> "Session":
        """A second browser like this one, to sign out without losing this one: signed in to the same account
        with a sign-in of its own (signing out ends a sign-in on the server, for every copy of its cookie), or,
        when this one is not signed in, holding the same cookie."""
        if self.signed_in:
            assert self.account is not None and self.role is not None  # as sign_in_as left them
            return sign_in_as(str(self.http.base_url), self.account, self.role, self.name)
        twin = httpx.Client(
            base_url=self.http.base_url, follow_redirects=False, timeout=60, cookies=httpx.Cookies(self.http.cookies)
        )  # the same cookie, domain and path
        return Session(self.name, twin, self.role, self.account, self.csrf)


def browser(web_url: str) -> httpx.Client:
    return httpx.Client(base_url=web_url, follow_redirects=False, timeout=60)


def sign_in(web_url: str, database_url: str, role: str, name: str) -> Session:
    return sign_in_as(web_url, add_user(database_url, role), role, name)


def sign_in_as(web_url: str, account: str, role: str, name: str) -> Session:
    http = browser(web_url)
    response = sign_in_through_form(http, account, COUNSELLOR_PASSWORD)
    # Signing in is the public POST /login at work: each role lands on its home.
    assert (response.status_code, response.headers.get("location")) == (303, auth.home_for(role)), response.text
    return Session(name, http, role, account, csrf_of(http.get("/login")))


# ------------------------------------------------------------------------------------ the world


@dataclass
class World:
    """The running web app, its database, one session of each kind, and what the forms are tried on."""

    web_url: str
    engine: sa.engine.Engine
    sessions: dict[str, Session]
    conversation: str  # a real conversation (Rasa's tracker and ours), for the admin's delete
    victim_id: int  # an account for the admin's disable
    item_id: int  # RESPONSE's content item
    live_version_id: int
    scratch: dict = field(default_factory=dict)

    def session_by_role(self, role: str) -> Session:
        return next(s for s in self.sessions.values() if s.role == role)

    def scalar(self, sql: str, **params):
        with self.engine.connect() as connection:
            return connection.execute(sa.text(sql), params).scalar()

    def state(self) -> dict[str, object]:
        """What the staff, console and admin routes write; any change shows. (Not what children's chats write,
        which an earlier test's last bot reply may still be doing: only this module's conversation of those.)"""
        with self.engine.connect() as connection:

            def one(sql: str, **params):
                return connection.execute(sa.text(sql), params).scalar()

            def rows(sql: str):
                return sorted(tuple(row) for row in connection.execute(sa.text(sql)))

            state = {
                table: one(f"SELECT count(*) FROM {table}")
                for table in (
                    "users",
                    "content_items",
                    "content_versions",
                    "content_releases",
                    "audit_log",
                    "counsellor_notes",
                )
            }
            state["active users"] = one("SELECT count(*) FROM users WHERE active")
            state["versions by status"] = rows("SELECT status, count(*) FROM content_versions GROUP BY status")
            state["live versions"] = rows("SELECT id, live_version_id FROM content_items")
            state["claimed handoffs"] = rows(
                "SELECT id, status, counsellor_id FROM handoffs WHERE counsellor_id IS NOT NULL"
            )
            state["counsellors' messages"] = one("SELECT count(*) FROM messages WHERE lower(speaker) = 'counsellor'")
            for table in ("conversations", "events", "messages"):
                state[f"{table} of the test conversation"] = one(
                    f"SELECT count(*) FROM {table} WHERE {'conversation_id' if table == 'messages' else 'sender_id'}"
                    " = :s",
                    s=self.conversation,
                )
            return state


@pytest.fixture(scope="module")
def world(assistant) -> Iterator[World]:
    web_url, database_url = assistant.web_url, assistant.database_url
    engine = make_engine(database_url)
    visitor = Session(VISITOR, browser(web_url))
    visitor.csrf = csrf_of(visitor.http.get("/login"))
    sessions = {NO_COOKIE: Session(NO_COOKIE, browser(web_url)), VISITOR: visitor}
    disabled = sign_in(web_url, database_url, "admin", DISABLED)
    assert disabled.account is not None
    with session_scope(engine) as db:
        account = users.find_user(db, disabled.account)
        assert account is not None
        users.disable(db, account.id)
    disabled.role = None
    sessions[DISABLED] = disabled
    sessions.update({role: sign_in(web_url, database_url, role, role) for role in ROLES})

    chat = Chat(assistant.rasa_url)
    chat.say("hi")
    victim = add_user(database_url, "counsellor")
    with engine.connect() as connection:
        victim_id = connection.execute(sa.text("SELECT id FROM users WHERE name = :n"), {"n": victim}).scalar()
        assert victim_id is not None
        item_id, live_id = connection.execute(
            sa.text("SELECT id, live_version_id FROM content_items WHERE key = :k"), {"k": RESPONSE}
        ).one()
    built = World(web_url, engine, sessions, chat.sender, victim_id, item_id, live_id)
    assert built.scalar("SELECT count(*) FROM conversations WHERE sender_id = :s", s=chat.sender) == 1
    yield built
    for session in sessions.values():
        session.http.close()
    engine.dispose()


# ------------------------------------------------------------------------------------- outcomes


def outcome(response: httpx.Response) -> str:
    """What a request came to, in one line: "200", "303 /login", "403"."""
    location = response.headers.get("location")
    return f"{response.status_code} {location}" if location else str(response.status_code)


def ws_outcome(
    world: World,
    session: Session,
    path: str,
    first_event: dict | None = None,
    wanted: Callable[[dict], bool] = lambda event: True,
) -> str:
    """ "ws open" when the socket was accepted and sent what a working page gets first, else how it was refused."""

    async def attempt() -> str:
        try:
            async with connect(
                ws_url(world.web_url, path),
                origin=Origin(world.web_url),
                extra_headers=session.cookie_header(),
                open_timeout=WS_TIMEOUT,
            ) as socket:
                if first_event is not None:
                    await socket.send(json.dumps(first_event))
                while True:
                    event = json.loads(await asyncio.wait_for(socket.recv(), WS_TIMEOUT))
                    if wanted(event):
                        return "ws open"
        except websockets.exceptions.InvalidStatusCode as refused:
            return f"ws refused {refused.status_code}"
        except websockets.exceptions.ConnectionClosed as closed:
            return f"ws closed {closed.code}"
        except asyncio.TimeoutError:
            return "ws silent"

    return asyncio.run(attempt())


# ----------------------------------------------------------------------------------- the matrix

Probe = Callable[[World, Session], str]


@dataclass(frozen=True)
class Route:
    """Who may use a route, how it is tried, and what an allowed request comes to (a regex over `outcome`)."""

    kind: str  # "page" (or a download), "form", "api" (JSON), "ws"
    roles: frozenset | None  # None: public
    probe: Probe
    allowed: str = "200"
    # after each session's try: representative checks and cleaning up (world, session, was it allowed)
    after: Callable[[World, Session, bool], None] = lambda world, session, allowed: None
    before: Callable[[World], None] = lambda world: None
    finish: Callable[[World], None] = lambda world: None

    def may(self, session: Session) -> bool:
        return self.roles is None or session.role in self.roles

    def expected(self, session: Session) -> str:
        """The regex the session's outcome must match."""
        if self.kind == "form" and session.name == NO_COOKIE:
            return "403"  # no CSRF token: refused before anything, public form or not
        if self.may(session):
            return self.allowed
        if self.kind == "ws":
            return "ws closed 4401"
        if self.kind == "api":
            return "40[13]"
        return "403" if session.signed_in else "303 /login"


def get(path: str) -> Probe:
    return lambda world, session: outcome(session.request("GET", path))


def post(
    path: Callable[[World], str],
    fields: Callable[[World], dict] = lambda world: {},
    files: Callable[[], dict | None] = lambda: None,
) -> Probe:
    return lambda world, session: outcome(session.request("POST", path(world), fields(world), files()))


def version_status(world: World, version_id: int) -> str:
    return str(world.scalar("SELECT status FROM content_versions WHERE id = :v", v=version_id)).lower()


def discard_opened(world: World, session: Session, allowed: bool) -> None:
    """An allowed "open a change" redirected to the new draft: its author discards it again."""
    location = world.scratch.pop("location", "")
    found = re.fullmatch(r"/editor/changes/(\d+)", location)
    if allowed and found:
        response = session.request("POST", location, {"action": "discard"})
        assert response.status_code == 303, response.text
        assert version_status(world, int(found.group(1))) == "discarded"


def remember_location(probe: Probe) -> Probe:
    def tried(world: World, session: Session) -> str:
        result = probe(world, session)
        world.scratch["location"] = result.split(" ", 1)[1] if " " in result else ""
        return result

    return tried


# POST /editor/changes/{id}: every session tries to discard one open draft of staff's.
def open_staff_draft(world: World) -> None:
    response = world.session_by_role("staff").request("POST", f"/editor/items/response/{RESPONSE}/change")
    assert response.status_code == 303 and response.headers["location"].startswith("/editor/changes/"), response.text
    world.scratch["draft"] = int(response.headers["location"].rsplit("/", 1)[1])


def draft_discarded_only_by_its_author(world: World, session: Session, allowed: bool) -> None:
    draft = world.scratch["draft"]
    if allowed and session.role == "staff":
        assert version_status(world, draft) == "discarded", "staff could not discard their own draft"
        open_staff_draft(world)  # a fresh one for the next session to try
    else:
        assert version_status(world, draft) == "draft", "staff's draft is no longer a draft"


def discard_staff_draft(world: World) -> None:
    draft = world.scratch.pop("draft", None)
    if draft is not None and version_status(world, draft) == "draft":
        response = world.session_by_role("staff").request("POST", f"/editor/changes/{draft}", {"action": "discard"})
        assert response.status_code == 303 and version_status(world, draft) == "discarded", response.text


def new_account_only_by_admin(world: World, session: Session, allowed: bool) -> None:
    name = world.scratch.pop("new account")
    exists = world.scalar("SELECT count(*) FROM users WHERE name = :n", n=name)
    assert exists == (1 if allowed else 0), f"the account {name} is in the database {exists} times"
    listed = name in world.session_by_role("admin").request("GET", "/admin/users").text
    assert listed == allowed, f"the people page lists {name}: {listed}"


def new_account(world: World) -> dict:
    world.scratch["new account"] = f"roles-{uuid.uuid4().hex[:8]}"
    return {"name": world.scratch["new account"], "role": "counsellor", "password": COUNSELLOR_PASSWORD}


def victim_active_until_admin(world: World, session: Session, allowed: bool) -> None:
    active = bool(world.scalar("SELECT active FROM users WHERE id = :i", i=world.victim_id))
    assert active != allowed, f"the account to disable is active={active}"


def display_name_unchanged_until_admin(world: World, session: Session, allowed: bool) -> None:
    shown = world.scalar("SELECT display_name FROM users WHERE id = :i", i=world.victim_id)
    assert (shown == "Renamed by the probe") == allowed, f"the name children see is {shown!r}"


def conversation_kept_until_admin(world: World, session: Session, allowed: bool) -> None:
    left = {
        table: world.scalar(f"SELECT count(*) FROM {table} WHERE sender_id = :s", s=world.conversation)
        for table in ("conversations", "events")
    }
    gone = left == {"conversations": 0, "events": 0}
    assert gone if allowed else all(left.values()), f"the conversation to delete has rows left: {left}"


def empty_export() -> dict:
    return {"file": ("content.yml", b"format: 1\nresponses: {}\nservices: {}\n", "application/yaml")}


def wrong_password(world: World) -> dict:
    return {"name": f"nobody-{uuid.uuid4().hex[:8]}", "password": "not the password at all"}


def sign_out(world: World, session: Session) -> str:
    """Signs out a twin of the session (the session itself is still needed), then tries /editor with it."""
    twin = session.twin()
    try:
        result = outcome(twin.request("POST", "/logout"))
        if twin.name != NO_COOKIE:
            home = outcome(twin.request("GET", "/editor"))
            result += "" if home == "303 /login" else f", then /editor gave {home}"
        return result
    finally:
        twin.http.close()


def child_socket(world: World, session: Session) -> str:
    return ws_outcome(
        world,
        session,
        "/ws/chat",
        {"type": "hello", "conversation": None, "after": 0},
        lambda event: event.get("type") == "welcome" and bool(event.get("conversation")),
    )


def console_socket(world: World, session: Session) -> str:
    async def as_child_too() -> str:
        # The visitor is a child chatting: its chat stays open while it tries the console's socket.
        async with connect(ws_url(world.web_url, "/ws/chat"), origin=Origin(world.web_url)) as chat:
            await chat.send('{"type": "hello", "conversation": null, "after": 0}')
            await asyncio.wait_for(chat.recv(), WS_TIMEOUT)
            return await asyncio.get_running_loop().run_in_executor(
                None, lambda: ws_outcome(world, session, "/ws/console", wanted=lambda e: e.get("type") == "queue")
            )

    if session.name == VISITOR:
        return asyncio.run(as_child_too())
    return ws_outcome(world, session, "/ws/console", wanted=lambda event: event.get("type") == "queue")


MATRIX: dict[tuple[str, str], Route] = {
    # ---------------------------------------------------------------- public: children and signing in
    ("GET", "/static"): Route("page", None, get("/static/chat.js")),
    ("GET", "/healthz"): Route("page", None, get("/healthz")),
    ("GET", "/"): Route("page", None, get("/")),
    ("WS", "/ws/chat"): Route("ws", None, child_socket, allowed="ws open"),
    ("GET", "/login"): Route("page", None, get("/login")),
    # A wrong password is answered 401 to anyone; signing in right (the fixture) lands on each role's home.
    ("POST", "/login"): Route("form", None, post(lambda w: "/login", wrong_password), allowed="401"),
    ("POST", "/logout"): Route("form", None, sign_out, allowed="303 /login"),
    # ---------------------------------------------------------------- the counsellor console
    ("GET", "/console"): Route("page", CONSOLE, get("/console")),
    ("GET", "/console/conversations/{conversation_id}"): Route(
        "page", CONSOLE, lambda w, s: outcome(s.request("GET", f"/console/conversations/{w.conversation}"))
    ),
    ("WS", "/ws/console"): Route("ws", CONSOLE, console_socket, allowed="ws open"),
    # ---------------------------------------------------------------- the content editor
    ("GET", "/editor"): Route("page", EDITORS, get("/editor")),
    ("GET", "/editor/items/{kind}/{key}"): Route("page", EDITORS, get(f"/editor/items/response/{RESPONSE}")),
    ("POST", "/editor/items/{kind}/{key}/change"): Route(
        "form",
        EDITORS,
        remember_location(post(lambda w: f"/editor/items/response/{RESPONSE}/change")),
        allowed=r"303 /editor/changes/\d+",
        after=discard_opened,
    ),
    ("POST", "/editor/new-service"): Route(
        "form",
        EDITORS,
        remember_location(
            post(lambda w: "/editor/new-service", lambda w: {"key": f"uk-roles-{uuid.uuid4().hex[:6]}", "region": "uk"})
        ),
        allowed=r"303 /editor/changes/\d+",
        after=discard_opened,
    ),
    # Version 999 never existed: an editor is told so on the item's page; nothing goes live.
    ("POST", "/editor/items/{kind}/{key}/rollback"): Route(
        "form",
        EDITORS,
        post(
            lambda w: f"/editor/items/response/{RESPONSE}/rollback",
            lambda w: {"item_id": str(w.item_id), "number": "999"},
        ),
        allowed=f"303 /editor/items/response/{RESPONSE}",
    ),
    ("GET", "/editor/changes/{version_id}"): Route(
        "page", EDITORS, lambda w, s: outcome(s.request("GET", f"/editor/changes/{w.live_version_id}"))
    ),
    # Everyone tries to discard staff's open draft: only its author, staff, manages (admin is told it is not theirs).
    ("POST", "/editor/changes/{version_id}"): Route(
        "form",
        EDITORS,
        post(lambda w: f"/editor/changes/{w.scratch['draft']}", lambda w: {"action": "discard"}),
        allowed=r"303 /editor/changes/\d+",
        before=open_staff_draft,
        after=draft_discarded_only_by_its_author,
        finish=discard_staff_draft,
    ),
    ("POST", "/editor/api/check/{version_id}"): Route(
        "api", EDITORS, post(lambda w: f"/editor/api/check/{w.live_version_id}", lambda w: {"variant-0-text": "Hi."})
    ),
    ("GET", "/editor/audit"): Route("page", EDITORS, get("/editor/audit")),
    ("GET", "/editor/export.yml"): Route("page", EDITORS, get("/editor/export.yml")),
    ("POST", "/editor/import"): Route(
        "form", EDITORS, post(lambda w: "/editor/import", files=empty_export), allowed="303 /editor"
    ),
    # ---------------------------------------------------------------- admins
    ("GET", "/admin/users"): Route("page", ADMINS, get("/admin/users")),
    ("POST", "/admin/users"): Route(
        "form",
        ADMINS,
        post(lambda w: "/admin/users", new_account),
        allowed="303 /admin/users",
        after=new_account_only_by_admin,
    ),
    ("POST", "/admin/conversations/delete"): Route(
        "form",
        ADMINS,
        post(lambda w: "/admin/conversations/delete", lambda w: {"conversation_id": w.conversation}),
        allowed="303 /admin/users",
        after=conversation_kept_until_admin,
    ),
    ("POST", "/admin/users/{user_id}/shown-as"): Route(
        "form",
        ADMINS,
        post(lambda w: f"/admin/users/{w.victim_id}/shown-as", lambda w: {"display_name": "Renamed by the probe"}),
        allowed="303 /admin/users",
        after=display_name_unchanged_until_admin,
    ),
    ("POST", "/admin/users/{user_id}/disable"): Route(
        "form",
        ADMINS,
        post(lambda w: f"/admin/users/{w.victim_id}/disable"),
        allowed="303 /admin/users",
        after=victim_active_until_admin,
    ),
    # ---------------------------------------------------------------- insights
    ("GET", "/insights"): Route("page", INSIGHTS, get("/insights")),
    # What children typed that the bot did not understand: for the people who edit the bot only.
    ("GET", "/insights/fallbacks.yml"): Route("page", EDITORS, get("/insights/fallbacks.yml")),
}


def _route_id(route: tuple[str, str]) -> str:
    return f"{route[0]} {route[1]}"


# ------------------------------------------------------------------------------------- the tests


def test_the_matrix_names_only_routes_the_app_has():
    gone = sorted(set(MATRIX) - set(ROUTES))
    assert not gone, (
        "The role matrix in tests/e2e/test_route_roles.py names routes the web app no longer has: "
        + ", ".join(map(_route_id, gone))
        + ". Remove them from MATRIX."
    )


@pytest.mark.parametrize("route", ROUTES, ids=map(_route_id, ROUTES))
def test_each_session_gets_what_the_matrix_says(request, route):
    if route not in MATRIX:
        pytest.fail(
            f"The web app has a route the role matrix does not know: {_route_id(route)}. Add it to MATRIX "
            f"in tests/e2e/test_route_roles.py with who may use it (public, or a role set from "
            f"bot/web/core/auth.py) and how to try it, so every role is tried on it."
        )
    spec = MATRIX[route]
    world = request.getfixturevalue("world")  # after the check above: an unknown route fails without the servers
    spec.before(world)
    wrong = []
    try:
        wrong = try_each_session(world, spec)
    finally:
        spec.finish(world)
    assert not wrong, f"{_route_id(route)}:\n" + "\n".join(wrong)


def try_each_session(world: World, spec: Route) -> list[str]:
    """What went otherwise than the matrix says, one line per session."""
    wrong = []
    for name in SESSIONS:
        session = world.sessions[name]
        expected = spec.expected(session)
        refused = not spec.may(session) or expected == "403"
        before = world.state() if refused else None
        got = spec.probe(world, session)
        if not re.fullmatch(expected, got):
            wrong.append(f"  {name:15} expected {expected!r:28} got {got!r}")
        if refused:
            assert before is not None
            after = world.state()
            changed = {key: (before[key], after[key]) for key in before if before[key] != after[key]}
            if changed:
                wrong.append(f"  {name:15} was refused but changed the database: {changed}")
        try:
            spec.after(world, session, re.fullmatch(expected, got) is not None and not refused)
        except AssertionError as failed:
            wrong.append(f"  {name:15} {str(failed).splitlines()[0]}")
    return wrong


def test_allowed_pages_are_the_page_not_a_refusal(world):
    """An allowed 200 is the page itself, naming the person (a refusal is "Not allowed")."""
    for path, roles in (
        ("/console", CONSOLE),
        ("/editor", EDITORS),
        ("/admin/users", ADMINS),
        ("/insights", INSIGHTS),
        ("/editor/audit", EDITORS),
    ):
        for role in roles:
            session = world.session_by_role(role)
            page = session.request("GET", path)
            assert page.status_code == 200 and "Not allowed" not in page.text, (path, role)
            assert session.account in page.text, (path, role)
        for role in set(ROLES) - roles:
            assert "Not allowed" in world.session_by_role(role).request("GET", path).text, (path, role)
