"""Command line for the database schema: `python -m bot.store upgrade|downgrade REV|current`."""

import argparse
import logging

from bot.store import migrate


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bot.store", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    upgrade = commands.add_parser("upgrade", help="migrate up to REV (default: head, the newest)")
    upgrade.add_argument("revision", nargs="?", default="head")
    downgrade = commands.add_parser("downgrade", help="migrate down to REV (base: no tables)")
    downgrade.add_argument("revision")
    commands.add_parser("current", help="print the revision the database is at")
    args = parser.parse_args()

    # Alembic reports each migration it runs through logging.
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.command == "upgrade":
        migrate.upgrade(revision=args.revision)
    elif args.command == "downgrade":
        migrate.downgrade(revision=args.revision)
    else:
        migrate.current()


if __name__ == "__main__":
    main()
