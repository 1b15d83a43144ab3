"""What one isolated call may use. Pure."""

from dataclasses import dataclass

MEGABYTE = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """`memory`: bytes of address space (RLIMIT_AS: what the child maps, not only what it touches);
    `cpu_seconds`: CPU time of the call (RLIMIT_CPU, counted from what the child had used before it);
    `timeout`: seconds of wall-clock time before the child is killed. Calls with equal limits share
    children, so a child keeps what it loaded (an OCR model) for the next call of its kind."""

    memory: int
    cpu_seconds: int
    timeout: float

    @classmethod
    def of(cls, *, memory_mb: int, cpu_seconds: int, timeout: float) -> "Limits":
        return cls(memory=memory_mb * MEGABYTE, cpu_seconds=cpu_seconds, timeout=timeout)
