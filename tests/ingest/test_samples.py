"""Real e-invoices of every issuing platform give every key field: each public OFD and PDF sample,
read as capture reads it (every extractor of its type, merged), against truth.json. Files marked
MOCK or SAMPLE there disagree with themselves on purpose and are left out."""

import json

import pytest

from ingest import sniff
from ingest.extract import base as extraction_fields
from ingest.extract.merge import merge, same
from ingest.extract.registry import read_invoices
from tests.fixtures.samples import SAMPLES, sample_path

KEY_FIELDS = tuple(name for name in extraction_fields.KEY_FIELDS if name != "kind")  # truth.json has no kind
TRUTH = json.loads((SAMPLES / "truth.json").read_text()) if SAMPLES.is_dir() else {}
# Files inconsistent on purpose (truth.json status MOCK or SAMPLE): their printed values are not their truth.
CONSISTENT_SAMPLES = sorted(
    name
    for name, entry in TRUTH.items()
    if name.startswith(("ofd/", "pdf/")) and not entry["status"].startswith(("MOCK", "SAMPLE"))
)


def read_key_fields(relative: str) -> dict[str, str]:
    data = sample_path(relative).read_bytes()
    (invoice,) = read_invoices(data, sniff.sniff(data), ocr=None)
    merged = merge(invoice)
    return {name: merged.value(name) for name in KEY_FIELDS if name in merged.fields}


def test_every_issuing_platform_has_a_sample():
    assert len(CONSISTENT_SAMPLES) == 16
    assert {name.split("/")[0] for name in CONSISTENT_SAMPLES} == {"ofd", "pdf"}


@pytest.mark.parametrize("relative", CONSISTENT_SAMPLES)
def test_it_reads_every_key_field_of_a_real_einvoice(relative):
    truth = {name: value for name, value in TRUTH[relative]["fields"].items() if name in KEY_FIELDS}
    read = read_key_fields(relative)
    wrong = {
        name: (value, read.get(name))
        for name, value in truth.items()
        if value and not (name in read and same(name, read[name], value))
    }
    assert wrong == {}  # field: (truth, read)
    assert {name for name, value in truth.items() if value is None}.isdisjoint(read)  # 个人: no tax id
