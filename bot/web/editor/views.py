"""What the editor's pages show, read in one database session each."""

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot import settings
from bot.content import workflow
from bot.content.usage import usage
from bot.content.variants import EDITABLE_CONDITIONS
from bot.store.models import ContentItem, ContentKind, ContentVersion, User, VersionStatus
from bot.web.editor import forms

STATUS_LABELS = {
    "draft": "Draft",
    "in_review": "Waiting for review",
    "approved": "Approved, not published",
    "published": "Published",
    "discarded": "Discarded",
}


def _names(session: Session) -> dict[int | None, str]:
    # Looked up by a version's author, reviewer and publisher ids, which are None when nobody is recorded.
    return {user_id: name for user_id, name in session.execute(sa.select(User.id, User.name))}


def _version_row(version: ContentVersion, item: ContentItem, names: dict[int | None, str]) -> dict:
    return {
        "id": version.id,
        "number": version.number,
        "status": version.status.value,
        "status_label": STATUS_LABELS[version.status.value],
        "note": version.note,
        "author": names.get(version.author_id, "the project's files" if version.author_id is None else "?"),
        "reviewer": names.get(version.reviewer_id),
        "publisher": names.get(version.publisher_id),
        "updated_at": version.updated_at,
        "published_at": version.published_at,
        "live": version.id == item.live_version_id,
        "restores": version.restores,
        "kind": item.kind.value,
        "key": item.key,
    }


def home(session: Session, person_id: int, query: str = "") -> dict:
    names = _names(session)
    now_live = workflow.live(session)
    today = date.today()
    needle = query.strip().lower()
    open_changes = session.execute(
        sa.select(ContentVersion, ContentItem)
        .join(ContentItem, ContentItem.id == ContentVersion.item_id)
        .where(ContentVersion.status.in_(workflow.OPEN))
        .order_by(ContentVersion.updated_at.desc())
    ).all()
    responses: dict[str, list[dict]] = {}
    for name, variants in sorted(now_live.responses.items()):
        text = " ".join(variant.get("text") or "" for variant in variants)
        if needle and needle not in name.lower() and needle not in text.lower():
            continue
        topic = now_live.topics[("response", name)]
        responses.setdefault(topic, []).append(
            {"name": name, "first": (variants[0].get("text") or "")[:110], "variants": len(variants)}
        )
    services: dict[str, list[dict]] = {}
    flagged = []
    for key, entry in now_live.services.items():
        stale = forms.is_stale(entry, today, settings.FACT_RECHECK_DAYS)
        unchecked = not (entry.get("verified") and entry.get("checked_on"))
        row = {
            "key": key,
            "name": entry.get("name", key),
            "list": entry.get("list"),
            "checked_on": entry.get("checked_on"),
            "stale": stale,
            "unchecked": unchecked,
            "unconfirmed": bool(entry.get("unconfirmed")),
        }
        if stale or unchecked or row["unconfirmed"]:
            flagged.append(row)
        haystack = f"{key} {entry.get('name', '')} {' '.join(map(str, (entry.get('contact') or {}).values()))}"
        if not needle or needle in haystack.lower():
            services.setdefault(entry["region"], []).append(row)
    return {
        "query": query,
        "responses": responses,
        "services": services,
        "stale": [row for row in flagged if row["stale"]],
        "unchecked": [row for row in flagged if row["unchecked"]],
        "unconfirmed": [row for row in flagged if row["unconfirmed"]],
        "recheck_days": settings.FACT_RECHECK_DAYS,
        "changes": [{**_version_row(v, i, names), "mine": v.author_id == person_id} for v, i in open_changes],
    }


def item_page(session: Session, kind: str, key: str) -> dict | None:
    item = workflow.item_by_key(session, kind, key)
    if item is None:
        return None
    names = _names(session)
    current = workflow.live_version(session, item)
    body = workflow.body_of(current) if current else None
    contacts = workflow.live(session).contacts
    return {
        "kind": kind,
        "key": key,
        "topic": item.topic,
        "item_id": item.id,
        "body": body,
        "usage": usage().get(key, []) if kind == "response" else forms.placeholders_of(body or {"id": key}),
        "versions": [_version_row(v, item, names) for v in workflow.versions_of(session, item)],
        "previews": forms.every_preview(body, contacts) if kind == "response" and body else [],
    }


def change_page(session: Session, version_id: int, person_id: int) -> dict | None:
    version = session.get(ContentVersion, version_id)
    if version is None:
        return None
    item = workflow.item_of(session, version)
    names = _names(session)
    body = workflow.body_of(version)
    current = workflow.live_version(session, item)
    live_body = workflow.body_of(current) if current else None
    contacts = workflow.live(session).contacts
    row = _version_row(version, item, names)
    return {
        "change": row,
        "kind": item.kind.value,
        "key": item.key,
        "topic": item.topic,
        "body": body,
        "review_note": version.review_note,
        "editable": version.status == VersionStatus.DRAFT and version.author_id == person_id,
        "reviewable": version.status == VersionStatus.IN_REVIEW and version.author_id != person_id,
        "own_review": version.status == VersionStatus.IN_REVIEW and version.author_id == person_id,
        "publishable": version.status == VersionStatus.APPROVED,
        "discardable": version.status in workflow.OPEN and version.author_id == person_id,
        "problems": workflow.problems_with(session, item, body),
        "diff": forms.diff_table(
            live_body, body, f"live (v{current.number})" if current else "new", f"this change (v{version.number})"
        ),
        "previews": forms.every_preview(body, contacts) if item.kind == ContentKind.RESPONSE else [],
        "conditions": EDITABLE_CONDITIONS,
        "age_bands": forms.AGE_BAND_LABELS,
        "regions": forms.REGION_LABELS,
        "fixed": [forms.fixed_conditions(variant) for variant in body] if item.kind == ContentKind.RESPONSE else [],
        "condition_value": forms.condition_value,
    }


def check_draft(session: Session, version_id: int, form, age_band: str, region: str) -> dict | None:
    """The live lint and preview of a draft as typed (not saved)."""
    version = session.get(ContentVersion, version_id)
    if version is None:
        return None
    item = workflow.item_of(session, version)
    stored = workflow.body_of(version)
    now_live = workflow.live(session)
    body: list[dict] | dict  # a response's variants, or a service entry
    if item.kind == ContentKind.RESPONSE:
        body = forms.variants_from_form(form, stored)
        shown = forms.preview(body, now_live.contacts, age_band, region)
    else:
        body = forms.service_from_form(form, stored, date.today())
        shown = None
    return {"problems": workflow.problems_with(session, item, body, now_live), "preview": shown}
