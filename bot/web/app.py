"""The web app: pages and WebSockets for children (no login) and counsellors (login), over one ChatService."""

import asyncio
import logging
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Form, Request, WebSocket
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
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
from bot.store import sign_ins, users
from bot.store.db import make_engine
from bot.web import auth
from bot.web.bus import RedisHub
from bot.web.child_socket import serve_child
from bot.web.console_socket import serve_console
from bot.web.console_view import conversation_page_context
from bot.web.editor_routes import register_editor
from bot.web.helplines import helplines_for
from bot.web.hours import CounsellorHours
from bot.web.hub import Hub
from bot.web.insights_routes import register_insights
from bot.web.limits import BodySizeLimit
from bot.web.rasa import RasaClient
from bot.web.service import ChatService

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
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


def create_app(database_url: str | None = None, rasa_url: str | None = None) -> FastAPI:
    engine = make_engine(database_url or settings.DATABASE_URL)
    rasa = RasaClient(rasa_url or settings.RASA_URL)
    hours = CounsellorHours.parse(settings.COUNSELLOR_HOURS, settings.COUNSELLOR_TIMEZONE)
    hub = RedisHub(settings.REDIS_URL) if settings.REDIS_URL else Hub()
    service = ChatService(engine, rasa, hub, hours)
    if rasa.longest_turn_seconds >= settings.REPLY_DUE_SECONDS:
        log.warning(
            "REPLY_DUE_SECONDS (%s s) should be above the longest a live instance takes to answer (%s s): "
            "another instance may answer a slow message as well",
            settings.REPLY_DUE_SECONDS,
            rasa.longest_turn_seconds,
        )

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        warm_up()  # the risk detector is ready before the first child types
        await _content_ready(service)
        await hub.start()
        background = [asyncio.create_task(service.release_held()), asyncio.create_task(service.answer_overdue())]
        yield
        for task in background:
            task.cancel()
        await hub.stop()
        await rasa.close()
        engine.dispose()

    app = FastAPI(lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.service = service
    app.state.engine = engine
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

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        if settings.COOKIE_SECURE:
            # Served over HTTPS (behind TLS): browsers must never fall back to plain HTTP.
            response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        return response

    app.mount("/static", PageFiles(directory=str(HERE / "static")), name="static")

    @app.get("/healthz")
    async def health():
        return JSONResponse({"ok": True})

    @app.get("/", response_class=HTMLResponse)
    async def chat_page(request: Request):
        return templates.TemplateResponse(
            request,
            "chat.html",
            {
                "helplines": helplines_for(None),
                "quick_exit_url": settings.QUICK_EXIT_URL,
                "max_chars": settings.MAX_MESSAGE_CHARS,
            },
        )

    @app.websocket("/ws/chat")
    async def chat_socket(socket: WebSocket):
        await serve_child(socket, service)

    @app.get("/login", response_class=HTMLResponse)
    async def login_page(request: Request):
        return templates.TemplateResponse(request, "login.html", {"csrf": auth.csrf_token(request), "error": None})

    @app.post("/login")
    async def login(request: Request, name: str = Form(""), password: str = Form(""), csrf: str = Form("")):
        auth.check_csrf(request, csrf)
        user = await service.db(users.authenticate, name, password)
        if user is None or user.role not in auth.SIGN_IN_ROLES:
            context = {
                "csrf": auth.csrf_token(request),
                "error": "That name and password did not work, or the account is locked for a while.",
            }
            return templates.TemplateResponse(request, "login.html", context, status_code=401)
        await auth.sign_in(request, service, user)
        return RedirectResponse(auth.home_for(user.role), status_code=303)

    @app.post("/logout")
    async def logout(request: Request, csrf: str = Form("")):
        auth.check_csrf(request, csrf)
        await auth.sign_out(request, service)
        return RedirectResponse("/login", status_code=303)

    @app.get("/console", response_class=HTMLResponse)
    async def console_page(request: Request):
        counsellor = await auth.require(request, service, auth.CONSOLE_ROLES)
        return templates.TemplateResponse(
            request,
            "console.html",
            {
                "counsellor": counsellor,
                "csrf": auth.csrf_token(request),
            },
        )

    @app.get("/console/conversations/{conversation_id}", response_class=HTMLResponse)
    async def conversation_page(request: Request, conversation_id: str):
        counsellor = await auth.require(request, service, auth.CONSOLE_ROLES)
        try:
            await service.check(counsellor, "watch", conversation_id)
        except PermissionError:
            raise auth.NotAllowed() from None
        context = await conversation_page_context(service, conversation_id)
        context.update(counsellor=counsellor, csrf=auth.csrf_token(request))
        return templates.TemplateResponse(request, "conversation.html", context)

    @app.websocket("/ws/console")
    async def console_socket(socket: WebSocket):
        await serve_console(socket, service)

    auth.answer_refusals(app)
    register_editor(app, templates)
    register_insights(app, templates)
    return app
