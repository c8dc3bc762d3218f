"""The admins' pages: the people who may sign in, and deleting a conversation when a child asks. Every route needs
an admin (the router's dependency); every change is in the audit log."""

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from bot.store import audit, handoffs, users
from bot.store.models import User
from bot.store.retention import delete_conversation
from bot.web.core import auth
from bot.web.core.pages import back, staff_page
from bot.web.deps import AdminPerson, Service, Templates, area_dependencies

router = APIRouter(dependencies=area_dependencies("admin"))
PEOPLE = "/admin/users"


@router.get(PEOPLE, response_class=HTMLResponse)
async def people(request: Request, person: AdminPerson, service: Service, templates: Templates):
    accounts = await service.db(users.list_users)
    return staff_page(
        request, templates, "admin_users.html", person, {"accounts": accounts, "roles": auth.SIGN_IN_ROLES}
    )


@router.post(PEOPLE)
async def add_person(
    request: Request,
    person: AdminPerson,
    service: Service,
    name: str = Form(""),
    role: str = Form(""),
    password: str = Form(""),
    display_name: str = Form(""),
):
    if role not in auth.SIGN_IN_ROLES:
        return back(request, PEOPLE, "Choose a role.", True)
    try:
        await service.db(_add_account, person.id, name, role, password, display_name)
    except ValueError as refused:
        return back(request, PEOPLE, str(refused), True)
    return back(request, PEOPLE, f"Account {name.strip().lower()} added.")


@router.post("/admin/conversations/delete")
async def delete_on_request(request: Request, person: AdminPerson, service: Service, conversation_id: str = Form("")):
    """A child, or someone for them, asked for their conversation to go: it goes now, not in 30 days."""
    conversation_id = conversation_id.strip()[:255]
    if await service.db(handoffs.active, conversation_id):
        return back(request, PEOPLE, "That chat is still open with the team: end it first.", True)
    deleted = await run_in_threadpool(delete_conversation, service.engine, conversation_id, person.id)
    return back(
        request,
        PEOPLE,
        "Conversation deleted, with its transcript, notes and the bot's record."
        if deleted
        else "There is no conversation with that id (it may have been deleted already).",
        not deleted,
    )


@router.post(PEOPLE + "/{user_id}/shown-as")
async def name_shown_to_children(
    request: Request, user_id: int, person: AdminPerson, service: Service, display_name: str = Form("")
):
    try:
        await service.db(_set_display_name, person.id, user_id, display_name)
    except (ValueError, LookupError) as refused:
        return back(request, PEOPLE, str(refused), True)
    return back(request, PEOPLE, "Name saved.")


@router.post(PEOPLE + "/{user_id}/disable")
async def disable_person(request: Request, user_id: int, person: AdminPerson, service: Service):
    if user_id == person.id:
        return back(request, PEOPLE, "You cannot disable your own account.", True)
    await service.db(_disable_account, person.id, user_id)
    return back(request, PEOPLE, "Account disabled.")


def _add_account(session, admin_id: int, name: str, role: str, password: str, display_name: str = "") -> None:
    account = users.create_user(session, name, role, password, display_name)
    audit.record(session, session.get(User, admin_id), "user.add", f"user:{account.name}", role=role)


def _set_display_name(session, admin_id: int, user_id: int, display_name: str) -> None:
    users.set_display_name(session, user_id, display_name)
    _record_about(session, admin_id, user_id, "user.display_name")


def _disable_account(session, admin_id: int, user_id: int) -> None:
    users.disable(session, user_id)
    _record_about(session, admin_id, user_id, "user.disable")


def _record_about(session, admin_id: int, user_id: int, action: str) -> None:
    audit.record(session, session.get(User, admin_id), action, f"user:{session.get(User, user_id).name}")
