"""How an isolated call can fail besides the exceptions of the function itself. Pure."""


class UnsafeFile(Exception):
    """The child reading the file died (a signal, an abort, the memory or CPU limit) or ran out of
    time. `cause` is "memory", "cpu", "timeout" or "crashed"; callers refuse the file."""

    def __init__(self, cause: str, detail: str = "") -> None:
        super().__init__(f"{cause}: {detail}" if detail else cause)
        self.cause = cause
        self.detail = detail


class IsolatedError(Exception):
    """An exception of the isolated function that could not be brought back as itself (its type
    cannot be pickled); the message names the type."""
