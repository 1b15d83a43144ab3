"""Looking at a page as its users do: at a phone's width (390), a laptop's (1366) and a desktop's
(1920), screenshot it and find what a person would call broken — the page scrolling sideways, a
badge or a button wrapped onto a second line."""

from pathlib import Path

from tests.e2e.conftest import ARTIFACTS

WIDTHS = {390: 844, 1366: 768, 1920: 1080}

PROBLEMS = (Path(__file__).with_name("layout_problems.js")).read_text()


def look_at(page, name: str) -> dict[int, list[str]]:
    """Screenshot the page at each width (test-artifacts/<name>-<width>.png); what is broken at each."""
    ARTIFACTS.mkdir(exist_ok=True)
    found = {}
    for width, height in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_load_state("networkidle")  # the pictures a page draws on first view
        page.wait_for_timeout(150)
        page.screenshot(path=ARTIFACTS / f"{name}-{width}.png", full_page=True)
        problems = page.evaluate(PROBLEMS)
        if problems:
            found[width] = problems
    page.set_viewport_size({"width": 1366, "height": 768})
    return found
