"""The parent's side: a child per call in flight, kept for the next call with the same limits. Pure.

Children are started with "spawn" (a fresh interpreter), never forked from this process, which may
be a threaded web server or a Celery pool child. A child serves one call at a time, so a child that
dies fails only its own call; one left holding much memory is retired, and so is any child whose
call did not end normally. Each process (a gunicorn worker, a Celery child) keeps its own."""

import multiprocessing
import os
import pickle
import signal
import threading
from collections.abc import Callable
from multiprocessing.connection import wait
from typing import Any, TypeVar

from sandbox import child
from sandbox.errors import IsolatedError, UnsafeFile
from sandbox.limits import Limits

T = TypeVar("T")
IDLE_PER_LIMITS = 2
_context = multiprocessing.get_context("spawn")


class _Child:
    def __init__(self) -> None:
        parent_end, child_end = _context.Pipe()
        self.process = _context.Process(target=child.serve, args=(child_end,), daemon=True)
        self.process.start()
        child_end.close()  # so that the child's death reads as the end of the pipe
        self.connection = parent_end

    def close(self) -> None:
        self.connection.close()
        if self.process.is_alive():
            self.process.kill()
        self.process.join()

    def call(self, limits: Limits, payload: bytes) -> tuple:
        self.connection.send((limits.memory, limits.cpu_seconds))
        self.connection.send_bytes(payload)
        ready = wait([self.connection, self.process.sentinel], timeout=limits.timeout)
        if not ready:
            raise UnsafeFile("timeout", f"no answer within {limits.timeout:g} s")
        try:
            return self.connection.recv()
        except (EOFError, OSError):
            self.process.join()
            raise UnsafeFile(*_death(self.process.exitcode)) from None


_idle: dict[Limits, list[_Child]] = {}
_lock = threading.Lock()


def run_isolated(function: Callable[..., T], *args: Any, limits: Limits, **kwargs: Any) -> T:
    """`function(*args, **kwargs)` run in a child process within `limits`. The function must be
    importable by name (module level) and its arguments and result picklable. Raises UnsafeFile
    when the child dies or runs out of memory or time, the function's own exception otherwise."""
    payload = pickle.dumps((function, args, kwargs), protocol=pickle.HIGHEST_PROTOCOL)
    worker = _take(limits)
    finished = False
    try:
        try:
            outcome, value, retire = worker.call(limits, payload)
        except BrokenPipeError:  # an idle child that had died since its last call
            worker.close()
            worker = _Child()
            outcome, value, retire = worker.call(limits, payload)
        finished = not retire
    finally:
        _give_back(limits, worker) if finished else worker.close()
    if outcome == "memory":
        raise UnsafeFile("memory", value)
    if outcome == "raised":
        raise _rebuilt(*value)
    return value


def _take(limits: Limits) -> _Child:
    with _lock:
        idle = _idle.get(limits, [])
        while idle:
            worker = idle.pop()
            if worker.process.is_alive():
                return worker
            worker.close()
    return _Child()


def _give_back(limits: Limits, worker: _Child) -> None:
    with _lock:
        idle = _idle.setdefault(limits, [])
        if len(idle) < IDLE_PER_LIMITS:
            idle.append(worker)
            return
    worker.close()


def _forget_children() -> None:
    """A process forked from this one shares none of its children: their pipes are this one's."""
    global _lock
    _lock = threading.Lock()
    for worker in [worker for idle in _idle.values() for worker in idle]:
        worker.connection.close()
        # Or this process's exit would terminate them as if they were its own daemonic children.
        multiprocessing.process._children.discard(worker.process)
    _idle.clear()


os.register_at_fork(after_in_child=_forget_children)


def _death(exitcode: int | None) -> tuple[str, str]:
    if exitcode == -signal.SIGXCPU:
        return "cpu", "the CPU time limit was reached"
    if exitcode is not None and exitcode < 0:
        return "crashed", f"killed by {signal.Signals(-exitcode).name}"
    return "crashed", f"exited with status {exitcode}"


def _rebuilt(kind: type[BaseException], args: tuple, attributes: dict, text: str) -> BaseException:
    """The child's exception, made without its __init__ (which may take other arguments than its
    args), with the child's traceback as a note."""
    try:
        error = kind.__new__(kind, *args)
        error.args = args
        error.__dict__.update(attributes)
    except Exception:
        error = IsolatedError(f"{kind.__qualname__}: {args}")
    error.add_note(f"Raised in the isolated child process:\n{text}")
    return error
