"""The command palette's providers (Ctrl+P): every navigation target, the actions of the screen
the palette was opened on (approve, lock, copy week, new transfer, record review… whatever its keys
do now), and "Go to client K-0042 …" — clients, assistants and supervisors found by name or
reference through the services.

Names of people are never parsed as markup: Textual's own highlighter reads its candidate as
markup, so hits are highlighted here on plain `Content`.
"""

from __future__ import annotations

import asyncio
from abc import abstractmethod
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.fuzzy import Matcher
from textual.markup import escape

from bpa_provider.i18n import N_, _
from bpa_provider.screens import labels
from bpa_provider.screens.nav import visible_areas

if TYPE_CHECKING:
    from bpa_provider.screens.app import BpaApp

RECORD_HITS = 8  # per kind


def plain_highlight(matcher: Matcher, candidate: str) -> Content:
    """Like Matcher.highlight, but the candidate is plain text, not markup."""
    content = Content(candidate)
    _score, offsets = matcher.fuzzy_search.match(matcher.query, candidate)
    for offset in offsets:
        if not candidate[offset].isspace():
            content = content.stylize("bold underline", offset, offset + 1)
    return content


class ListedCommands(Provider):
    """A provider whose commands are a list of (title, callable, help): all of them on discovery,
    the fuzzy matches on search (highlighted as plain text)."""

    @property
    def bpa(self) -> BpaApp:
        return self.app  # type: ignore[return-value]

    @abstractmethod
    def commands(self) -> list[tuple[str, Callable[[], Any], str]]:
        """The provider's commands: (title, what it does, help)."""

    async def discover(self) -> Hits:
        for title, command, help_text in self.commands():
            yield DiscoveryHit(Content(title), command, text=title, help=escape(help_text))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, command, help_text in self.commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, plain_highlight(matcher, title), command, text=title, help=escape(help_text))


class NavigationCommands(ListedCommands):
    """Areas, "New …" actions, help, language and quit."""

    def commands(self) -> list[tuple[str, Callable[[], Any], str]]:
        app = self.bpa
        may = app.actor.may
        out: list[tuple[str, Callable[[], Any], str]] = [
            (_("Go to {area}").format(area=a.label), partial(app.action_go, a.key), _("Navigation"))
            for a in visible_areas(app.actor)
        ]
        for kind, permission in (
            ("client", "client.write"),
            ("assistant", "assistant.write"),
            ("municipality", "municipality.write"),
            ("supervisor", "supervisor.write"),
        ):
            if may(permission):
                out.append((labels.new(kind), partial(app.open_form, kind), _("Opens an empty form")))
        out += [
            (_("Help: keys of this screen"), app.action_help, "F1"),
            ("Language: English", partial(app.set_language_and_rebuild, "en"), "--lang en"),
            ("Språk: norsk bokmål", partial(app.set_language_and_rebuild, "nb"), "--lang nb"),
            (_("Quit"), app.action_quit, "Ctrl+Q"),
        ]
        return out


class ScreenActions(ListedCommands):
    """What the keys of the screen under the palette do now, by name ("Approve week  p")."""

    def commands(self) -> list[tuple[str, Callable[[], Any], str]]:
        from bpa_provider.screens.help import usable_bindings

        app = self.bpa
        out: list[tuple[str, Callable[[], Any], str]] = []
        seen: set[str] = set()
        for node, bindings in usable_bindings(app, self.screen):
            if node is app:
                continue  # help, quit: the navigation provider has them
            for binding in bindings:
                if binding.description in seen or binding.action.startswith(("go(", "app.")):
                    continue
                seen.add(binding.description)
                out.append(
                    (
                        binding.description,
                        partial(app.run_action, binding.action, node),
                        _("Key: {key}").format(key=app.get_key_display(binding)),
                    )
                )
        return out


# What a found record is called in the palette, by kind.
GO_TO = {
    "client": N_("Go to client {ref} {name}"),
    "assistant": N_("Go to assistant {ref} {name}"),
    "supervisor": N_("Go to supervisor {ref} {name}"),
}


class RecordCommands(Provider):
    """Clients, assistants and supervisors whose name or reference matches what is typed."""

    @property
    def bpa(self) -> BpaApp:
        return self.app  # type: ignore[return-value]

    def _find(self, term: str) -> list[tuple[str, Any]]:
        from bpa_provider.services import records  # in the palette's thread, not at start-up

        app = self.bpa
        found: list[tuple[str, Any]] = []
        for kind in GO_TO:
            if app.actor.may(f"{kind}.read"):
                page = records.list_records(app.db, app.actor, kind, search=term, limit=RECORD_HITS)
                found += [(kind, row) for row in page.rows]
        return found

    @staticmethod
    def search_term(query: str) -> str:
        """What to ask the database: the query without words like "go to client"."""
        noise = {
            w.lower()
            for w in (
                _("go"),
                _("to"),
                _("client"),
                _("assistant"),
                _("supervisor"),
                "go",
                "to",
                "client",
                "assistant",
                "supervisor",
                "gå",
                "til",
            )
        }
        words = [w for w in query.split() if w.lower() not in noise]
        return " ".join(words)

    async def search(self, query: str) -> Hits:
        term = self.search_term(query)
        if len(term) < 2:
            return
        try:
            # The palette's search is a coroutine: the database is asked in a thread meanwhile.
            found = await asyncio.to_thread(self._find, term)
        except Exception:  # noqa: BLE001 - a palette search must never break the palette
            return
        matcher = self.matcher(query)
        for kind, row in found:
            title = _(GO_TO[kind]).format(ref=row.ref, name=row.name)
            # The database matched the term; the fuzzy score only orders the hits.
            score = max(matcher.match(title), 0.5)
            yield Hit(score, plain_highlight(matcher, title), partial(self.bpa.open_record, kind, row.id), text=title)
