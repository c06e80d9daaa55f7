"""A real SMTP server for the mail tests: a small asyncio implementation of RFC 5321's receiving
side (EHLO/HELO, AUTH PLAIN and LOGIN, MAIL, RCPT, DATA with dot-unstuffing, RSET, NOOP, QUIT) on
127.0.0.1 and a free port, in its own thread. It keeps every message it accepts, parsed, so a test
reads what the service sent the way a mailbox would. ``refuse_rcpt`` makes it answer 550 to every
recipient (a server that refuses the message)."""
from __future__ import annotations

import asyncio
import base64
import email
import email.policy
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage
    login: str | None

    def part(self, subtype: str) -> str:
        """The text/``subtype`` body of the message, decoded."""
        body = self.message.get_body(preferencelist=(subtype,))
        assert body is not None, f"no text/{subtype} part"
        return body.get_content()


@dataclass
class SmtpServer:
    username: str | None = None
    password: str | None = None
    refuse_rcpt: bool = False
    messages: list[Received] = field(default_factory=list)
    port: int = 0
    _loop: asyncio.AbstractEventLoop | None = None
    _server: asyncio.AbstractServer | None = None
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        auth = f"{self.username}:{self.password}@" if self.username else ""
        return f"smtp://{auth}127.0.0.1:{self.port}"

    def start(self) -> SmtpServer:
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            self._server = loop.run_until_complete(asyncio.start_server(self._session, "127.0.0.1", 0))
            self.port = self._server.sockets[0].getsockname()[1]
            ready.set()
            loop.run_forever()
            self._server.close()
            loop.run_until_complete(self._server.wait_closed())
            loop.close()

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        ready.wait(5)
        return self

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(5)

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        async def say(line: str) -> None:
            writer.write((line + "\r\n").encode())
            await writer.drain()

        async def read() -> str:
            return (await reader.readline()).decode("utf-8", "replace").rstrip("\r\n")

        sender, recipients, login = "", [], None
        await say("220 127.0.0.1 test SMTP ready")
        try:
            while True:
                line = await read()
                if not line and reader.at_eof():
                    return
                verb = line[:4].upper()
                if verb in ("EHLO", "HELO"):
                    if verb == "EHLO":
                        await say("250-127.0.0.1")
                        await say("250-8BITMIME")
                        await say("250 AUTH PLAIN LOGIN")
                    else:
                        await say("250 127.0.0.1")
                elif verb == "AUTH":
                    parts = line.split()
                    if parts[1].upper() == "PLAIN":
                        blob = parts[2] if len(parts) > 2 else (await say("334 ") or await read())
                        _, user, password = base64.b64decode(blob).decode().split("\x00")
                    else:
                        await say("334 " + base64.b64encode(b"Username:").decode())
                        user = base64.b64decode(await read()).decode()
                        await say("334 " + base64.b64encode(b"Password:").decode())
                        password = base64.b64decode(await read()).decode()
                    if (user, password) == (self.username, self.password):
                        login = user
                        await say("235 2.7.0 Authentication successful")
                    else:
                        await say("535 5.7.8 Authentication credentials invalid")
                elif verb == "MAIL":
                    if self.username and login is None:
                        await say("530 5.7.0 Authentication required")
                        continue
                    sender, recipients = line.split(":", 1)[1].strip().split()[0].strip("<>"), []
                    await say("250 OK")
                elif verb == "RCPT":
                    if self.refuse_rcpt:
                        await say("550 5.1.1 No such mailbox here")
                        continue
                    recipients.append(line.split(":", 1)[1].strip().strip("<>"))
                    await say("250 OK")
                elif verb == "DATA":
                    await say("354 End data with <CR><LF>.<CR><LF>")
                    lines = []
                    while (data := await reader.readline()) not in (b".\r\n", b".\n", b""):
                        line_bytes = data[1:] if data.startswith(b"..") else data
                        lines.append(line_bytes.replace(b"\r\n", b"\n"))  # as a mailbox stores it
                    parsed = email.message_from_bytes(b"".join(lines), policy=email.policy.default)
                    self.messages.append(Received(sender=sender, recipients=recipients,
                                                  message=parsed, login=login))  # type: ignore[arg-type]
                    await say("250 OK: queued")
                elif verb in ("RSET", "NOOP"):
                    await say("250 OK")
                elif verb == "QUIT":
                    await say("221 Bye")
                    return
                else:
                    await say("502 Command not implemented")
        finally:
            writer.close()
