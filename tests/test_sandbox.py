"""sandbox/: a function run in a child process within an address-space, CPU and time limit; what
it returns or raises comes back, and a child that dies or overruns ends as UnsafeFile. The functions
below are what the children run (module level: they travel by name)."""

import os
import time

import pytest

from ingest import sniff
from ingest.extract import registry
from ingest.extract.base import ExtractError, Extraction
from invoices.spreadsheets import SpreadsheetError
from sandbox import IsolatedError, Limits, UnsafeFile, run_isolated

LIMITS = Limits.of(memory_mb=1024, cpu_seconds=20, timeout=60)


def doubled(value: int) -> int:
    return value * 2


def child_pid() -> int:
    return os.getpid()


def refuses_columns() -> None:
    raise SpreadsheetError("missing_columns", columns="开票日期、金额")


def aborts() -> None:
    os.abort()


def allocates(gigabytes: int) -> int:
    return len(bytearray(gigabytes << 30))


def spins() -> None:
    while True:
        pass


def sleeps() -> None:
    time.sleep(600)


class Unpicklable(Exception):
    def __init__(self) -> None:
        super().__init__("held a lock")
        self.lock = __import__("threading").Lock()


def raises_unpicklable() -> None:
    raise Unpicklable()


class PageCounter:
    """A reader registered for PDFs, as a test registers a fake extractor: it reads the size."""

    def __call__(self, data: bytes, ocr) -> list[list[Extraction]]:
        reading = Extraction("xml")
        reading.put("remarks", f"{len(data)} bytes in {os.getpid()}")
        return [[reading]]


def test_it_returns_what_the_function_returns_from_another_process():
    assert run_isolated(doubled, 21, limits=LIMITS) == 42
    assert run_isolated(child_pid, limits=LIMITS) != os.getpid()


def test_the_functions_own_exception_comes_back_as_itself():
    with pytest.raises(SpreadsheetError) as refused:
        run_isolated(refuses_columns, limits=LIMITS)
    assert (refused.value.code, refused.value.params) == ("missing_columns", {"columns": "开票日期、金额"})
    assert str(refused.value) == "The table lacks the required columns 开票日期、金额."


def test_an_exception_that_cannot_be_pickled_comes_back_named():
    with pytest.raises(IsolatedError, match="Unpicklable: held a lock"):
        run_isolated(raises_unpicklable, limits=LIMITS)


def test_a_child_is_kept_for_the_next_call_with_the_same_limits():
    assert run_isolated(child_pid, limits=LIMITS) == run_isolated(child_pid, limits=LIMITS)


def test_an_abort_is_an_unsafe_file_and_the_next_call_gets_a_new_child():
    before = run_isolated(child_pid, limits=LIMITS)
    with pytest.raises(UnsafeFile) as unsafe:
        run_isolated(aborts, limits=LIMITS)
    assert (unsafe.value.cause, unsafe.value.detail) == ("crashed", "killed by SIGABRT")
    after = run_isolated(child_pid, limits=LIMITS)
    assert after != before
    assert run_isolated(doubled, 2, limits=LIMITS) == 4


def test_an_allocation_past_the_memory_limit_is_an_unsafe_file():
    with pytest.raises(UnsafeFile) as unsafe:
        run_isolated(allocates, 2, limits=LIMITS)
    assert unsafe.value.cause == "memory"
    assert run_isolated(allocates, 0, limits=LIMITS) == 0


def test_a_call_that_spins_is_stopped_by_its_cpu_budget():
    limits = Limits.of(memory_mb=1024, cpu_seconds=1, timeout=120)
    run_isolated(doubled, 1, limits=limits)  # the child's start-up is not the call's to pay
    started = time.monotonic()
    with pytest.raises(UnsafeFile) as unsafe:
        run_isolated(spins, limits=limits)
    assert unsafe.value.cause == "cpu"
    assert time.monotonic() - started < 60


def test_a_call_that_does_not_answer_is_stopped_by_its_timeout():
    limits = Limits.of(memory_mb=1024, cpu_seconds=20, timeout=2)
    started = time.monotonic()
    with pytest.raises(UnsafeFile) as unsafe:
        run_isolated(sleeps, limits=limits)
    assert unsafe.value.cause == "timeout"
    assert 2 <= time.monotonic() - started < 30
    assert run_isolated(doubled, 3, limits=limits) == 6


def test_a_reader_registered_in_the_parent_runs_in_the_child(monkeypatch):
    monkeypatch.setitem(registry.READERS, sniff.PDF, PageCounter())

    reader = registry.reader_for(b"%PDF-1.4 twelve", sniff.PDF)
    [[reading]] = run_isolated(registry.read_with, reader, b"%PDF-1.4 twelve", None, limits=LIMITS)

    read, _space, pid = reading.fields["remarks"].value.rpartition(" ")
    assert read == "15 bytes in" and int(pid) != os.getpid()


def test_the_readers_refusals_come_back_from_the_child():
    with pytest.raises(ExtractError) as refused:
        run_isolated(registry.read_invoices, b"<Invoice><!DOCTYPE x>", sniff.XML, ocr=None, limits=LIMITS)
    assert refused.value.code in {"unsafe_xml", "corrupt"}
