"""The life of a change to what children are shown: draft, review by a second person, publish, roll back.

Every step is a function of an open session and the person acting, checks that person may take
it, writes the audit log, and raises `ChangeRefused` with a sentence for staff when it must not
happen. Publishing writes a new release: every process that talks to children picks it up within
CONTENT_POLL_SECONDS (bot/content/published.py).
"""

import json
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.content.bundle import bundled_responses, bundled_services
from bot.content.checks import facts_lost, response_problems, service_problems
from bot.content.facts import facts_from_services, verified_contacts
from bot.content.published import Content
from bot.store import audit
from bot.store.models import (
    ContentItem,
    ContentKind,
    ContentRelease,
    ContentVersion,
    User,
    UserRole,
    VersionStatus,
)
from bot.store.utc import utc_now
from bot.vocabulary import roles_for

EDITOR_ROLES = roles_for("editor")
OPEN = (VersionStatus.DRAFT, VersionStatus.IN_REVIEW, VersionStatus.APPROVED)


class ChangeRefused(Exception):
    """The step may not be taken; the message says why, for the person who tried."""


@dataclass(frozen=True)
class Live:
    """Everything children are shown now, by item."""

    responses: dict[str, list[dict]]
    services: dict[str, dict]
    topics: dict[tuple[str, str], str]

    @property
    def contacts(self) -> dict[str, str]:
        return verified_contacts(facts_from_services(self.services))


def _label(item: ContentItem, number: int | None = None) -> str:
    return f"{item.kind.value}:{item.key}" + (f" v{number}" if number else "")


