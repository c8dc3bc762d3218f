"""What the staff pages share: a page with the person, the form token and the last action's message; and the
redirect back after a form, carrying that message."""

from fastapi import Request
from fastapi.responses import RedirectResponse
from fastapi.templating import Jinja2Templates

from bot.web.core import auth
from bot.web.core.hub import Counsellor


def staff_page(
    request: Request, templates: Jinja2Templates, name: str, person: Counsellor, context: dict, status_code: int = 200
):
    context.update(person=person, csrf=auth.csrf_token(request), flash=request.session.pop("flash", None))
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def back(request: Request, url: str, message: str | None = None, error: bool = False) -> RedirectResponse:
    """Back to `url` after a form, with `message` shown there once."""
    if message:
        request.session["flash"] = {"text": message, "error": error}
    return RedirectResponse(url, status_code=303)
