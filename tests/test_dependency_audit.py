"""The dependency audit (make audit): the reviewed list holds only what we cannot fix yet, and pip-audit's findings
are sorted into reviewed and new. Against the real lock file and the installed packages' own requirements."""

import pytest
import yaml

from bot.dependency_audit import check_reviewed, held_back_by, load_reviewed, parse_report, pinned_versions, unreviewed


@pytest.fixture(scope="module")
def pins():
    return pinned_versions()


def write_reviewed(tmp_path, **changes):
    entry = {
        "id": "GHSA-test",
        "aliases": ["CVE-0000-0001"],
        "package": "aiohttp",
        "version": "3.9.5",
        "fixed_in": "3.10.11",
        "summary": "a flaw",
        "source": "https://example.org/advisory",
        "why_it_does_not_apply": "a reason",
        **changes,
    }
    path = tmp_path / "reviewed.yaml"
    path.write_text(yaml.safe_dump({"vulnerabilities": [entry]}))
    return path


def test_every_reviewed_vulnerability_is_still_pinned_and_cannot_be_upgraded_yet(pins):
    reviewed = load_reviewed()
    assert reviewed, "the reviewed list is empty: the audit would have nothing to compare with"
    assert check_reviewed(reviewed, pins) == []


def test_an_entry_for_a_version_no_longer_pinned_is_stale(tmp_path, pins):
    reviewed = load_reviewed(write_reviewed(tmp_path, version="3.8.0"))
    [problem] = check_reviewed(reviewed, pins)
    assert "pinned at 3.9.5, not 3.8.0" in problem


def test_a_vulnerability_an_upgrade_would_fix_cannot_be_listed(tmp_path, pins):
    # Nothing installed holds Jinja2 back, so a fix in a later Jinja2 must be taken, not reviewed away.
    reviewed = load_reviewed(write_reviewed(tmp_path, package="Jinja2", version=pins["jinja2"], fixed_in="99.0"))
    [problem] = check_reviewed(reviewed, pins)
    assert "nothing installed holds Jinja2 below 99.0" in problem and "make lock" in problem


def test_rasa_holds_aiohttp_below_3_10():
    assert any(holder.startswith("rasa (aiohttp") for holder in held_back_by("aiohttp", "3.10.11"))
    assert held_back_by("aiohttp", "3.9.6") == []


def test_an_entry_without_a_reason_is_refused(tmp_path):
    with pytest.raises(ValueError, match="why_it_does_not_apply"):
        load_reviewed(write_reviewed(tmp_path, why_it_does_not_apply=" "))


def test_findings_are_sorted_into_reviewed_and_new(tmp_path):
    # The shape of pip-audit's --format json report.
    report = {
        "dependencies": [
            {
                "name": "aiohttp",
                "version": "3.9.5",
                "vulns": [
                    {"id": "PYSEC-1", "aliases": ["CVE-0000-0001"], "fix_versions": ["3.10.11"]},
                    {"id": "GHSA-new", "aliases": [], "fix_versions": ["3.12.14"]},
                ],
            },
            {"name": "absl-py", "skip_reason": "Dependency not found on PyPI and could not be audited"},
            {"name": "jinja2", "version": "3.1.6", "vulns": []},
        ]
    }
    audit = parse_report("pypi", report)
    assert audit.reached and audit.skipped == ["absl-py"]
    new = unreviewed(audit.found, load_reviewed(write_reviewed(tmp_path)))
    assert [vuln["id"] for vuln in new] == ["GHSA-new"]


def test_a_service_that_skipped_every_package_audited_nothing():
    report = {"dependencies": [{"name": "aiohttp", "skip_reason": "Dependency not found on PyPI"}]}
    assert not parse_report("pypi", report).reached


def test_a_fix_that_needs_what_rasa_holds_back_is_held_back_too(tmp_path, pins):
    # pytest 9.0.3 is allowed by every requirement, but needs packaging>=22, which Rasa 3.6 keeps below 21.
    needing = write_reviewed(
        tmp_path, package="pytest", version=pins["pytest"], fixed_in="9.0.3", fix_needs="packaging>=22"
    )
    assert check_reviewed(load_reviewed(needing), pins) == []
    not_needing = write_reviewed(tmp_path, package="pytest", version=pins["pytest"], fixed_in="9.0.3")
    assert "nothing installed holds pytest below 9.0.3" in check_reviewed(load_reviewed(not_needing), pins)[0]
