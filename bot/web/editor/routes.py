"""The staff content editor: routes over bot/content/workflow.py. Every route needs an editor (the router's
dependency); every form carries the CSRF token; every change is audited by the workflow itself."""

from collections.abc import Callable
from datetime import date

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse
from sqlalchemy.exc import IntegrityError
from starlette.datastructures import FormData

from bot.content import workflow, yaml_io
from bot.content.checks import SERVICE_ID
from bot.content.facts import REGIONS
from bot.store import audit
from bot.store.models import ContentVersion, User
from bot.web.core.pages import back, staff_page
from bot.web.deps import EditorPerson, Service, Templates, area_dependencies
from bot.web.editor import views
from bot.web.editor.forms import service_from_form, variants_from_form

router = APIRouter(dependencies=area_dependencies("editor"))
# The page's script checks a draft as it is typed: refused, it gets a JSON error to show, not the sign-in page.
api_router = APIRouter(dependencies=area_dependencies("editor", api=True))

MAX_IMPORT_BYTES = 2_000_000
CONTENT_KINDS = ("response", "service")
RACED = "Someone started a change to this at the same moment. Reload the page and try again."
NO_SUCH_CONTENT = "No such content."


def _text(form: FormData, name: str) -> str:
    """A text field of the form, "" when it was not sent."""
    value = form.get(name) or ""
    # The editor's forms have no file inputs; a file posted in a text field's place fails here, not later.
    assert isinstance(value, str), f"{name} is not text"
    return value


@router.get("/editor", response_class=HTMLResponse)
async def editor_home(request: Request, person: EditorPerson, service: Service, templates: Templates, q: str = ""):
    context = await service.db(views.home, person.id, q[:100])
    return staff_page(request, templates, "editor_home.html", person, context)


@router.get("/editor/items/{kind}/{key}", response_class=HTMLResponse)
async def editor_item(
    request: Request, kind: str, key: str, person: EditorPerson, service: Service, templates: Templates
):
    context = await service.db(views.item_page, kind, key) if kind in CONTENT_KINDS else None
    if context is None:
        return HTMLResponse(NO_SUCH_CONTENT, status_code=404)
    return staff_page(request, templates, "editor_item.html", person, context)


async def _open_change(request: Request, service, person, here: str, *about: str):
    """Opens a draft of a content item (or a new one) and goes to it; back to `here` when refused."""
    try:
        version_id = await service.db(workflow.open_change, person.id, *about)
    except workflow.ChangeRefused as refused:
        return back(request, here, str(refused), True)
    except IntegrityError:
        return back(request, here, RACED, True)
    return back(request, f"/editor/changes/{version_id}")


@router.post("/editor/items/{kind}/{key}/change")
async def start_change(request: Request, kind: str, key: str, person: EditorPerson, service: Service):
    if kind not in CONTENT_KINDS:
        return HTMLResponse(NO_SUCH_CONTENT, status_code=404)
    return await _open_change(request, service, person, f"/editor/items/{kind}/{key}", kind, key)


@router.post("/editor/new-service")
async def new_service(
    request: Request, person: EditorPerson, service: Service, key: str = Form(""), region: str = Form("")
):
    key = key.strip().lower()
    if not SERVICE_ID.fullmatch(key) or region not in REGIONS:
        return back(request, "/editor", "Use 3 to 64 lower-case letters, digits and dashes for the id.", True)
    return await _open_change(request, service, person, "/editor", "service", key, region)


@router.post("/editor/items/{kind}/{key}/rollback")
async def roll_back(
    request: Request,
    kind: str,
    key: str,
    person: EditorPerson,
    service: Service,
    item_id: int = Form(...),
    number: int = Form(...),
):
    try:
        await service.db(workflow.rollback, person.id, item_id, number)
    except workflow.ChangeRefused as refused:
        return back(request, f"/editor/items/{kind}/{key}", str(refused), True)
    return back(request, f"/editor/items/{kind}/{key}", f"Version {number} is live again.")


