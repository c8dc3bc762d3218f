"""Fuzzing the web app's HTTP inputs (Hypothesis), over real HTTP against the running web app and its database:
every route, signed out and signed in with each kind of account, with and without a valid CSRF token, odd
paths, query strings, form fields, bodies, content types and headers.

Properties: never a 5xx; nothing in a response that a visitor must not see (a stack trace, a path or address
inside the service, a script from the request run as the page's own); a refusal is a 4xx with a short page.
"""

import socket
from urllib.parse import quote, urlsplit

import httpx
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot import settings as bot_settings
from tests.client import csrf_of, sign_in
from tests.e2e.conftest import COUNSELLOR_PASSWORD, add_user
from tests.e2e.fuzzing import FUZZ, LEAKS

SCRIPT = "<script>alert(1)</script>"
SHORT = 4096  # bytes: a refusal is a short page, never a dump of what was sent
ROLES = (None, "counsellor", "staff", "admin")
BIG = 10**30  # no database integer holds it

GET_ROUTES = [
    "/",
    "/healthz",
    "/login",
    "/console",
    "/console/conversations/{}",
    "/editor",
    "/editor/items/response/{}",
    "/editor/items/service/{}",
    "/editor/items/{}/{}",
    "/editor/changes/{}",
    "/editor/audit",
    "/editor/export.yml",
    "/admin/users",
    "/insights",
    "/insights/fallbacks.yml",
    "/static/{}",
    "/ws/chat",
    "/ws/console",
    "/{}",
    "/{}/{}",
]
# (path, the form's fields); {} in a path is filled with a fuzzed segment or number
POST_ROUTES = [
    ("/login", ["name", "password"]),
    ("/logout", []),
    ("/editor/items/response/{}/change", []),
    ("/editor/items/{}/{}/change", []),
    ("/editor/new-service", ["key", "region"]),
    ("/editor/items/response/{}/rollback", ["item_id", "number"]),
    ("/editor/changes/{}", ["action", "note", "text_0", "condition_0", "button_title_0"]),
    ("/editor/api/check/{}", ["preview_age_band", "preview_region", "text_0"]),
    ("/editor/import", []),
    ("/admin/users", ["name", "role", "password"]),
    ("/admin/conversations/delete", ["conversation_id"]),
    ("/admin/users/{}/disable", []),
]


class Visitor:
    """A browser: signed out, or signed in with one kind of account; knows its session's CSRF token."""

    def __init__(self, web_url: str, database_url: str, role: str | None):
        self.http = httpx.Client(base_url=web_url, follow_redirects=False, timeout=60)
        self.role, self.csrf = role, None
        if role:
            signed = sign_in(self.http, add_user(database_url, role), COUNSELLOR_PASSWORD)
            assert signed.status_code == 303, signed.text
            self.csrf = csrf_of(self.http.get("/editor" if role in ("staff", "admin") else "/console"))


@pytest.fixture(scope="module")
def visitors(assistant):
    people = {role: Visitor(assistant.web_url, assistant.database_url, role) for role in ROLES}
    # A draft of the staff's own to fuzz the change form on (only ever a draft: publishing needs a second person)
    staff = people["staff"]
    opened = staff.http.post("/editor/items/response/utter_greet/change", data={"csrf": staff.csrf})
    assert "/editor/changes/" in opened.headers.get("location", ""), opened.text
    people["draft"] = int(opened.headers["location"].rsplit("/", 1)[1])
    yield people
    for visitor in people.values():
        if isinstance(visitor, Visitor):
            visitor.http.close()


def assert_kind(response: httpx.Response, sent: str = "") -> None:
    """The properties every answer has; `sent` is what the request carried (it may come back, escaped)."""
    assert response.status_code < 500, (response.status_code, response.request.method, response.request.url)
    body = response.content.decode("utf-8", "replace")
    for leak in LEAKS:
        assert leak not in body or leak in sent, (leak, response.request.url, body[:500])
    assert SCRIPT not in body or "html" not in response.headers.get("content-type", ""), "echoed unescaped"
    if 400 <= response.status_code < 500:
        assert len(response.content) <= SHORT, (response.status_code, response.request.url, body[:300])
        assert body.strip(), "a refusal says something"
    location = response.headers.get("location", "")
    assert not urlsplit(location).netloc, location  # redirects stay on this site, by path


