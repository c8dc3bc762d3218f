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

RASA_URL = os.environ.get("RASA_URL", "http://127.0.0.1:5005")
ACTION_SERVER_PORT = int(os.environ.get("ACTION_SERVER_PORT", "5055"))
ACTION_ENDPOINT_URL = os.environ.get(
    "ACTION_ENDPOINT_URL", f"http://127.0.0.1:{ACTION_SERVER_PORT}/webhook"
)
MODEL_PATH = Path(os.environ.get("MODEL_PATH", PROJECT_ROOT / "models" / "current.tar.gz"))
