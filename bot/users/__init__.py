"""Counsellor and staff accounts from the command line: `python -m bot.users`."""
