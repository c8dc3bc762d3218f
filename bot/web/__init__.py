"""The web app: the children's chat page, the live handoff to counsellors, and the counsellor console."""
