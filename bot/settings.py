"""Runtime settings, read once from the environment with safe embedded defaults."""
import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("BOT_VAR_DIR", PROJECT_ROOT / "var"))

DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'bot.db'}")

# Days a conversation is kept after its last message before it is deleted.
RETENTION_DAYS = int(os.environ.get("RETENTION_DAYS", "30"))

SPACY_PIPELINE_DIR = Path(
    os.environ.get("SPACY_PIPELINE_DIR", PROJECT_ROOT / "build" / "spacy_pipeline")
)
