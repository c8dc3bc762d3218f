"""The content children are shown now: the last published release, followed live from the database.

Every process that talks to children (Rasa through bot/content/nlg.py, the web app) keeps one
`PublishedContent`. It reads the newest release when it starts and then checks for a newer one
every CONTENT_POLL_SECONDS in a background thread, so a change staff publish reaches children in
seconds without a restart. Each release it reads is also written to a local snapshot file: when
the database cannot be reached, the process carries on with what it has, or starts from the
snapshot, and only with neither from the content bundled with the project. Never from nothing.
"""

import json
import logging
import os
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot import settings
from bot.content.bundle import bundled_responses, bundled_services
from bot.content.facts import facts_from_services, verified_contacts
from bot.store.db import make_engine

log = logging.getLogger(__name__)

BUNDLED_RELEASE = 0
_RELEASES = sa.table("content_releases", sa.column("id"), sa.column("snapshot"))


@dataclass(frozen=True)
class Content:
    """One release: every response's variants and every service, and the contacts a child may see."""

    release: int
    responses: dict[str, list[dict]]
    services: dict[str, dict]
    contacts: dict[str, str] = field(default_factory=dict)

    @classmethod
    def build(cls, release: int, responses: dict[str, list[dict]], services: dict[str, dict]) -> "Content":
        # What the project ships fills any gap, so a response added to the domain since works at once.
        bundle = bundled()
        responses = {**bundle.responses, **responses} if release else responses
        services = {**bundle.services, **services} if release else services
        return cls(release, responses, services, verified_contacts(facts_from_services(services)))

    @property
    def facts(self) -> dict:
        return facts_from_services(self.services)

    def to_json(self) -> str:
        return json.dumps(
            {"release": self.release, "responses": self.responses, "services": self.services}, sort_keys=True
        )

    @classmethod
    def from_json(cls, text: str) -> "Content":
        data = json.loads(text)
        return cls.build(int(data["release"]), data["responses"], data["services"])


_BUNDLED: Content | None = None


def bundled() -> Content:
    global _BUNDLED
    if _BUNDLED is None:
        responses = {name: variants for name, (_topic, variants) in bundled_responses().items()}
        _BUNDLED = Content(
            BUNDLED_RELEASE, responses, bundled_services(), verified_contacts(facts_from_services(bundled_services()))
        )
    return _BUNDLED


def write_snapshot(path: Path, content: Content) -> None:
    """Replaces the file in one step, so a reader never sees half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".snapshot-")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(content.to_json())
    os.replace(temporary, path)


def read_snapshot(path: Path) -> Content | None:
    try:
        return Content.from_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError):
        return None


class PublishedContent:
    """The newest published content this process knows, kept up to date in the background."""

    def __init__(
        self,
        database_url: str | None = None,
        snapshot_file: Path | None = None,
        poll_seconds: float | None = None,
    ):
        self.database_url = database_url or settings.DATABASE_URL
        self.engine: Engine | None = None
        self.snapshot_file = Path(snapshot_file or settings.CONTENT_SNAPSHOT_FILE)
        self.poll_seconds = settings.CONTENT_POLL_SECONDS if poll_seconds is None else poll_seconds
        self._content: Content | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def current(self) -> Content:
        if self._content is None:
            with self._lock:
                if self._content is None and not self.refresh():
                    self._content = read_snapshot(self.snapshot_file) or bundled()
        assert self._content is not None  # a refresh that succeeds always leaves content
        return self._content

    def refresh(self) -> bool:
        """Reads a newer release if there is one; False only when the database could not be read."""
        try:
            self.engine = self.engine or make_engine(self.database_url)
            with self.engine.connect() as connection:
                newest = connection.execute(sa.select(sa.func.max(_RELEASES.c.id))).scalar()
                known = self._content.release if self._content else None
                if newest is None:
                    if self._content is None:
                        self._content = bundled()
                    return True
                if newest == known:
                    return True
                snapshot = connection.execute(
                    sa.select(_RELEASES.c.snapshot).where(_RELEASES.c.id == newest)
                ).scalar_one()
        except (SQLAlchemyError, OSError) as error:
            log.warning(
                "published content: database unreachable (%s); keeping release %s",
                type(error).__name__,
                self._content.release if self._content else "none",
            )
            return False
        content = Content.from_json(snapshot)
        self._content = content
        try:
            write_snapshot(self.snapshot_file, content)
        except OSError:
            log.warning("published content: could not write the snapshot file %s", self.snapshot_file)
        log.info("published content: now release %s", content.release)
        return True

    def follow(self) -> "PublishedContent":
        """Starts checking for newer releases in a daemon thread (once)."""
        self.current()
        if self._thread is None:
            self._thread = threading.Thread(target=self._poll, name="published-content", daemon=True)
            self._thread.start()
        return self

    def _poll(self) -> None:
        while not self._stop.wait(self.poll_seconds):
            self.refresh()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self.engine is not None:
            self.engine.dispose()


_SHARED: PublishedContent | None = None


def published() -> PublishedContent:
    """This process's one follower of DATABASE_URL, started on first use."""
    global _SHARED
    if _SHARED is None:
        _SHARED = PublishedContent().follow()
    return _SHARED
