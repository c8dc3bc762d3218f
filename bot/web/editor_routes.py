"""The staff content editor and the admins' pages (people, deleting a conversation on request):
routes over bot/content/workflow.py and bot/store.

Every route checks the person's role; every form carries the CSRF token; every change is audited
by the workflow itself.
"""

from datetime import date

from fastapi import FastAPI, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from bot.content import workflow, yaml_io
from bot.content.checks import SERVICE_ID
from bot.content.facts import REGIONS
from bot.store import audit, handoffs, users
from bot.store.models import ContentVersion, User
from bot.store.retention import delete_conversation
from bot.web import auth, editor_views
from bot.web.editor_forms import service_from_form, variants_from_form

MAX_IMPORT_BYTES = 2_000_000
CONTENT_KINDS = ("response", "service")
RACED = "Someone started a change to this at the same moment. Reload the page and try again."


def _back(request: Request, url: str, message: str | None = None, error: bool = False) -> RedirectResponse:
    if message:
        request.session["flash"] = {"text": message, "error": error}
    return RedirectResponse(url, status_code=303)


def _text(form: FormData, name: str) -> str:
    """A text field of the form, "" when it was not sent."""
    value = form.get(name) or ""
    # The editor's forms have no file inputs; a file posted in a text field's place fails here, not later.
    assert isinstance(value, str), f"{name} is not text"
    return value


