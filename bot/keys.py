"""Secrets the servers share: from the environment if set, else generated once and kept owner-only under var/."""

import os
import secrets
import tempfile
from pathlib import Path

from bot import settings


def kept_secret(env_var: str, file_name: str) -> str:
    if os.environ.get(env_var):
        return os.environ[env_var]
    path = settings.VAR_DIR / file_name
    if not path.exists():
        _create_once(path, secrets.token_urlsafe(48))
    return path.read_text().strip()


def _create_once(path: Path, text: str) -> None:
    """Puts the whole file in place unless another process did first: servers starting together (two web apps
    of a cluster) must all read the one secret, and never a file still being written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, draft = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")  # owner-only, like the secret
    try:
        with os.fdopen(handle, "w") as file:
            file.write(text)
        os.link(draft, path)  # fails if the name exists: the first process's secret stays
    except FileExistsError:
        pass
    finally:
        os.unlink(draft)
