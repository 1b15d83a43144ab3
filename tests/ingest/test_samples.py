"""Real e-invoices of every issuing platform give every key field: each public OFD and PDF sample,
read as capture reads it (every extractor of its type, merged), against truth.json. Files marked
MOCK or SAMPLE there disagree with themselves on purpose and are left out."""

from ingest import sniff
from ingest.extract import base as extraction_fields
from ingest.extract.merge import merge, same
from ingest.extract.registry import read_invoices
from tests.fixtures.samples import over_samples, sample_path, truth

KEY_FIELDS = tuple(name for name in extraction_fields.KEY_FIELDS if name != "kind")  # truth.json has no kind


def consistent_samples() -> list[str]:
    """The OFD and PDF samples, without the files inconsistent on purpose (truth.json status MOCK or
    SAMPLE): their printed values are not their truth."""
    return sorted(
        name
        for name, entry in truth().items()
        if name.startswith(("ofd/", "pdf/")) and not entry["status"].startswith(("MOCK", "SAMPLE"))
    )


def read_key_fields(relative: str) -> dict[str, str]:
    data = sample_path(relative).read_bytes()
    (invoice,) = read_invoices(data, sniff.sniff(data), ocr=None)
    merged = merge(invoice)
    return {name: merged.value(name) for name in KEY_FIELDS if name in merged.fields}


def test_every_issuing_platform_has_a_sample():
    assert len(consistent_samples()) == 16
    assert {name.split("/")[0] for name in consistent_samples()} == {"ofd", "pdf"}


@over_samples("relative", consistent_samples)
def test_it_reads_every_key_field_of_a_real_einvoice(relative):
    expected = {name: value for name, value in truth()[relative]["fields"].items() if name in KEY_FIELDS}
    read = read_key_fields(relative)
    wrong = {
        name: (value, read.get(name))
        for name, value in expected.items()
        if value and not (name in read and same(name, read[name], value))
    }
    assert wrong == {}  # field: (truth, read)
    assert {name for name, value in expected.items() if value is None}.isdisjoint(read)  # 个人: no tax id
