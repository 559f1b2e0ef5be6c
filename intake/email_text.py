"""From a raw marketplace e-mail to plain text with labels on lines — whatever the wrapping.

Real templates change without notice and people forward them by hand, so this module only
undoes the envelope: MIME (multipart, quoted-printable, base64, an attached ``message/rfc822``),
HTML-only bodies (table cells become ``label<TAB>value``), and a person's forward ("Fwd:", the
"Forwarded message" banner, ``>`` quoting). What the text *means* is ``intake/parsing.py``'s job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import parseaddr
from html.parser import HTMLParser

BLOCK_TAGS = {"br", "p", "div", "tr", "table", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "hr"}
FORWARD_BANNER = re.compile(
    r"^-{2,}\s*(?:Forwarded message|Original Message)\s*-{2,}\s*$|^Begin forwarded message:", re.I
)
TYPOGRAPHY: dict[int, str | None] = {ord("’"): "'", ord("‘"): "'", ord("“"): '"', ord("”"): '"', 0x200B: None}
FORWARD_HEADER = re.compile(r"^(From|Sent|Date|Subject|To|Cc)\s*:\s*(.*)$", re.I)


@dataclass(frozen=True)
class MessageText:
    """The message as the marketplace wrote it: its sender, subject, and text."""

    sender: str  # the address, lower-case
    subject: str
    message_id: str
    text: str


class _HtmlText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.cells = 0
        self.skip = 0
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script", "head"):
            self.skip += 1
        elif tag in BLOCK_TAGS:
            self.out.append("\n")
            if tag == "tr":
                self.cells = 0
        elif tag in ("td", "th"):
            if self.cells:
                self.out.append("\t")
            self.cells += 1
        elif tag == "a":
            self.links.append(dict(attrs).get("href") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script", "head"):
            self.skip = max(0, self.skip - 1)
        elif tag in BLOCK_TAGS:
            self.out.append("\n")
        elif tag == "a" and self.links:
            href = self.links.pop()
            if href.startswith(("http://", "https://")):
                self.out.append(f" <{href}>")  # the booking's id often lives only in its link

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.out.append(re.sub(r"[ \r\n]+", " ", data))


def html_to_text(html: str) -> str:
    parser = _HtmlText()
    parser.feed(html)
    parser.close()
    return "".join(parser.out)


def _part_text(part: Message) -> str:
    try:
        content = part.get_content()  # type: ignore[attr-defined]
    except (LookupError, KeyError, ValueError, AssertionError):
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else str(payload or "")
    if isinstance(content, bytes):
        content = content.decode("utf-8", "replace")
    return content if part.get_content_subtype() != "html" else html_to_text(content)


def _original(message: EmailMessage) -> EmailMessage:
    """An original attached to a forward (``message/rfc822``) wins over the cover note."""
    for part in message.walk():
        if part.get_content_type() == "message/rfc822":
            inner = part.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], EmailMessage):
                return _original(inner[0])
    return message


def _body(message: EmailMessage) -> str:
    """text/plain preferred, HTML converted otherwise."""
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        return ""
    text = _part_text(body)
    if body.get_content_subtype() == "plain" and not text.strip():
        html = message.get_body(preferencelist=("html",))
        text = _part_text(html) if html is not None else text
    return text


def _normalise(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ")
    text = text.translate(TYPOGRAPHY)
    lines = [re.sub(r"^(?:\s*>)+ ?", "", line).strip(" ") for line in text.split("\n")]
    return "\n".join(line.strip("\t ") if not line.strip() else line.lstrip(" ").rstrip() for line in lines)


def _unforward(text: str, sender: str, subject: str) -> tuple[str, str, str]:
    """Keep what follows a forward banner; its From/Subject lines name the original sender."""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if FORWARD_BANNER.match(line.strip()):
            rest = lines[i + 1 :]
            j = 0
            while j < len(rest) and (FORWARD_HEADER.match(rest[j].strip()) or not rest[j].strip()):
                found = FORWARD_HEADER.match(rest[j].strip())
                if found and found.group(1).lower() == "from":
                    sender = parseaddr(found.group(2))[1].lower() or sender
                elif found and found.group(1).lower() == "subject":
                    subject = found.group(2).strip()
                j += 1
                if j > 12:
                    break
            return "\n".join(rest[j:]), sender, subject
    return text, sender, subject


def message_text(raw: bytes) -> MessageText:
    """Parse with the standard library (policy ``default``); never raises on odd input."""
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    message = _original(message)
    sender = parseaddr(str(message.get("From", "")))[1].lower()
    subject = str(message.get("Subject", "")).strip()
    message_id = str(message.get("Message-ID", "")).strip()[:300]
    text = _normalise(_body(message))
    text, sender, subject = _unforward(text, sender, re.sub(r"^(?:(?:fwd?|fw)\s*:\s*)+", "", subject, flags=re.I))
    return MessageText(sender=sender, subject=subject, message_id=message_id, text=text)
