"""The web app's routers: each area's routes carry its role (bot/vocabulary.py AREA_ROLES) as a router-level
dependency, so a route added to an area without naming anyone is still refused to everyone without the role."""

from collections.abc import Iterator

import pytest
from fastapi.routing import APIRoute, APIWebSocketRoute
from fastapi.testclient import TestClient

from bot.store import users
from bot.store.db import session_scope
from bot.store.migrate import upgrade
from bot.vocabulary import AREA_ROLES
from bot.web.admin.routes import router as admin_router
from bot.web.app import create_app
from bot.web.deps import require_area
from tests.client import sign_in

PASSWORD = "a long test password 1"
PUBLIC = {"/", "/ws/chat", "/login", "/logout", "/healthz"}
# Which area each address belongs to, by its first part.
AREA_OF_PREFIX = {"console": "console", "ws": "console", "editor": "editor", "admin": "admin", "insights": "insights"}


@pytest.fixture
def database_url(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'web.db'}"
    upgrade(url)
    return url


def build_app(database_url: str, monkeypatch):
    monkeypatch.setenv("WEB_SECRET_KEY", "only for this test")
    app = create_app(database_url, "http://127.0.0.1:9")
    with session_scope(app.state.engine) as session:
        for role in ("counsellor", "supervisor", "staff", "admin"):
            users.create_user(session, role, role, PASSWORD)
    return app


def areas_required(route) -> set[str]:
    return {
        area
        for area in AREA_ROLES
        for api in (False, True)
        if any(dependency.call is require_area(area, api) for dependency in route.dependant.dependencies)
    }


def test_every_route_but_the_public_ones_needs_its_areas_role(database_url, monkeypatch):
    app = build_app(database_url, monkeypatch)
    found = {}
    for route in app.routes:
        if isinstance(route, (APIRoute, APIWebSocketRoute)):
            found[route.path] = areas_required(route)
    for path, areas in found.items():
        if path in PUBLIC:
            assert areas == set(), path
        else:
            assert AREA_OF_PREFIX[path.split("/")[1]] in areas, f"{path} is not on its area's router"
    # The one route that needs two areas' roles: what the bot did not understand, for the editors among insights'.
    assert found["/insights/fallbacks.yml"] == {"insights", "editor"}


@pytest.fixture
def app_with_a_new_admin_route(database_url, monkeypatch) -> Iterator[TestClient]:
    """The real admin router with one more route that names nobody, as a route added later would."""

    @admin_router.get("/admin/a-new-page")
    async def a_new_page():
        return {"secret": "what only admins may see"}

    try:
        yield TestClient(build_app(database_url, monkeypatch), follow_redirects=False)
    finally:
        admin_router.routes.pop()


def signed_in(client: TestClient, role: str) -> TestClient:
    response = sign_in(client, role, PASSWORD)
    assert response.status_code == 303, response.text
    return client


def test_a_new_route_on_an_area_router_is_refused_without_the_areas_role(app_with_a_new_admin_route):
    client = app_with_a_new_admin_route
    visitor = client.get("/admin/a-new-page")
    assert (visitor.status_code, visitor.headers["location"]) == (303, "/login")
    for role in ("counsellor", "supervisor", "staff"):
        refused = signed_in(client, role).get("/admin/a-new-page")
        assert refused.status_code == 403 and "secret" not in refused.text, role
    assert signed_in(client, "admin").get("/admin/a-new-page").json() == {"secret": "what only admins may see"}


def test_a_form_to_an_area_is_refused_without_its_token_before_anything_else(database_url, monkeypatch):
    client = signed_in(TestClient(build_app(database_url, monkeypatch), follow_redirects=False), "admin")
    refused = client.post("/admin/users", data={"name": "someone", "role": "staff", "password": PASSWORD})
    assert refused.status_code == 403 and "expired" in refused.text


@pytest.mark.parametrize("path", ["/logout", "/editor/changes/1", "/admin/users"])
def test_a_form_body_no_parser_can_read_is_a_bad_request_not_an_error(database_url, monkeypatch, path):
    client = TestClient(build_app(database_url, monkeypatch), follow_redirects=False)
    sent = client.post(path, content=b"\x00", headers={"content-type": "multipart/form-data; boundary=x"})
    assert sent.status_code == 400
