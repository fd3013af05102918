"""Fixtures of the absence tests: the real SMTP server (aiosmtpd) that notices are sent to."""

from smtp_sink import smtp_server  # noqa: F401 (registered as a fixture for this folder)
