"""The layout rules of ARCHITECTURE.md that a reader could miss."""

import ast
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[1]
APPS = ["accounts", "invoices", "ingest", "reconcile", "monitor"]
PURE_MODULES = [
    "invoices/fapiao.py",
    "invoices/lookalikes.py",
    "ingest/extract/geometry.py",
    "ingest/extract/layout.py",
    "ingest/extract/line_table.py",
    "ingest/extract/page_fields.py",
    "ingest/extract/pdf_text.py",
    "ingest/extract/ofd_glyphs.py",
    "ingest/extract/ofd.py",
    "ingest/extract/ocr.py",
    "ingest/extract/ocr_text.py",
    "ingest/extract/ocr_amounts.py",
    "ingest/extract/engines.py",
    "ingest/extract/amounts.py",
    "ingest/extract/amount_words.py",
    "ingest/extract/tins.py",
    "ingest/extract/reading.py",
    "ingest/extract/merge.py",
    "invoices/validation.py",
    "invoices/audit.py",
    "invoices/periods.py",
    "reconcile/records.py",
    "reconcile/matching.py",
    "reconcile/importers.py",
    "monitor/integrity.py",
    "ingest/previews.py",
    "sandbox/__init__.py",
    "sandbox/errors.py",
    "sandbox/limits.py",
    "sandbox/runner.py",
]
FRAMEWORKS = ("django", "rest_framework", "celery", "drf_spectacular")


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("module", PURE_MODULES)
def test_pure_modules_import_no_framework(module):
    frameworks = {name for name in imported_modules(BASE_DIR / module) if name.startswith(FRAMEWORKS)}
    assert not frameworks


VIEW_MODULES = [
    path for app in APPS for path in (BASE_DIR / app).glob("*.py") if path.stem in {"views", "api"}
]


@pytest.mark.parametrize("module", VIEW_MODULES, ids=lambda path: str(path.relative_to(BASE_DIR)))
def test_views_read_company_data_only_through_selectors(module):
    unscoped = [
        node.lineno
        for node in ast.walk(ast.parse(module.read_text()))
        if isinstance(node, ast.Attribute) and node.attr == "objects"
    ]
    assert not unscoped, f"{module.name} uses a model manager directly on lines {unscoped}"


def test_the_migrations_match_the_models(db):
    from django.core.management import call_command

    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