# ---------------------------------------------------------------------------------------------- strategies
_segment = st.one_of(
    st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=30),
    st.sampled_from(
        [
            "..",
            "%00",
            "\x00",
            "utter_greet",
            "uk-childline",
            SCRIPT,
            "a" * 5000,
            "../../bot/settings.py",
            "\u202e",
            "😀",
            "%ff",
            "con",
            ".env",
        ]
    ),
    st.integers(min_value=-BIG, max_value=BIG).map(str),
    st.sampled_from([str(2**31), str(2**63), str(BIG), "-1", "0", "1", "1e9", "0x10", " 1"]),
)
_value = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            SCRIPT,
            "\x00",
            "a" * 20000,
            str(BIG),
            "-1",
            "",
            "utter_greet",
            "uk",
            "staff",
            "save",
            "submit",
            "publish",
            "discard",
            "approve",
            "request_changes",
        ]
    ),
)
_query = st.dictionaries(
    st.sampled_from(["q", "target", "days", "region", "after", "csrf", "x", "\x00", "😀"]), _value, max_size=3
)


def _path(template: str, segments) -> str:
    for segment in segments:
        template = template.replace("{}", quote(segment, safe=""), 1)
    return template


# ---------------------------------------------------------------------------------------------- the tests
@settings(FUZZ, max_examples=200)
@given(
    role=st.sampled_from(ROLES),
    route=st.sampled_from(GET_ROUTES),
    segments=st.lists(_segment, min_size=2, max_size=2),
    query=_query,
)
@example(role=None, route="/static/{}", segments=["\x00", ""], query={})  # was a 500 (embedded null byte)
@example(role="staff", route="/editor/changes/{}", segments=[str(BIG), ""], query={})  # was a 500 (OverflowError)
@example(role="staff", route="/insights", segments=["", ""], query={"days": str(BIG), "region": "\x00"})
def test_any_address_and_query_string(visitors, role, route, segments, query):
    visitor = visitors[role]
    path = _path(route, segments)
    response = visitor.http.get(path, params=query)
    assert_kind(response, path + repr(query) + "".join(segments))


def _form(fields, values, csrf: str | None) -> dict[str, str]:
    form = dict(zip(fields, values, strict=False))
    if csrf is not None:
        form["csrf"] = csrf
    return form


@settings(FUZZ, max_examples=200)
@given(
    role=st.sampled_from(ROLES),
    route=st.sampled_from(POST_ROUTES),
    segments=st.lists(_segment, min_size=2, max_size=2),
    values=st.lists(_value, min_size=5, max_size=5),
    token=st.sampled_from(["valid", "none", "wrong", "empty"]),
    encoding=st.sampled_from(["form", "multipart", "json", "raw"]),
    raw=st.binary(max_size=300),
    content_type=st.sampled_from(
        [
            "application/x-www-form-urlencoded",
            "multipart/form-data",
            "multipart/form-data; boundary=x",
            "text/plain",
            "application/json",
            "application/x-www-form-urlencoded; charset=\x7f",
            "",
            "*/*",
        ]
    ),
    use_draft=st.booleans(),
)
@example(
    role="admin",
    route=("/admin/users/{}/disable", []),
    segments=[str(BIG), ""],
    values=[""] * 5,
    token="valid",
    encoding="form",
    raw=b"",
    content_type="",
    use_draft=False,
)  # was a 500 (OverflowError)
@example(
    role="admin",
    route=("/admin/users/{}/disable", []),
    segments=["987654", ""],
    values=[""] * 5,
    token="valid",
    encoding="form",
    raw=b"",
    content_type="",
    use_draft=False,
)  # was a 500 (LookupError)
@example(
    role="staff",
    route=("/editor/items/response/{}/rollback", ["item_id", "number"]),
    segments=["x", ""],
    values=[str(BIG), "1", "", "", ""],
    token="valid",
    encoding="form",
    raw=b"",
    content_type="",
    use_draft=False,
)  # was a 500 (OverflowError)
def test_any_form_with_or_without_a_session_and_token(
    visitors, role, route, segments, values, token, encoding, raw, content_type, use_draft
):
    visitor = visitors[role]
    template, fields = route
    if template == "/logout" and token == "valid":
        return  # it would sign this visitor out for the examples after it (signing out is tested elsewhere)
    if (
        template == "/admin/users/{}/disable"
        and segments[0].strip().lstrip("-").isdigit()
        and abs(int(segments[0])) < 10**6
    ):
        segments = [str(10**6 + abs(int(segments[0]))), segments[1]]  # never one of this run's own accounts
    if template.startswith("/editor/changes/") and use_draft:
        segments = [str(visitors["draft"]), segments[1]]
    csrf = {"valid": visitor.csrf or "", "none": None, "wrong": "x" * 43, "empty": ""}[token]
    form = _form(fields, values, csrf)
    path = _path(template, segments)
    if encoding == "form":
        response = visitor.http.post(path, data=form)
    elif encoding == "multipart":
        upload = (
            {"file": ("content.yml", raw, "application/yaml")}
            if template == "/editor/import"
            else {"extra": ("x.bin", raw, "application/octet-stream")}
        )
        response = visitor.http.post(path, data=form, files=upload)
    elif encoding == "json":
        response = visitor.http.post(path, json=form)
    else:
        response = visitor.http.post(path, content=raw, headers={"Content-Type": content_type})
    assert_kind(response, path + repr(form) + "".join(segments))
    if token != "valid":
        # refused (or no such route, with an id made of a "/"): nothing is done without the session's token
        assert response.status_code in (400, 403, 404, 405, 422), response.status_code