@router.get("/editor/changes/{version_id}", response_class=HTMLResponse)
async def change(request: Request, version_id: int, person: EditorPerson, service: Service, templates: Templates):
    context = await service.db(views.change_page, version_id, person.id)
    if context is None:
        return HTMLResponse("No such change.", status_code=404)
    return staff_page(request, templates, "editor_change.html", person, context)


STEPS: dict[str, tuple[Callable[..., object], str]] = {
    "approve": (workflow.approve, "Approved. It can be published now."),
    "request_changes": (workflow.request_changes, "Sent back to the author with your note."),
    "publish": (workflow.publish, "Published. Children see it within a few seconds."),
    "discard": (workflow.discard, "Change discarded."),
}


@router.post("/editor/changes/{version_id}")
async def act_on_change(request: Request, version_id: int, person: EditorPerson, service: Service):
    form = await request.form()
    action, here = form.get("action", ""), f"/editor/changes/{version_id}"
    note = _text(form, "note")[:2000]
    try:
        if action in ("save", "submit"):
            body = await service.db(_body_from_form, version_id, form)
            problems = await service.db(workflow.save_draft, person.id, version_id, body, note)
            if action == "save":
                return back(request, here, "Draft saved." + (" It still has problems to fix." if problems else ""))
            await service.db(workflow.submit, person.id, version_id)
            return back(request, here, "Sent for review. A second person must approve it.")
        if action not in STEPS:
            return back(request, here, "Unknown action.", True)
        step, done = STEPS[action]
        args = (note,) if action in ("approve", "request_changes") else ()
        await service.db(step, person.id, version_id, *args)
        return back(request, here, done)
    except workflow.ChangeRefused as refused:
        return back(request, here, str(refused), True)


@api_router.post("/editor/api/check/{version_id}")
async def check_as_typed(request: Request, version_id: int, service: Service):
    form = await request.form()
    result = await service.db(
        views.check_draft, version_id, form, form.get("preview_age_band", ""), form.get("preview_region", "")
    )
    if result is None:
        return JSONResponse({"error": "No such change."}, status_code=404)
    return JSONResponse(result)


@router.get("/editor/audit", response_class=HTMLResponse)
async def audit_log(request: Request, person: EditorPerson, service: Service, templates: Templates, target: str = ""):
    entries = await service.db(audit.recent, 300, target or None)
    return staff_page(request, templates, "editor_audit.html", person, {"entries": entries, "target": target})


@router.get("/editor/export.yml")
async def export(person: EditorPerson, service: Service):
    text = await service.db(yaml_io.export_yaml)
    await service.db(_record_export, person.id)
    return PlainTextResponse(
        text,
        media_type="application/yaml",
        headers={"Content-Disposition": f'attachment; filename="content-{date.today().isoformat()}.yml"'},
    )


@router.post("/editor/import")
async def import_content(request: Request, file: UploadFile, person: EditorPerson, service: Service):
    data = await file.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        return back(request, "/editor", "That file is too big to be an export of this editor.", True)
    try:
        report = await service.db(yaml_io.import_yaml, person.id, data.decode("utf-8", "replace"))
    except workflow.ChangeRefused as refused:
        return back(request, "/editor", str(refused), True)
    summary = (
        f"Import: {len(report['submitted'])} sent for review, {len(report['drafts'])} left as drafts "
        f"with problems, {len(report['unchanged'])} unchanged, {len(report['refused'])} refused. "
        + " ".join(report["drafts"][:3] + report["refused"][:3])
    )
    return back(request, "/editor", summary, bool(report["refused"] or report["drafts"]))


def _record_export(session, user_id: int) -> None:
    audit.record(session, session.get(User, user_id), "content.export_yaml", "content")


def _body_from_form(session, version_id: int, form):
    version = session.get(ContentVersion, version_id)
    if version is None:
        raise workflow.ChangeRefused("That version does not exist.")
    stored = workflow.body_of(version)
    if isinstance(stored, list):
        return variants_from_form(form, stored)
    return service_from_form(form, stored, date.today())
