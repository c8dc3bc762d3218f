"""The project's own spaCy pipeline (no pretrained model can be downloaded here)."""
