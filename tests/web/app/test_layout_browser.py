"""Layout at a desktop size (1440 px), measured with bounding boxes in Chromium (R-NAV, R-ARCH).

The first-visit banners span the page, the All conversations table uses the width, and the
conversation's "More actions" menu shows one action per line.
"""

from __future__ import annotations

import itertools

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDE = {"width": 1440, "height": 900}


def box(locator) -> dict:
    found = locator.bounding_box()
    assert found is not None, locator
    return found


@pytest.fixture
def wide(app_for, alice):
    app = app_for(alice)
    app.page.set_viewport_size(WIDE)
    return app


def test_first_visit_banners_span_the_whole_page(wide, alices):
    """GIVEN Alice's first visit (Away hint) and browser notifications not yet decided."""
    page = wide.open("/conversations/")
    main = box(page.locator("#main"))
    for banner in (page.locator("[data-away-hint]"), page.locator(".mc-permission-bar")):
        expect(banner).to_be_visible()
        found = box(banner)
        assert found["x"] == pytest.approx(main["x"], abs=1)
        assert found["width"] == pytest.approx(main["width"], abs=1)
    assert main["x"] + main["width"] == pytest.approx(WIDE["width"], abs=1)


def test_the_archive_table_uses_the_width_of_the_window(wide, alices):
    page = wide.open("/conversations/")
    main = box(page.locator("#main"))
    table = box(page.locator(".archive-table"))
    # All of the window right of the navigation rail but the page's padding (2 × 40 px).
    assert table["width"] >= WIDE["width"] - main["x"] - 2 * 40 - 4  # (less the card border)
    last = box(page.locator(".archive-table th").last)
    assert last["x"] + last["width"] <= table["x"] + table["width"] + 1  # no column clipped


def test_the_more_actions_menu_shows_one_action_per_line(wide, alices):
    page = wide.open(f"/inbox/{alices.public_id}/")
    page.get_by_role("button", name="More actions").click()
    panel = page.locator(".conv__header .dropdown__panel")
    expect(panel).to_be_visible()
    items = panel.locator(".menu__item")
    expect(items).to_have_count(3)
    boxes = [box(items.nth(i)) for i in range(3)]
    panel_box = box(panel)
    for above, below in itertools.pairwise(boxes):
        assert below["y"] >= above["y"] + above["height"] - 1  # stacked, not side by side
    for item in boxes:
        assert item["height"] < 44  # a single line of text, no wrapping
        assert item["x"] + item["width"] <= panel_box["x"] + panel_box["width"] + 1
    assert panel_box["x"] >= 0 and panel_box["x"] + panel_box["width"] <= WIDE["width"]
