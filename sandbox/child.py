"""The isolated child's side: take a call, set the limits, run it, send back what came of it. Pure.

A request is two messages: the limits (small), then the pickled call, which is unpickled only once
the limits hold, so that importing the parser's modules counts against them too. A reply is
("returned", value), ("raised", exception parts) or ("memory", text). After a MemoryError the child
exits: whatever failed to allocate may have left a library half-done."""

import ctypes
import ctypes.util
import math
import os
import pickle
import resource
import traceback
from multiprocessing.connection import Connection

from sandbox.errors import IsolatedError

# Threads that numerical libraries start per core each reserve address space the limit counts.
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_THREAD_LIMIT")
M_ARENA_MAX = -8  # glibc's mallopt parameter: how many malloc arenas (each reserves 64 MB per thread)
# A child left holding more than this share of its limit, or this much memory, is not used again:
# idle, it would keep what one large file made it take.
RETIRE_SHARE = 0.5
RETIRE_RESIDENT = 768 * 1024 * 1024


def main(fd: int) -> None:
    """The child process's program (sandbox/runner.py starts it): serve calls on the socket `fd`."""
    serve(Connection(fd))


def serve(connection: Connection) -> None:
    _settle()
    while True:
        try:
            memory, cpu_seconds = connection.recv()
            payload = connection.recv_bytes()
        except (EOFError, OSError):
            return  # the parent is gone
        _limit(memory, cpu_seconds)
        try:
            function, args, kwargs = _unpickled(payload)
            del payload
            reply = ("returned", function(*args, **kwargs))
        except MemoryError:
            _send_and_exit(connection, ("memory", "the call ran out of memory"))
        except BaseException as error:
            reply = ("raised", portable(error))
        try:
            connection.send((*reply, _retiring(memory)))
        except MemoryError:
            _send_and_exit(connection, ("memory", "the reply did not fit in memory"))
        except Exception as error:  # a value that cannot be pickled
            connection.send(("raised", portable(error), False))
        del reply


def _unpickled(payload: bytes) -> tuple:
    """The call. A function of a module that imports Django models (a test's fake extractor, say)
    needs the app registry, set up here only then: the project's parsers are pure."""
    try:
        return pickle.loads(payload)  # noqa: S301 - the parent's own call, on a pipe of its own
    except Exception:
        if not os.environ.get("DJANGO_SETTINGS_MODULE"):
            raise
        import django
        from django.apps import apps

        if apps.ready:
            raise
        django.setup()
        return pickle.loads(payload)  # noqa: S301 - the parent's own call, on a pipe of its own


def portable(error: BaseException) -> tuple:
    """The exception as (type, args, attributes, traceback text), which the parent rebuilds without
    calling the type's __init__; an IsolatedError naming it when those cannot be pickled."""
    text = "".join(traceback.format_exception(error))
    parts = (type(error), error.args, dict(getattr(error, "__dict__", {})), text)
    try:
        pickle.dumps(parts)
    except Exception:
        return (IsolatedError, (f"{type(error).__qualname__}: {error}",), {}, text)
    return parts


def _settle() -> None:
    for name in THREAD_VARIABLES:
        os.environ.setdefault(name, "1")
    resource.setrlimit(resource.RLIMIT_CORE, (0, resource.getrlimit(resource.RLIMIT_CORE)[1]))
    library = ctypes.util.find_library("c")
    if library:
        libc = ctypes.CDLL(library)
        if hasattr(libc, "mallopt"):
            libc.mallopt(M_ARENA_MAX, 2)


def _limit(memory: int, cpu_seconds: int) -> None:
    """RLIMIT_CPU counts the process's whole life, so the call's budget starts from what it used."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    _set_soft(resource.RLIMIT_AS, memory)
    _set_soft(resource.RLIMIT_CPU, math.ceil(usage.ru_utime + usage.ru_stime) + cpu_seconds)


def _set_soft(which: int, value: int) -> None:
    hard = resource.getrlimit(which)[1]
    resource.setrlimit(which, (value if hard == resource.RLIM_INFINITY else min(value, hard), hard))


def _retiring(memory: int) -> bool:
    with open("/proc/self/statm") as statm:  # noqa: PTH123 - read at every call, kept cheap
        size, resident = (int(pages) * os.sysconf("SC_PAGE_SIZE") for pages in statm.read().split()[:2])
    return size > memory * RETIRE_SHARE or resident > RETIRE_RESIDENT


def _send_and_exit(connection, reply: tuple) -> None:
    try:
        connection.send((*reply, True))
    finally:
        os._exit(1)
