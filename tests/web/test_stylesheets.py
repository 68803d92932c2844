"""One component stylesheet (app.css): buttons, forms, tables, badges, menus and dialogs are
defined there once; team.css, directory.css and archive.css hold only their pages' layout."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import messagecenter

ROOT = Path(messagecenter.__file__).parent
SHEETS = {
    "app": ROOT / "web/static/web/css/app.css",
    "team": ROOT / "team/static/team/css/team.css",
    "directory": ROOT / "directory/static/directory/css/directory.css",
    "archive": ROOT / "archive/static/archive/css/archive.css",
}
# A component's own rules: its block or element, a state, an icon or element inside it
# (".button[disabled]", ".table th"); modifiers ("--operators") are page variants and allowed.
_NAMES = "button|field|form|table|badge|chip|menu|dropdown|dialog|card|alert"
COMPONENTS = re.compile(rf"^\.({_NAMES})(__[\w-]+)?(\[[^\]]*\]|:[\w-]+)*(\s+(\.icon|[a-z]+))*$")


def top_level_selectors(css: str) -> list[str]:
    """Selectors of the rules outside at-rules (a @media variant may adjust a component)."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)
    found, depth, start = [], 0, 0
    for match in re.finditer(r"[{}]", css):
        if match.group() == "{":
            prelude = css[start : match.start()].strip()
            if depth == 0 and not prelude.startswith("@"):
                found += [part.strip() for part in prelude.split(",")]
            depth += 1
        else:
            depth -= 1
        start = match.end()
    return found


def test_a_component_is_defined_in_one_stylesheet_only():
    defined = defaultdict(set)
    for name, path in SHEETS.items():
        for selector in top_level_selectors(path.read_text(encoding="utf-8")):
            defined[selector].add(name)

    repeated = {sel: sorted(names) for sel, names in defined.items() if len(names) > 1}
    assert repeated == {}


def test_page_stylesheets_do_not_define_components():
    """A page stylesheet styles its own classes (and components inside them), not a component."""
    for name in ("team", "directory", "archive"):
        selectors = top_level_selectors(SHEETS[name].read_text(encoding="utf-8"))
        components = [sel for sel in selectors if COMPONENTS.match(sel)]
        assert components == [], name
