"""`make audit`: pip-audit over requirements.lock, against the vulnerabilities we reviewed by hand.

pip-audit runs from a virtual environment of its own (`.venv-audit`, from requirements-audit.lock): its own
dependencies need newer `packaging` than Rasa allows. It asks PyPI's vulnerability data first, then OSV, then
ecosyste.ms. A vulnerability it reports that `security/reviewed-vulnerabilities.yaml` does not list fails the audit.

Every reviewed entry is checked too, with no network: its package is still pinned at that version in the lock file
(else the entry is stale), and something installed still holds the package below the fixed version (else upgrade
it with `make lock` instead of listing it). So the list can only hold vulnerabilities we cannot fix yet, each with
why it does not reach a child.

Where no vulnerability service can be reached (this machine reaches the package index but none of them), the audit
says so plainly and prints the reviewed list; `AUDIT_REQUIRED=1` makes that a failure (for a release pipeline with
the internet).
"""

import argparse
import functools
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import yaml
from packaging.markers import UndefinedEnvironmentName
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
LOCK_FILE = ROOT / "requirements.lock"
REVIEWED_FILE = ROOT / "security" / "reviewed-vulnerabilities.yaml"
SERVICES = ("pypi", "osv", "esms")
REQUIRED_FIELDS = ("id", "package", "version", "fixed_in", "summary", "source", "why_it_does_not_apply")
OPTIONAL_FIELDS = ("fix_needs",)


@dataclass(frozen=True)
class Reviewed:
    id: str
    aliases: tuple
    package: str
    version: str
    fixed_in: str
    summary: str
    source: str
    why_it_does_not_apply: str
    # When the fixed release itself is allowed but needs what is held back: "packaging>=22".
    fix_needs: str | None = None

    @property
    def ids(self) -> set[str]:
        return {self.id, *self.aliases}


def pinned_versions(lock_file: Path = LOCK_FILE) -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in lock_file.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            pins[canonicalize_name(name.split("[")[0])] = version.strip()
    return pins


def load_reviewed(path: Path = REVIEWED_FILE) -> list[Reviewed]:
    entries = (yaml.safe_load(path.read_text()) or {}).get("vulnerabilities") or []
    reviewed = []
    for number, entry in enumerate(entries, 1):
        missing = [f for f in REQUIRED_FIELDS if not str(entry.get(f) or "").strip()]
        if missing:
            raise ValueError(f"{path.name}, entry {number} ({entry.get('id')}): missing {', '.join(missing)}")
        reviewed.append(
            Reviewed(
                aliases=tuple(entry.get("aliases") or ()),
                **{f: str(entry[f]).strip() for f in REQUIRED_FIELDS},
                **{f: str(entry[f]).strip() for f in OPTIONAL_FIELDS if entry.get(f)},
            )
        )
    return reviewed


def _applies(requirement: Requirement) -> bool:
    try:
        return requirement.marker is None or requirement.marker.evaluate({"extra": ""})
    except UndefinedEnvironmentName:
        return False


@functools.lru_cache(maxsize=1)
def installed_requirements() -> dict[str, list[tuple[str, Requirement]]]:
    """Every requirement of every installed distribution that applies here, by the name of what it requires."""
    by_name: dict[str, list[tuple[str, Requirement]]] = {}
    for dist in metadata.distributions():
        for text in dist.requires or ():
            requirement = Requirement(text)
            if _applies(requirement):
                by_name.setdefault(canonicalize_name(requirement.name), []).append((dist.metadata["Name"], requirement))
    return by_name


def held_back_by(package: str, version: str) -> list[str]:
    """The installed distributions whose requirements rule out `version` of `package` ("rasa (aiohttp<3.10,...)")."""
    return sorted(
        {
            f"{holder} ({package}{requirement.specifier})"
            for holder, requirement in installed_requirements().get(canonicalize_name(package), ())
            if not requirement.specifier.contains(Version(version), prereleases=True)
        }
    )


def holders(entry: Reviewed) -> list[str]:
    """What keeps the fix out: requirements that rule out the fixed release, or what it needs (`fix_needs`)."""
    held = held_back_by(entry.package, entry.fixed_in)
    if entry.fix_needs:
        needed = Requirement(entry.fix_needs)
        lowest = min((s.version for s in needed.specifier if s.operator in (">=", "==")), key=Version)
        held += [
            f"{holder}, and {entry.package} {entry.fixed_in} needs {entry.fix_needs}"
            for holder in held_back_by(needed.name, lowest)
        ]
    return held


