"""Builds the blank English spaCy pipeline, with lookup lemmas, that Rasa's SpacyNLP loads by path."""

import argparse
from pathlib import Path

import spacy

from bot import settings


def build_pipeline() -> "spacy.language.Language":
    nlp = spacy.blank("en")
    # Lookup lemmas come from spacy-lookups-data, so they work offline and
    # map "pics" -> "pic", "sent" -> "send", which helps the featurizers.
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    return nlp


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=settings.SPACY_PIPELINE_DIR)
    out = parser.parse_args().out
    out.parent.mkdir(parents=True, exist_ok=True)
    build_pipeline().to_disk(out)
    print(f"spaCy pipeline written to {out}")


if __name__ == "__main__":
    main()