def _editor(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None or not user.active or UserRole(user.role).value not in EDITOR_ROLES:
        raise ChangeRefused("Only staff can change what the bot says.")
    return user


def body_of(version: ContentVersion):
    return json.loads(version.body)


def item_by_key(session: Session, kind: str, key: str) -> ContentItem | None:
    return session.scalars(
        sa.select(ContentItem).where(ContentItem.kind == ContentKind(kind), ContentItem.key == key)
    ).first()


def versions_of(session: Session, item: ContentItem) -> list[ContentVersion]:
    return list(
        session.scalars(
            sa.select(ContentVersion).where(ContentVersion.item_id == item.id).order_by(ContentVersion.number.desc())
        )
    )


def live_version(session: Session, item: ContentItem) -> ContentVersion | None:
    return session.get(ContentVersion, item.live_version_id) if item.live_version_id else None


def live(session: Session) -> Live:
    rows = session.execute(
        sa.select(ContentItem, ContentVersion)
        .join(ContentVersion, ContentVersion.id == ContentItem.live_version_id)
        .order_by(ContentItem.id)
    )
    responses: dict[str, list[dict]] = {}
    services: dict[str, dict] = {}
    topics: dict[tuple[str, str], str] = {}
    for item, version in rows:
        target = responses if item.kind == ContentKind.RESPONSE else services
        target[item.key] = body_of(version)
        topics[(item.kind.value, item.key)] = item.topic
    return Live(responses, services, topics)


def problems_with(session: Session, item: ContentItem, body, now_live: Live | None = None) -> list[str]:
    """Everything that stops this body from going live, against the content that is live now."""
    now_live = now_live or live(session)
    if item.kind == ContentKind.RESPONSE:
        return response_problems(item.key, item.topic, body, now_live.contacts)
    problems = service_problems(body)
    services = {**now_live.services, item.key: body}
    return problems + facts_lost(services, now_live.responses, before=now_live.contacts)


def _release(session: Session, user: User | None, summary: str) -> ContentRelease:
    now_live = live(session)
    content = Content(0, now_live.responses, now_live.services)
    release = ContentRelease(created_at=utc_now(), user_id=user.id if user else None, summary=summary, snapshot="{}")
    session.add(release)
    session.flush()
    release.snapshot = json.dumps({**json.loads(content.to_json()), "release": release.id}, sort_keys=True)
    return release


def _new_version(
    session: Session, item: ContentItem, body, status: VersionStatus, author: User | None, **fields
) -> ContentVersion:
    number = (
        session.scalar(sa.select(sa.func.max(ContentVersion.number)).where(ContentVersion.item_id == item.id)) or 0
    ) + 1
    now = utc_now()
    version = ContentVersion(
        item_id=item.id,
        number=number,
        status=status,
        body=json.dumps(body),
        author_id=author.id if author else None,
        created_at=now,
        updated_at=now,
        **fields,
    )
    session.add(version)
    session.flush()
    return version


def _go_live(session: Session, item: ContentItem, version: ContentVersion, user: User | None) -> None:
    version.status = VersionStatus.PUBLISHED
    version.publisher_id = user.id if user else None
    version.published_at = utc_now()
    item.live_version_id = version.id
    session.flush()


def import_bundle(session: Session) -> int:
    """Adds every bundled response and service the database does not have yet, as published.

    What is there already is left alone: once content is in the database, staff own it.
    """
    known = {(kind.value, key) for kind, key in session.execute(sa.select(ContentItem.kind, ContentItem.key))}
    added = []
    bundle: list[tuple[ContentKind, str, str, list[dict] | dict]] = [
        (ContentKind.RESPONSE, name, topic, variants) for name, (topic, variants) in bundled_responses().items()
    ]
    bundle += [(ContentKind.SERVICE, key, entry["region"], entry) for key, entry in bundled_services().items()]
    for kind, key, topic, body in bundle:
        if (kind.value, key) in known:
            continue
        item = ContentItem(kind=kind, key=key, topic=topic)
        session.add(item)
        session.flush()
        _go_live(
            session,
            item,
            _new_version(session, item, body, VersionStatus.PUBLISHED, None, note="From the project's files."),
            None,
        )
        added.append(_label(item))
    if added:
        _release(session, None, f"{len(added)} item(s) added from the project's files")
        audit.record(session, None, "content.import_bundle", "content", added=len(added))
    return len(added)


def open_change(session: Session, user_id: int, kind: str, key: str, topic: str | None = None) -> int:
    """The id of the person's open change to this item, or of a new draft from the live version.

    One change at a time per item: a second person reviews it rather than writing another.
    A new service (no item yet) starts empty, in the region `topic`.
    """
    user = _editor(session, user_id)
    item = item_by_key(session, kind, key)
    if item is None:
        if kind != ContentKind.SERVICE.value or not topic:
            raise ChangeRefused("There is no such response. New responses are added to the domain by an engineer.")
        item = ContentItem(kind=ContentKind.SERVICE, key=key, topic=topic)
        session.add(item)
        session.flush()
        audit.record(session, user, "content.new_service", _label(item), region=topic)
    for version in versions_of(session, item):
        if version.status in OPEN:
            if version.author_id != user.id:
                author = session.get(User, version.author_id)
                raise ChangeRefused(
                    f"{author.name if author else 'Someone'} is already changing this "
                    f"(version {version.number}). Review their change instead."
                )
            return version.id
    current = live_version(session, item)
    body = (
        body_of(current)
        if current
        else {
            "id": key,
            "region": topic,
            "list": "helplines",
            "name": "",
            "contact": {},
            "verified": False,
            "checked_on": None,
        }
    )
    version = _new_version(session, item, body, VersionStatus.DRAFT, user, based_on=current.number if current else None)
    audit.record(session, user, "content.draft", _label(item, version.number))
    return version.id


def item_of(session: Session, version: ContentVersion) -> ContentItem:
    item = session.get(ContentItem, version.item_id)
    assert item is not None  # item_id is a non-null foreign key, and deleting an item deletes its versions
    return item


def _version(session: Session, version_id: int) -> tuple[ContentVersion, ContentItem]:
    version = session.get(ContentVersion, version_id)
    if version is None:
        raise ChangeRefused("That version does not exist.")
    return version, item_of(session, version)


def _own_draft(session: Session, user: User, version_id: int) -> tuple[ContentVersion, ContentItem]:
    version, item = _version(session, version_id)
    if version.author_id != user.id:
        raise ChangeRefused("Only the person who wrote this change can edit it.")
    if version.status != VersionStatus.DRAFT:
        raise ChangeRefused("This change is no longer a draft.")
    return version, item


def save_draft(session: Session, user_id: int, version_id: int, body, note: str) -> list[str]:
    """Saves the draft as it is, problems and all; returns the problems still in it."""
    user = _editor(session, user_id)
    version, item = _own_draft(session, user, version_id)
    if item.kind == ContentKind.SERVICE and isinstance(body, dict):
        body = {**body, "id": item.key}  # the entry's id is the item's: placeholders are named from it
    version.body = json.dumps(body)
    version.note = note.strip()
    version.updated_at = utc_now()
    audit.record(session, user, "content.save", _label(item, version.number))
    return problems_with(session, item, body)


def submit(session: Session, user_id: int, version_id: int) -> None:
    user = _editor(session, user_id)
    version, item = _own_draft(session, user, version_id)
    problems = problems_with(session, item, body_of(version))
    if problems:
        raise ChangeRefused("Fix these first: " + " ".join(problems[:5]))
    version.status = VersionStatus.IN_REVIEW
    version.updated_at = utc_now()
    audit.record(session, user, "content.submit", _label(item, version.number))


def _review(session: Session, user_id: int, version_id: int) -> tuple[User, ContentVersion, ContentItem]:
    user = _editor(session, user_id)
    version, item = _version(session, version_id)
    if version.status != VersionStatus.IN_REVIEW:
        raise ChangeRefused("This change is not waiting for review.")
    if version.author_id == user.id:
        raise ChangeRefused("You cannot approve your own change: a second person must review it.")
    return user, version, item


def approve(session: Session, user_id: int, version_id: int, note: str = "") -> None:
    user, version, item = _review(session, user_id, version_id)
    problems = problems_with(session, item, body_of(version))
    if problems:
        raise ChangeRefused("This change cannot be approved: " + " ".join(problems[:5]))
    version.status = VersionStatus.APPROVED
    version.reviewer_id, version.reviewed_at, version.review_note = user.id, utc_now(), note.strip() or None
    audit.record(session, user, "content.approve", _label(item, version.number))


def request_changes(session: Session, user_id: int, version_id: int, note: str) -> None:
    user, version, item = _review(session, user_id, version_id)
    if not note.strip():
        raise ChangeRefused("Say what needs to change, so the author knows.")
    version.status = VersionStatus.DRAFT
    version.reviewer_id, version.reviewed_at, version.review_note = user.id, utc_now(), note.strip()
    audit.record(session, user, "content.request_changes", _label(item, version.number))


def publish(session: Session, user_id: int, version_id: int) -> ContentRelease:
    user = _editor(session, user_id)
    version, item = _version(session, version_id)
    if version.status != VersionStatus.APPROVED:
        raise ChangeRefused("Only an approved change can be published.")
    current = live_version(session, item)
    if current is not None and version.based_on != current.number:
        raise ChangeRefused(
            f"Version {current.number} went live after this change was started. "
            "Ask the author to look again and resubmit it."
        )
    problems = problems_with(session, item, body_of(version))
    if problems:
        raise ChangeRefused("This change cannot be published: " + " ".join(problems[:5]))
    _go_live(session, item, version, user)
    release = _release(session, user, f"{_label(item, version.number)} published by {user.name}")
    audit.record(session, user, "content.publish", _label(item, version.number), release=release.id)
    return release


def rollback(session: Session, user_id: int, item_id: int, number: int) -> ContentRelease:
    """Puts an earlier published version live again, as a new version; it was reviewed when first published."""
    user = _editor(session, user_id)
    item = session.get(ContentItem, item_id)
    old = (
        session.scalars(
            sa.select(ContentVersion).where(ContentVersion.item_id == item_id, ContentVersion.number == number)
        ).first()
        if item
        else None
    )
    if item is None or old is None or old.published_at is None:
        raise ChangeRefused("Only a version that was published before can be put back.")
    if old.id == item.live_version_id:
        raise ChangeRefused("That version is live already.")
    body = body_of(old)
    problems = problems_with(session, item, body)
    if problems:
        raise ChangeRefused("That version cannot go live again: " + " ".join(problems[:5]))
    current = live_version(session, item)
    version = _new_version(
        session,
        item,
        body,
        VersionStatus.PUBLISHED,
        user,
        restores=number,
        based_on=current.number if current else None,
        note=f"Rollback to version {number}.",
        reviewer_id=old.reviewer_id,
    )
    _go_live(session, item, version, user)
    release = _release(session, user, f"{_label(item)} rolled back to v{number} by {user.name}")
    audit.record(session, user, "content.rollback", _label(item, version.number), restores=number, release=release.id)
    return release


def discard(session: Session, user_id: int, version_id: int) -> None:
    user = _editor(session, user_id)
    version, item = _version(session, version_id)
    if version.author_id != user.id or version.status not in OPEN:
        raise ChangeRefused("Only the author can discard an open change.")
    version.status = VersionStatus.DISCARDED
    version.updated_at = utc_now()
    audit.record(session, user, "content.discard", _label(item, version.number))
