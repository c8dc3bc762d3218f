"""The web app: pages and WebSockets for children (no login) and counsellors (login), over one ChatService."""

import asyncio
import logging
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy.exc import DataError, SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware.sessions import SessionMiddleware

from bot import settings
from bot.content.checks import response_problems
from bot.content.published import published
from bot.content.workflow import import_bundle
from bot.keys import kept_secret
from bot.risk import warm_up
from bot.store import sign_ins
from bot.store.db import make_engine
from bot.web.admin.routes import router as admin
from bot.web.chat.routes import router as chat
from bot.web.console.routes import router as console
from bot.web.core import auth
from bot.web.core.bus import RedisHub
from bot.web.core.hours import CounsellorHours
from bot.web.core.hub import Hub
from bot.web.core.limits import BodySizeLimit
from bot.web.core.rasa import RasaClient
from bot.web.editor.routes import api_router as editor_api
from bot.web.editor.routes import router as editor
from bot.web.insights.routes import router as insights
from bot.web.service import ChatService
from bot.web.sign_in.routes import router as sign_in

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; media-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # Nothing of a chat may be kept by the browser's cache or come back with the Back button.
    "Cache-Control": "no-store",
}
NOTHING_HERE = (
    "<!doctype html><html lang=en><title>Not found</title><main><h1>Not found</h1>"
    "<p>There is nothing at this address.</p></main></html>"
)


class PageFiles(StaticFiles):
    """The page's files; a path no file can have (a NUL byte in it) is not found, rather than an error."""

    async def get_response(self, path: str, scope):
        if "\x00" in path:
            raise HTTPException(status_code=404)
        return await super().get_response(path, scope)


async def _names_nothing(_request: Request, error: Exception):
    """An id in an address or form that nothing can have: a number too big for the database (OverflowError on
    SQLite, DataError on PostgreSQL), or one no record has (LookupError, as users.disable raises it). 404, not 500."""
    if isinstance(error, (OverflowError, DataError)) or type(error) is LookupError:
        return HTMLResponse(NOTHING_HERE, status_code=404)
    raise error  # a KeyError or IndexError is a bug: it stays a 500 and is logged


async def _content_ready(service: ChatService) -> None:
    """The project's content is in the database and followed live; the content check is warm for the editor."""
    try:
        await service.db(import_bundle)
    except SQLAlchemyError:
        # Another instance imported it at the same moment, or the database is away: what is
        # published (or the snapshot, or the bundle) still serves children.
        log.warning("could not import the bundled content now")
    published()
    await run_in_threadpool(response_problems, "utter_greet", "welcome", [{"text": "Hi."}], {})


health = APIRouter()


@health.get("/healthz")
async def healthz():
    return JSONResponse({"ok": True})


AREAS = (health, chat, sign_in, console, editor, editor_api, admin, insights)


def _service(database_url: str | None, rasa_url: str | None) -> ChatService:
    engine = make_engine(database_url or settings.DATABASE_URL)
    rasa = RasaClient(rasa_url or settings.RASA_URL)
    hours = CounsellorHours.parse(settings.COUNSELLOR_HOURS, settings.COUNSELLOR_TIMEZONE)
    hub = RedisHub(settings.REDIS_URL) if settings.REDIS_URL else Hub()
    if rasa.longest_turn_seconds >= settings.REPLY_DUE_SECONDS:
        log.warning(
            "REPLY_DUE_SECONDS (%s s) should be above the longest a live instance takes to answer (%s s): "
            "another instance may answer a slow message as well",
            settings.REPLY_DUE_SECONDS,
            rasa.longest_turn_seconds,
        )
    return ChatService(engine, rasa, hub, hours)


@asynccontextmanager
async def _lifespan(app: FastAPI):
    service: ChatService = app.state.service
    warm_up()  # the risk detector is ready before the first child types
    await _content_ready(service)
    await service.hub.start()
    background = [
        asyncio.create_task(service.child_messages.release_held()),
        asyncio.create_task(service.answers.answer_overdue()),
    ]
    yield
    for task in background:
        task.cancel()
    await service.hub.stop()
    await service.rasa.close()
    service.engine.dispose()


async def _security_headers(request: Request, call_next):
    response = await call_next(request)
    response.headers.update(SECURITY_HEADERS)
    if settings.COOKIE_SECURE:
        # Served over HTTPS (behind TLS): browsers must never fall back to plain HTTP.
        response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return response


def create_app(database_url: str | None = None, rasa_url: str | None = None) -> FastAPI:
    # No redirect from "/login/" to "/login": Starlette's would be an absolute URL built from the Host header.
    app = FastAPI(lifespan=_lifespan, docs_url=None, redoc_url=None, openapi_url=None, redirect_slashes=False)
    app.state.service = _service(database_url, rasa_url)
    app.state.engine = app.state.service.engine
    app.state.templates = Jinja2Templates(directory=str(HERE / "templates"))

    for area in AREAS:
        app.include_router(area)
    app.mount("/static", PageFiles(directory=str(HERE / "static")), name="static")

    auth.answer_refusals(app)
    for error in (OverflowError, DataError, LookupError):
        app.add_exception_handler(error, _names_nothing)
    app.add_middleware(
        SessionMiddleware,
        secret_key=kept_secret("WEB_SECRET_KEY", "web-secret"),
        session_cookie="console_session",
        max_age=sign_ins.SIGN_IN_HOURS * 3600,
        same_site="strict",
        https_only=settings.COOKIE_SECURE,
    )
    app.add_middleware(BodySizeLimit, max_bytes=settings.MAX_REQUEST_BYTES)
    app.middleware("http")(_security_headers)
    return app
