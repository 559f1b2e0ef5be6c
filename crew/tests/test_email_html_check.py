"""The checks read what the HTML part shows (text, attribute values), not our template's CSS."""

from __future__ import annotations

from typing import Any

import pytest

from crew import notification_message
from crew.html_text import template_literals, visible_text
from crew.tests.factories import CrewMemberFactory
from crew.tests.scc_support import event_payload

pytestmark = pytest.mark.django_db
TEMPLATE = notification_message.HTML_TEMPLATE


def _event(member: Any) -> dict[str, Any]:
    return {
        **event_payload(crew=[{"email": member.email, "name": member.name, "role": "captain"}]),
        "id": "evt_1",
        "version": 1,
    }


def test_the_html_part_is_read_as_its_words_without_the_template_css_or_the_link() -> None:
    member = CrewMemberFactory(email="cass@example.com", name="Cass Captain")
    message = notification_message.crew_event_message(member, _event(member), kind="assigned")
    html = str(message.alternatives[0][0])
    link = next(line for line in message.body.splitlines() if "sesame=" in line)
    shown = visible_text(html, template_name=TEMPLATE, skip=(link,))
    for words in ("Hi Cass", "JADA charter, party of 6", "Dock 7, Shelter Island Marina", "Captain"):
        assert words in shown
    assert "rem" not in shown and "#1b2a36" not in shown and "sesame" not in shown
    assert "text-align: left; padding: 0.2rem 1rem 0.2rem 0;" in template_literals(TEMPLATE)


def test_attributes_comments_entities_and_unknown_styles_are_read() -> None:
    literal = next(iter(template_literals(TEMPLATE)))
    html = (
        f'<p style="{literal}" title="tip 300" data-x="1">Hi<img alt="captain gets 300"></p>'
        '<!-- fee 1450 --><p style="content: \'$5\'">&#36;90</p><style>b::after{content:"€1"}</style>'
    )
    shown = visible_text(html, template_name=TEMPLATE).splitlines()
    assert shown == [
        "tip 300",
        "1",
        "Hi",
        "captain gets 300",
        "fee 1450",
        "content: '$5'",
        "$90",
        'b::after{content:"€1"}',
    ]


@pytest.mark.parametrize(
    "planted",
    [
        '<td title="Fee 1450">',
        '<img alt="captain gets 300">',
        "<td>&#36;300</td>",
        '<p style="color: red">$300 cash</p>',
        "<td style=\"text-align: left; content: '$300'\">",
        "<title>rev 2.5k</title>",
    ],
)
def test_money_planted_in_the_html_part_alone_is_held(planted: str, monkeypatch: pytest.MonkeyPatch) -> None:
    member = CrewMemberFactory(email="cass@example.com", name="Cass Captain")
    real = notification_message.render_to_string

    def render(name: str, context: dict[str, Any]) -> str:
        out = real(name, context)
        return out.replace("<body", planted + "<body", 1) if name == TEMPLATE else out

    monkeypatch.setattr(notification_message, "render_to_string", render)
    with pytest.raises(notification_message.UnsafeMessageError):
        notification_message.crew_event_message(member, _event(member), kind="assigned")


def test_the_money_check_alone_reads_the_html_part(monkeypatch: pytest.MonkeyPatch) -> None:
    """The second check does not lean on the scrubber: with the scrubber saying clean, it still holds."""
    member = CrewMemberFactory(email="cass@example.com", name="Cass Captain")
    real = notification_message.render_to_string
    monkeypatch.setattr(notification_message, "text_is_clean", lambda text: True)
    monkeypatch.setattr(
        notification_message,
        "render_to_string",
        lambda name, ctx: (
            real(name, ctx).replace("</body>", '<img alt="a grand for the day"></body>')
            if name == TEMPLATE
            else real(name, ctx)
        ),
    )
    with pytest.raises(notification_message.UnsafeMessageError, match="looks like money"):
        notification_message.crew_event_message(member, _event(member), kind="assigned")