@settings(FUZZ, max_examples=60)
@given(
    path=st.sampled_from(["/", "/login", "/console", "/editor", "/healthz"]),
    cookie=st.one_of(
        st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=200),
        st.integers(0, 120_000).map(lambda n: "console_session=" + "A" * n),
        st.sampled_from(
            [
                "console_session=",
                "console_session=%%%;;;",
                "=; =; a",
                'console_session="x"',
                "console_session=" + "eyJ1c2VyX2lkIjogMX0=.aaaa.bbbb",
            ]
        ),
    ),
    headers=st.dictionaries(
        st.sampled_from(
            [
                "Content-Type",
                "Accept",
                "Accept-Language",
                "Origin",
                "Referer",
                "X-Forwarded-For",
                "X-Forwarded-Proto",
                "User-Agent",
                "Range",
                "If-None-Match",
                "Accept-Encoding",
            ]
        ),
        st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=300).map(
            str.strip
        ),  # what HTTP allows: no space at either end
        max_size=4,
    ),
)
def test_odd_headers_and_huge_cookies(web_url, path, cookie, headers):
    with httpx.Client(base_url=web_url, timeout=60) as http:
        response = http.get(path, headers={**headers, "Cookie": cookie})
    assert_kind(response, cookie + repr(headers))


def test_an_unknown_content_kind_is_not_a_server_error(visitors):
    staff = visitors["staff"]
    assert_kind(staff.http.post("/editor/items/bogus/utter_greet/change", data={"csrf": staff.csrf}))


def _raw(web_url: str, request: bytes) -> bytes:
    """Sends bytes as they are (what an HTTP client library would refuse to send); returns the answer's start."""
    address = urlsplit(web_url)
    assert address.port is not None, web_url
    with socket.create_connection((address.hostname, address.port), timeout=30) as connection:
        connection.sendall(request)
        connection.shutdown(socket.SHUT_WR)
        answer = b""
        while len(answer) < 8192:
            chunk = connection.recv(8192)
            if not chunk:
                break
            answer += chunk
    return answer


@settings(FUZZ, max_examples=50)
@given(
    path=st.sampled_from([b"/login", b"/logout", b"/admin/users", b"/", b"/%00", b"/\xff", b"/a b", b"/?\x01=\x02"]),
    length=st.one_of(
        st.sampled_from([b"abc", b"-1", b"", b"1e3", b" 5", b"99999999999999999999999", b"5, 7", b"0x10"]),
        st.integers(0, 10**12).map(lambda n: str(n).encode()),
    ),
    body=st.binary(max_size=200),
    extra=st.sampled_from(
        [
            b"",
            b"Content-Length: 3\r\n",
            b"Transfer-Encoding: chunked\r\n",
            b"Content-Type: multipart/form-data; boundary=\r\n",
        ]
    ),
)
@example(path=b"/login", length=b"abc", body=b"", extra=b"")
@example(path=b"/login", length=b"10", body=b"ab", extra=b"")  # shorter than declared
def test_bad_content_length_and_raw_requests(web_url, path, length, body, extra):
    answer = _raw(
        web_url,
        b"POST "
        + path
        + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: "
        + length
        + b"\r\n"
        + extra
        + b"Content-Type: application/x-www-form-urlencoded\r\n\r\n"
        + body,
    )
    if not answer:
        return  # the server closed the connection: a refusal without words, never a 500
    status = int(answer.split(b" ", 2)[1])
    assert status < 500, answer[:300]
    assert b"Traceback" not in answer and b"/work/" not in answer


@pytest.mark.parametrize("path", ["/login", "/logout", "/editor/import", "/admin/users", "/editor/changes/1"])
@pytest.mark.parametrize("chunked", [False, True])
def test_bodies_over_the_limit_are_refused_kindly(visitors, path, chunked):
    limit = bot_settings.MAX_REQUEST_BYTES
    visitor = visitors["admin"]
    for size in (limit + 1,):
        body = b"csrf=" + visitor.csrf.encode() + b"&name=" + b"x" * (size - len(visitor.csrf) - 11)
        content = (body[i : i + 65536] for i in range(0, len(body), 65536)) if chunked else body
        response = visitor.http.post(
            path, content=content, headers={"Content-Type": "application/x-www-form-urlencoded"}
        )
        assert_kind(response)
        if size > limit:
            # Starlette's form parser refuses a field over 1 MB itself (400) before the limit (413) is reached
            assert response.status_code in (400, 413), (path, size, response.status_code)
