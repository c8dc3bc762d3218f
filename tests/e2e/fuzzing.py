"""What the fuzz tests of the chat socket and of the HTTP routes share: Hypothesis settings and what must not leak."""

from hypothesis import HealthCheck, settings

# No deadline and no example database: the servers are real and shared, and a failure prints its blob to replay.
FUZZ = settings(
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)
# What must never reach a visitor: a stack trace, a path or address inside the service.
LEAKS = (
    "Traceback",
    'File "',
    "site-packages",
    "/work/",
    "/tmp/",
    "sqlite",
    "postgresql://",
    "127.0.0.1",
    "localhost",
    "Internal Server Error",
    "Exception",
)
