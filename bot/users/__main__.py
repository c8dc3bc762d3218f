"""Command line for accounts: `python -m bot.users add NAME --role ROLE | list | disable NAME`."""

import argparse
import getpass
import sys

from bot.store import audit, migrate
from bot.store.db import make_engine, session_scope
from bot.store.models import UserRole
from bot.store.users import create_user, disable, find_user, list_users


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password = getpass.getpass("Password: ")
    if getpass.getpass("Same password again: ") != password:
        sys.exit("error: the passwords differ")
    return password


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bot.users", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add", help="create an account")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=[role.value for role in UserRole])
    add.add_argument("--shown-as", default="", help="the first or chosen name children see (not the sign-in name)")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    commands.add_parser("list", help="print every account: name, role, active or disabled")
    disable_command = commands.add_parser("disable", help="stop an account from signing in")
    disable_command.add_argument("name")
    return parser.parse_args()


def main() -> None:
    args = _parse_args()
    migrate.upgrade()
    engine = make_engine()
    try:
        with session_scope(engine) as session:
            if args.command == "add":
                user = create_user(session, args.name, args.role, _read_password(args.password_stdin), args.shown_as)
                audit.record(session, None, "user.add", f"user:{user.name}", role=user.role, via="command line")
                print(f"Added {user.name} ({user.role}).")
            elif args.command == "list":
                for user in list_users(session):
                    print(f"{user.name}\t{user.role}\t{'active' if user.active else 'disabled'}")
            else:
                account = find_user(session, args.name)
                if account is None:
                    sys.exit(f"error: no account called {args.name!r}")
                disable(session, account.id)
                audit.record(session, None, "user.disable", f"user:{account.name}", via="command line")
                print(f"Disabled {account.name}.")
    except ValueError as error:
        sys.exit(f"error: {error}")
    finally:
        engine.dispose()


if __name__ == "__main__":
    main()
