"""The help screen (? or F1): the keys that work where you are — the focused part of the screen
first, then the screen, then everywhere — plus how to move around, who you are signed in as and
which database is open. Areas opened earlier and hidden now are left out. `usable_bindings` also
feeds the palette's actions (screens/commands.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text
from textual.actions import parse as parse_action
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from bpa_provider.i18n import N_, _
from bpa_provider.screens import labels
from bpa_provider.screens.ui import TranslatedBindings

if TYPE_CHECKING:
    from bpa_provider.screens.app import BpaApp

# Where a group of keys works, by the class that declares them.
GROUP_TITLES = {
    "MainScreen": N_("Main screen"),
    "RecordList": N_("Lists"),
    "DashboardView": N_("Dashboard"),
    "ClientDetailScreen": N_("Client screen"),
    "AssistantDetailScreen": N_("Assistant screen"),
    "RecordForm": N_("Forms"),
    "EndForm": N_("Ending a record"),
    "ConfirmScreen": N_("Questions"),
    "BpaApp": N_("Everywhere"),
    "RostersView": N_("Rosters"),
    "RosterGrid": N_("Week grid"),
    "Picker": N_("Choosing a client or assistant"),
    "ShiftForm": N_("Shift form"),
    "PatternListScreen": N_("Rota patterns"),
    "PatternForm": N_("Forms"),
    "CopyWeekForm": N_("Copy week"),
    "TransfersView": N_("Transfers"),
    "TransferDetailScreen": N_("Transfer screen"),
    "TransferForm": N_("Transfer forms"),
    "ImportForm": N_("Importing a handover package"),
    "CoursesView": N_("Courses"),
    "OnboardingPane": N_("Onboarding"),
    "DatesPane": N_("Course dates"),
    "CatalogPane": N_("Course catalog"),
    "ExpiringPane": N_("Expiring credentials"),
    "ChecklistScreen": N_("Onboarding checklist"),
    "SpecForm": N_("Forms"),
    "EnrollForm": N_("Enrolling"),
    "SessionPicker": N_("Choosing a course date"),
    "ReviewsView": N_("Reviews"),
    "SchedulePane": N_("Review schedule"),
    "ActionsPane": N_("Review actions"),
    "HeldPane": N_("Reviews held"),
    "ReviewForm": N_("Recording a review"),
    "ReviewScreen": N_("Review"),
    "AuditLogView": N_("Audit log"),
    "AuditRowScreen": N_("Access-log row"),
}

MOVING_AROUND = (
    ("Tab / Shift+Tab", N_("Next / previous field, table or list")),
    ("↑ ↓ PgUp PgDn", N_("Move in a list or table (more rows load as you go)")),
    ("Enter", N_("Open the record under the cursor")),
    ("Esc", N_("Back, or close a form (asks first if you changed something)")),
    ("^p", N_("Command palette: go anywhere, find a client or assistant by name")),
)


def _declared_here(node: DOMNode) -> set[tuple[str, str]]:
    """(key, action) of the bindings our own classes declare (Textual's are covered by
    "Moving around", in words a newcomer understands)."""
    own: set[tuple[str, str]] = set()
    for cls in type(node).__mro__:
        if cls.__module__.startswith("bpa_provider.screens."):
            own |= {(b.key, b.action) for b in Binding.make_bindings(cls.__dict__.get("BINDINGS", []))}
    return own


def _shown(node: DOMNode, screen: Screen) -> bool:
    """Whether a widget is on display: an area built earlier and hidden in the main screen's
    switcher keeps its widgets, but their keys do not work now."""
    for n in node.ancestors_with_self:
        if n is screen:
            return True
        if not n.display:
            return False
    return True


def key_nodes(app: BpaApp, screen: Screen) -> list[DOMNode]:
    """The nodes whose keys work now, nearest first: the focused widget and what holds it, then
    the other widgets on display with keys, then the screen, then the app."""
    nodes: list[DOMNode] = []
    focused = screen.focused
    if focused is not None:
        nodes += [
            n
            for n in focused.ancestors_with_self
            if n is not screen and n is not app and isinstance(n, TranslatedBindings)
        ]
    nodes += [
        w
        for w in screen.walk_children(with_self=False)
        if isinstance(w, TranslatedBindings) and w not in nodes and _shown(w, screen)
    ]
    return [*nodes, screen, app]


def usable_bindings(app: BpaApp, screen: Screen) -> list[tuple[DOMNode, list[Binding]]]:
    """For each node of `key_nodes`, the bindings of our own classes it offers now (with a
    description, and an action this role may use); each node type once."""
    out: list[tuple[DOMNode, list[Binding]]] = []
    seen_types: set[str] = set()
    for node in key_nodes(app, screen):
        name = type(node).__name__
        if name in seen_types:
            continue
        seen_types.add(name)
        own = _declared_here(node)
        usable = []
        for _key, binding in node._bindings:
            if not binding.description or binding.system or (binding.key, binding.action) not in own:
                continue
            _target, action, params = parse_action(binding.action)
            if node.check_action(action, params) is False:
                continue  # an action this role may not use is not offered
            usable.append(binding)
        if usable:
            out.append((node, usable))
    return out


def collect(app: BpaApp, screen: Screen) -> list[tuple[str, list[tuple[str, str]]]]:
    """(where, [(keys, what)]) for what works now: the focused part of the screen first, the
    screen, the app, then how to move around."""
    groups: list[tuple[str, list[tuple[str, str]]]] = []
    for node, bindings in usable_bindings(app, screen):
        merged: dict[tuple[str, str], list[str]] = {}
        for binding in bindings:
            merged.setdefault((binding.action, binding.description), []).append(app.get_key_display(binding))
        items = [(" / ".join(keys), what) for (_action, what), keys in merged.items()]
        groups.append((_(GROUP_TITLES.get(type(node).__name__, type(node).__name__)), items))
    groups.append((_("Moving around"), [(k, _(v)) for k, v in MOVING_AROUND]))
    return groups


class HelpScreen(TranslatedBindings, ModalScreen[None]):
    """A scrolling list of keys; Esc, q or F1 closes it."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 90; max-width: 100%; height: 100%; max-height: 100%;
                                  border: round $accent; background: $surface; padding: 0 1; }
    """

    BINDINGS = [Binding("escape,q,f1,question_mark", "close", N_("Close help"))]

    def __init__(self, groups: list[tuple[str, list[tuple[str, str]]]]) -> None:
        super().__init__()
        self.translate_bindings()
        self.groups = groups

    def compose(self) -> ComposeResult:
        app: BpaApp = self.app  # type: ignore[assignment]
        intro = Text(_("Help"), style="bold")
        intro.append(
            "\n"
            + _("Signed in as {login} ({role}). Database: {url}").format(
                login=app.actor.login, role=labels.role(app.actor.role), url=app.db.url
            )
        )
        table = Table.grid(padding=(0, 2))
        table.add_column(no_wrap=True)
        table.add_column()
        for title, items in self.groups:
            table.add_row("", "")
            table.add_row(Text(title, style="bold underline"), "")
            for keys, what in items:
                table.add_row(Text(keys, style="bold"), Text(what))
        with VerticalScroll():
            yield Static(intro)
            yield Static(table)
            yield Static(Text("\n" + _("Esc closes this help.")))

    def action_close(self) -> None:
        self.dismiss(None)
