"""What routes are given: the signed-in person an area needs, the service and the page templates.

Each area's router carries its person as a router-level dependency, so a route added to it is refused until the
person has the area's role (bot/vocabulary.py AREA_ROLES); a route that wants the person names its type.
"""

from functools import cache
from typing import Annotated

from fastapi import Depends
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException
from starlette.requests import HTTPConnection, Request
from starlette.websockets import WebSocket

from bot.vocabulary import roles_for
from bot.web.core.auth import NotAllowed, SignInAgain, check_csrf, same_origin, signed_in
from bot.web.core.hub import Counsellor
from bot.web.service import ChatService


def service(connection: HTTPConnection) -> ChatService:
    return connection.app.state.service


def templates(connection: HTTPConnection) -> Jinja2Templates:
    return connection.app.state.templates


Service = Annotated[ChatService, Depends(service)]
Templates = Annotated[Jinja2Templates, Depends(templates)]


async def check_form_csrf(request: Request) -> None:
    """A form's CSRF token, checked before anything else is (who sent it included)."""
    if request.method != "POST":
        return
    try:
        form = await request.form()
    except HTTPException:
        raise
    except Exception as error:  # noqa: BLE001 - a body no parser can read: 400, as FastAPI answers it for a Form()
        raise HTTPException(status_code=400, detail="There was an error parsing the body") from error
    token = form.get("csrf")
    check_csrf(request, token if isinstance(token, str) else "")


@cache
def require_area(area: str, api: bool = False):
    """The dependency that gives the signed-in person with one of `area`'s roles, or refuses (on an `api` with
    SignInAgain). Every form sent to the area has its CSRF token checked first; every WebSocket its origin."""
    roles = roles_for(area)
    refused = SignInAgain if api else NotAllowed

    async def person(connection: HTTPConnection) -> Counsellor:
        if isinstance(connection, WebSocket) and not same_origin(connection):
            raise refused()
        if isinstance(connection, Request):
            await check_form_csrf(connection)
        found = await signed_in(connection, service(connection), roles)
        if found is None:
            raise refused()
        return found

    person.__name__ = f"{area}_person"
    return person


ConsolePerson = Annotated[Counsellor, Depends(require_area("console"))]
EditorPerson = Annotated[Counsellor, Depends(require_area("editor"))]
InsightsPerson = Annotated[Counsellor, Depends(require_area("insights"))]
AdminPerson = Annotated[Counsellor, Depends(require_area("admin"))]


def area_dependencies(area: str, api: bool = False) -> list:
    """An area router's `dependencies`: its person, for every route on it."""
    return [Depends(require_area(area, api))]
