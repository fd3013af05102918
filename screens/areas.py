"""Areas whose screens come in a later version (rosters, transfers, courses, reviews, audit log).

Until then the area says calmly what this build offers: the entry points of the area's service
module if it is installed (usable from the command line), or "not available in this version".
The module is looked up in a worker: importing a service module may import SQLAlchemy models.
"""

from __future__ import annotations

import importlib
import inspect
from types import ModuleType

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from bpa_provider.i18n import _
from screens.calls import ServiceCaller
from screens.messages import ServiceResult
from screens.nav import area as find_area

# Service modules that may serve each area, in order of preference.
MODULES = {
    "rosters": ("roster", "rosters", "rota"),
    "transfers": ("transfers", "transfer"),
    "courses": ("courses", "onboarding"),
    "reviews": ("reviews",),
    "audit": ("audit_log", "auditlog", "access_log"),
}


def offered(area: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """(module, [(function, first line of its docstring)]) for each installed service module."""
    found = []
    for name in MODULES.get(area, ()):
        module = _import(f"bpa_provider.services.{name}")
        if module is None:
            continue
        functions = [
            (fname, (inspect.getdoc(fn) or "").splitlines()[0] if inspect.getdoc(fn) else "")
            for fname, fn in vars(module).items()
            if not fname.startswith("_") and inspect.isfunction(fn)
            and fn.__module__ == module.__name__ and hasattr(fn, "__wrapped__")  # @service entry points
        ]
        found.append((name, sorted(functions)))
    return found


def _import(path: str) -> ModuleType | None:
    try:
        return importlib.import_module(path)
    except ModuleNotFoundError as exc:
        if exc.name and path.startswith(exc.name):
            return None
        raise


class AreaView(ServiceCaller, VerticalScroll):
    """A calm placeholder listing what the area's service offers."""

    DEFAULT_CSS = """
    AreaView { height: 1fr; padding: 1 2; }
    AreaView .title { text-style: bold; }
    """

    def __init__(self, area: str, *, id: str) -> None:
        super().__init__(id=id)
        self.area = area

    def compose(self) -> ComposeResult:
        yield Static(find_area(self.area).label, classes="title")
        yield Static(_("Loading…"), id="body")

    def on_mount(self) -> None:
        self.call_service("offered", offered, self.area)

    def on_service_result(self, result: ServiceResult) -> None:
        body = self.query_one("#body", Static)
        if result.error is not None:
            body.update(Text(_("Not available in this version.")))
            return
        if not result.value:
            body.update(Text(_("Not available in this version.")))
            return
        out = Text(_("This version has no screen for this area yet. Its service offers:") + "\n")
        for module, functions in result.value:
            for fname, doc in functions:
                out.append(f"\n  • {fname}", style="bold")
                if doc:
                    out.append(f" — {doc}")
        out.append("\n\n" + _("Use the command line meanwhile: bpa-provider --help"))
        body.update(out)

    def record_changed(self, kind: str) -> None:
        """Nothing here shows records."""

    def focus_content(self) -> None:
        self.focus()
