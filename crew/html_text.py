"""What a person or a mail client can see of an HTML e-mail part, for the checks to read.

The checks before crew are told (``crew.scrub.text_is_clean`` and ``crew.money_check``) read
words, not markup: run over the raw HTML they tokenised our template's CSS (``0.2rem 1rem``,
``#1b2a36``) — most of the cost of a crew e-mail, and numbers the money check would rightly
distrust. ``visible_text`` gives them instead every text node (entities decoded: ``&#36;`` is
``$``), every comment, and every attribute value (``title``, ``alt``, ``href`` … a client may
show any of them), one per line. Left out is only what is provably ours: a ``style`` attribute
or ``<style>`` block that is, character for character, a literal of the template the part was
rendered from (``template_literals``, read once per process), and values the caller names (the
magic link). A style that carries data, or is not in the template, is read like text.
"""

from __future__ import annotations

import functools
from html.parser import HTMLParser

from django.template.loader import get_template


class _Reader(HTMLParser):
    def __init__(self, skip: frozenset[str], ours: frozenset[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.skip = skip  # values left out wherever they stand
        self.ours = ours  # styles left out (the template's literals)
        self.parts: list[str] = []
        self.styles: list[str] = []  # every style attribute and <style> block, as written
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_style = tag == "style"
        for name, value in attrs:
            if not value:
                continue
            if name == "style":
                self.styles.append(value)
                if value in self.ours:
                    continue
            if value not in self.skip:
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles.append(data)
            if data in self.ours:
                return
        if data.strip() and data not in self.skip:
            self.parts.append(data.strip())

    def handle_comment(self, data: str) -> None:
        self.handle_data(data)


def _read(html: str, skip: frozenset[str], ours: frozenset[str]) -> _Reader:
    reader = _Reader(skip, ours)
    reader.feed(html)
    reader.close()
    return reader


@functools.cache
def template_literals(template_name: str) -> frozenset[str]:
    """The style attributes and ``<style>`` blocks of a template that hold no template code."""
    source = get_template(template_name).template.source  # type: ignore[attr-defined]
    return frozenset(style for style in _read(source, frozenset(), frozenset()).styles if "{" not in style)


def visible_text(html: str, *, template_name: str, skip: tuple[str, ...] = ()) -> str:
    """The text and attribute values of ``html`` (rendered from ``template_name``), one a line."""
    return "\n".join(_read(html, frozenset(skip), template_literals(template_name)).parts)