def register_editor(app: FastAPI, templates) -> None:
    service = app.state.service
    auth.answer_refusals(app)

    async def page(request: Request, name: str, person, context: dict, status_code: int = 200):
        context.update(person=person, csrf=auth.csrf_token(request), flash=request.session.pop("flash", None))
        return templates.TemplateResponse(request, name, context, status_code=status_code)

    async def editor(request: Request, csrf: str | None = None):
        return await auth.require(request, service, auth.EDITOR_ROLES, csrf)

    async def admin(request: Request, csrf: str | None = None):
        return await auth.require(request, service, auth.ADMIN_ROLES, csrf)

    @app.get("/editor", response_class=HTMLResponse)
    async def editor_home(request: Request, q: str = ""):
        person = await editor(request)
        context = await service.db(editor_views.home, person.id, q[:100])
        return await page(request, "editor_home.html", person, context)

    @app.get("/editor/items/{kind}/{key}", response_class=HTMLResponse)
    async def editor_item(request: Request, kind: str, key: str):
        person = await editor(request)
        context = await service.db(editor_views.item_page, kind, key) if kind in CONTENT_KINDS else None
        if context is None:
            return HTMLResponse("No such content.", status_code=404)
        return await page(request, "editor_item.html", person, context)

    @app.post("/editor/items/{kind}/{key}/change")
    async def start_change(request: Request, kind: str, key: str, csrf: str = Form("")):
        person = await editor(request, csrf)
        if kind not in CONTENT_KINDS:
            return HTMLResponse("No such content.", status_code=404)
        try:
            version_id = await service.db(workflow.open_change, person.id, kind, key)
        except workflow.ChangeRefused as refused:
            return _back(request, f"/editor/items/{kind}/{key}", str(refused), True)
        except IntegrityError:
            return _back(request, f"/editor/items/{kind}/{key}", RACED, True)
        return _back(request, f"/editor/changes/{version_id}")

    @app.post("/editor/new-service")
    async def new_service(request: Request, csrf: str = Form(""), key: str = Form(""), region: str = Form("")):
        person = await editor(request, csrf)
        key = key.strip().lower()
        if not SERVICE_ID.fullmatch(key) or region not in REGIONS:
            return _back(request, "/editor", "Use 3 to 64 lower-case letters, digits and dashes for the id.", True)
        try:
            version_id = await service.db(workflow.open_change, person.id, "service", key, region)
        except workflow.ChangeRefused as refused:
            return _back(request, "/editor", str(refused), True)
        except IntegrityError:
            return _back(request, "/editor", RACED, True)
        return _back(request, f"/editor/changes/{version_id}")

    @app.post("/editor/items/{kind}/{key}/rollback")
    async def roll_back(
        request: Request, kind: str, key: str, csrf: str = Form(""), item_id: int = Form(...), number: int = Form(...)
    ):
        person = await editor(request, csrf)
        try:
            await service.db(workflow.rollback, person.id, item_id, number)
        except workflow.ChangeRefused as refused:
            return _back(request, f"/editor/items/{kind}/{key}", str(refused), True)
        return _back(request, f"/editor/items/{kind}/{key}", f"Version {number} is live again.")

    @app.get("/editor/changes/{version_id}", response_class=HTMLResponse)
    async def change(request: Request, version_id: int):
        person = await editor(request)
        context = await service.db(editor_views.change_page, version_id, person.id)
        if context is None:
            return HTMLResponse("No such change.", status_code=404)
        return await page(request, "editor_change.html", person, context)

    @app.post("/editor/changes/{version_id}")
    async def act_on_change(request: Request, version_id: int):
        form = await request.form()
        person = await editor(request, _text(form, "csrf"))
        action, here = form.get("action", ""), f"/editor/changes/{version_id}"
        note = _text(form, "note")[:2000]
        try:
            if action in ("save", "submit"):
                body = await service.db(_body_from_form, version_id, form)
                problems = await service.db(workflow.save_draft, person.id, version_id, body, note)
                if action == "save":
                    return _back(request, here, "Draft saved." + (" It still has problems to fix." if problems else ""))
                await service.db(workflow.submit, person.id, version_id)
                return _back(request, here, "Sent for review. A second person must approve it.")
            steps = {
                "approve": (workflow.approve, "Approved. It can be published now."),
                "request_changes": (workflow.request_changes, "Sent back to the author with your note."),
                "publish": (workflow.publish, "Published. Children see it within a few seconds."),
                "discard": (workflow.discard, "Change discarded."),
            }
            if action not in steps:
                return _back(request, here, "Unknown action.", True)
            step, done = steps[action]
            args = (note,) if action in ("approve", "request_changes") else ()
            await service.db(step, person.id, version_id, *args)
            return _back(request, here, done)
        except workflow.ChangeRefused as refused:
            return _back(request, here, str(refused), True)

    @app.post("/editor/api/check/{version_id}")
    async def check_as_typed(request: Request, version_id: int):
        form = await request.form()
        try:
            await editor(request, _text(form, "csrf"))
        except auth.NotAllowed:
            return JSONResponse({"error": "Sign in again."}, status_code=403)
        result = await service.db(
            editor_views.check_draft, version_id, form, form.get("preview_age_band", ""), form.get("preview_region", "")
        )
        if result is None:
            return JSONResponse({"error": "No such change."}, status_code=404)
        return JSONResponse(result)

    @app.get("/editor/audit", response_class=HTMLResponse)
    async def audit_log(request: Request, target: str = ""):
        person = await editor(request)
        entries = await service.db(audit.recent, 300, target or None)
        return await page(request, "editor_audit.html", person, {"entries": entries, "target": target})

    @app.get("/editor/export.yml")
    async def export(request: Request):
        person = await editor(request)
        text = await service.db(yaml_io.export_yaml)
        await service.db(_record, person.id, "content.export_yaml", "content")
        return PlainTextResponse(
            text,
            media_type="application/yaml",
            headers={"Content-Disposition": f'attachment; filename="content-{date.today().isoformat()}.yml"'},
        )

    @app.post("/editor/import")
    async def import_content(request: Request, file: UploadFile, csrf: str = Form("")):
        person = await editor(request, csrf)
        data = await file.read(MAX_IMPORT_BYTES + 1)
        if len(data) > MAX_IMPORT_BYTES:
            return _back(request, "/editor", "That file is too big to be an export of this editor.", True)
        try:
            report = await service.db(yaml_io.import_yaml, person.id, data.decode("utf-8", "replace"))
        except workflow.ChangeRefused as refused:
            return _back(request, "/editor", str(refused), True)
        summary = (
            f"Import: {len(report['submitted'])} sent for review, {len(report['drafts'])} left as drafts "
            f"with problems, {len(report['unchanged'])} unchanged, {len(report['refused'])} refused. "
            + " ".join(report["drafts"][:3] + report["refused"][:3])
        )
        return _back(request, "/editor", summary, bool(report["refused"] or report["drafts"]))

    @app.get("/admin/users", response_class=HTMLResponse)
    async def people(request: Request):
        person = await admin(request)
        accounts = await service.db(users.list_users)
        return await page(request, "admin_users.html", person, {"accounts": accounts, "roles": auth.SIGN_IN_ROLES})

    @app.post("/admin/users")
    async def add_person(
        request: Request,
        csrf: str = Form(""),
        name: str = Form(""),
        role: str = Form(""),
        password: str = Form(""),
        display_name: str = Form(""),
    ):
        person = await admin(request, csrf)
        if role not in auth.SIGN_IN_ROLES:
            return _back(request, "/admin/users", "Choose a role.", True)
        try:
            await service.db(_add_account, person.id, name, role, password, display_name)
        except ValueError as refused:
            return _back(request, "/admin/users", str(refused), True)
        return _back(request, "/admin/users", f"Account {name.strip().lower()} added.")

    @app.post("/admin/conversations/delete")
    async def delete_on_request(request: Request, csrf: str = Form(""), conversation_id: str = Form("")):
        """A child, or someone for them, asked for their conversation to go: it goes now, not in 30 days."""
        person = await admin(request, csrf)
        conversation_id = conversation_id.strip()[:255]
        if await service.db(handoffs.active, conversation_id):
            return _back(request, "/admin/users", "That chat is still open with the team: end it first.", True)
        deleted = await run_in_threadpool(delete_conversation, service.engine, conversation_id, person.id)
        return _back(
            request,
            "/admin/users",
            "Conversation deleted, with its transcript, notes and the bot's record."
            if deleted
            else "There is no conversation with that id (it may have been deleted already).",
            not deleted,
        )

    @app.post("/admin/users/{user_id}/shown-as")
    async def name_shown_to_children(
        request: Request, user_id: int, csrf: str = Form(""), display_name: str = Form("")
    ):
        person = await admin(request, csrf)
        try:
            await service.db(_set_display_name, person.id, user_id, display_name)
        except (ValueError, LookupError) as refused:
            return _back(request, "/admin/users", str(refused), True)
        return _back(request, "/admin/users", "Name saved.")

    @app.post("/admin/users/{user_id}/disable")
    async def disable_person(request: Request, user_id: int, csrf: str = Form("")):
        person = await admin(request, csrf)
        if user_id == person.id:
            return _back(request, "/admin/users", "You cannot disable your own account.", True)
        await service.db(_disable_account, person.id, user_id)
        return _back(request, "/admin/users", "Account disabled.")


def _user(session, user_id: int) -> User:
    return session.get(User, user_id)


def _record(session, user_id: int, action: str, target: str) -> None:
    audit.record(session, _user(session, user_id), action, target)


def _body_from_form(session, version_id: int, form):
    version = session.get(ContentVersion, version_id)
    if version is None:
        raise workflow.ChangeRefused("That version does not exist.")
    stored = workflow.body_of(version)
    if isinstance(stored, list):
        return variants_from_form(form, stored)
    return service_from_form(form, stored, date.today())


def _add_account(session, admin_id: int, name: str, role: str, password: str, display_name: str = "") -> None:
    account = users.create_user(session, name, role, password, display_name)
    audit.record(session, _user(session, admin_id), "user.add", f"user:{account.name}", role=role)


def _set_display_name(session, admin_id: int, user_id: int, display_name: str) -> None:
    users.set_display_name(session, user_id, display_name)
    audit.record(session, _user(session, admin_id), "user.display_name", f"user:{_user(session, user_id).name}")


def _disable_account(session, admin_id: int, user_id: int) -> None:
    users.disable(session, user_id)
    audit.record(session, _user(session, admin_id), "user.disable", f"user:{_user(session, user_id).name}")