def check_reviewed(reviewed: Iterable[Reviewed], pins: dict[str, str]) -> list[str]:
    """What is wrong with the reviewed list: stale entries, and vulnerabilities we could fix by upgrading."""
    problems = []
    for entry in reviewed:
        pinned = pins.get(canonicalize_name(entry.package))
        if pinned != entry.version:
            problems.append(
                f"{entry.id}: {entry.package} is pinned at {pinned or 'nothing'}, not {entry.version}; "
                "review it again for the new version or delete the entry"
            )
        elif not holders(entry):
            problems.append(
                f"{entry.id}: nothing installed holds {entry.package} below {entry.fixed_in}: "
                f"add '{entry.package}>={entry.fixed_in}' to requirements.in, run 'make lock' and "
                "delete the entry"
            )
    return problems


@dataclass
class Audit:
    service: str
    found: list[dict]  # {"package", "version", "id", "aliases", "fix_versions"}
    skipped: list[str]
    total: int = 0
    error: str | None = None

    @property
    def reached(self) -> bool:
        """Whether the service audited anything: out of reach, pip-audit errs or skips every package."""
        return self.error is None and self.total > len(self.skipped)


def run_pip_audit(pip_audit: str, service: str, lock_file: Path = LOCK_FILE) -> Audit:
    with tempfile.TemporaryDirectory() as workdir:
        report = Path(workdir) / "report.json"
        result = subprocess.run(
            [
                pip_audit,
                "--requirement",
                str(lock_file),
                "--no-deps",
                "--disable-pip",
                "--vulnerability-service",
                service,
                "--format",
                "json",
                "--output",
                str(report),
                "--progress-spinner",
                "off",
                "--timeout",
                "20",
            ],
            capture_output=True,
            text=True,
            timeout=900,
        )
        if not report.exists():  # pip-audit stops at the first connection error: nothing was audited
            last_line = (result.stderr.strip().splitlines() or ["no output"])[-1]
            return Audit(service, [], [], error=last_line[:300])
        return parse_report(service, json.loads(report.read_text()))


def parse_report(service: str, report: dict) -> Audit:
    found, skipped = [], []
    for dependency in report.get("dependencies", ()):
        if "skip_reason" in dependency:
            skipped.append(dependency["name"])
        for vuln in dependency.get("vulns", ()):
            found.append(
                {
                    "package": dependency["name"],
                    "version": dependency.get("version"),
                    "id": vuln["id"],
                    "aliases": vuln.get("aliases", []),
                    "fix_versions": vuln.get("fix_versions", []),
                }
            )
    return Audit(service, found, skipped, total=len(report.get("dependencies", ())))


def unreviewed(found: Iterable[dict], reviewed: Iterable[Reviewed]) -> list[dict]:
    known = set().union(*(entry.ids for entry in reviewed))
    return [vuln for vuln in found if not ({vuln["id"], *vuln["aliases"]} & known)]


def describe_reviewed(reviewed: list[Reviewed]) -> str:
    lines = [f"Reviewed by hand ({len(reviewed)}, {REVIEWED_FILE.relative_to(ROOT)}):"]
    for entry in reviewed:
        lines.append(
            f"  {entry.id} {entry.package} {entry.version} (fixed in {entry.fixed_in}, held back by "
            f"{'; '.join(holders(entry)) or 'nothing'}): {entry.summary}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pip-audit", default=str(ROOT / ".venv-audit" / "bin" / "pip-audit"))
    args = parser.parse_args(argv)
    reviewed = load_reviewed()
    problems = check_reviewed(reviewed, pinned_versions())
    for problem in problems:
        print(f"REVIEWED LIST: {problem}")

    audit = None
    for service in SERVICES:
        attempt = run_pip_audit(args.pip_audit, service)
        if attempt.reached:
            audit = attempt
            break
        print(
            f"pip-audit could not use '{service}': "
            f"{attempt.error or 'every package came back not found (its data is out of reach)'}"
        )

    if audit is None:
        print(
            f"\nNOT AUDITED: no vulnerability service could be reached from this machine.\n"
            f"{describe_reviewed(reviewed)}"
        )
        if os.environ.get("AUDIT_REQUIRED") == "1":
            print("AUDIT_REQUIRED=1: failing, since nothing was audited.")
            return 1
        return 1 if problems else 0

    new = unreviewed(audit.found, reviewed)
    print(
        f"pip-audit via '{audit.service}': {len(audit.found)} known vulnerabilities, {len(new)} not reviewed; "
        f"{len(audit.skipped)} packages could not be audited {sorted(audit.skipped)}"
    )
    for vuln in new:
        fixes = ", ".join(vuln["fix_versions"]) or "no fix yet"
        print(
            f"NOT REVIEWED: {vuln['id']} ({', '.join(vuln['aliases'])}) in {vuln['package']} {vuln['version']}, "
            f"fixed in {fixes}: upgrade it, or review it in {REVIEWED_FILE.relative_to(ROOT)}"
        )
    print(describe_reviewed(reviewed))
    return 1 if new or problems else 0


if __name__ == "__main__":
    sys.exit(main())
