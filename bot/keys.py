"""Secrets the servers share: from the environment if set, else generated once and kept owner-only under var/."""
import os
import secrets

from bot import settings


def kept_secret(env_var: str, file_name: str) -> str:
    if os.environ.get(env_var):
        return os.environ[env_var]
    path = settings.VAR_DIR / file_name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(48))
    return path.read_text().strip()
