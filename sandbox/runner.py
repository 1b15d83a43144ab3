"""The parent's side: a child per call in flight, kept for the next call with the same limits. Pure.

Children are fresh interpreters started with subprocess, never forked from this process, which may
be a threaded web server or a Celery pool child (whose billiard marks it daemonic, which
multiprocessing would refuse children). A child serves one call at a time, so a child that dies
fails only its own call; one left holding much memory is retired, and so is any child whose call
did not end normally. Each process (a gunicorn worker, a Celery child) keeps its own; a child whose
parent dies reads the end of its socket and exits."""

import os
import pickle
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any, TypeVar

from sandbox.errors import IsolatedError, UnsafeFile
from sandbox.limits import Limits

T = TypeVar("T")
IDLE_PER_LIMITS = 1  # a web or Celery process reads one file at a time
_START = "import sys; sys.path[:0] = {path!r}; from sandbox.child import main; main({fd})"
_PROJECT = str(Path(__file__).resolve().parents[1])


class _Child:
    def __init__(self) -> None:
        parent_end, child_end = socket.socketpair()
        path = [_PROJECT, *(entry for entry in sys.path if entry and entry != _PROJECT)]
        with child_end:
            self.process = subprocess.Popen(  # noqa: S603 - this interpreter, running sandbox.child
                [sys.executable, "-c", _START.format(path=path, fd=child_end.fileno())],
                pass_fds=[child_end.fileno()],
                stdin=subprocess.DEVNULL,
            )
        self.connection = Connection(parent_end.detach())

    def close(self) -> None:
        self.connection.close()
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()

    def alive(self) -> bool:
        return self.process.poll() is None

    def call(self, limits: Limits, payload: bytes) -> tuple:
        self.connection.send((limits.memory, limits.cpu_seconds))
        self.connection.send_bytes(payload)
        if not wait([self.connection], timeout=limits.timeout):
            raise UnsafeFile("timeout", f"no answer within {limits.timeout:g} s")
        try:
            return self.connection.recv()
        except (EOFError, OSError):
            raise UnsafeFile(*_death(self.process.wait())) from None


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
        except (BrokenPipeError, ConnectionResetError):  # an idle child that died since its last call
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
            if worker.alive():
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
