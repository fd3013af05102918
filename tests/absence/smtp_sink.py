"""A real SMTP server for the notice tests (aiosmtpd with STARTTLS and AUTH, a throwaway
certificate) and a reader of the calendar invitations that arrive: a builder module, imported by
the tests that need it (tests never import a conftest)."""

from __future__ import annotations

import email
import socket
import ssl
import subprocess
from email.policy import default as default_policy

import aiosmtpd.controller as controller
import aiosmtpd.smtp as smtp_mod
import icalendar
import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Sink:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, N802
        self.messages.append(
            email.message_from_bytes(envelope.original_content or envelope.content, policy=default_policy)
        )
        return "250 OK"


@pytest.fixture
def smtp_server(tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    def authenticate(server, session, envelope, mechanism, auth_data):  # noqa: ANN001
        ok = auth_data.login == b"bpa" and auth_data.password == b"s3cret"
        return smtp_mod.AuthResult(success=ok)

    sink = Sink()
    port = free_port()
    ctl = controller.Controller(
        sink,
        hostname="127.0.0.1",
        port=port,
        tls_context=context,
        require_starttls=True,
        authenticator=authenticate,
        auth_require_tls=True,
    )
    ctl.start()
    try:
        yield sink, f"smtp+starttls://bpa:s3cret@127.0.0.1:{port}?cafile={cert}"
    finally:
        ctl.stop()


def calendar_of(msg):  # noqa: ANN001
    for part in msg.walk():
        if part.get_content_type() == "text/calendar":
            return icalendar.Calendar.from_ical(part.get_content()), part.get_param("method")
    return None, None
