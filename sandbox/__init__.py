"""Parsers of untrusted bytes run here: in a child process with an address-space and a CPU limit,
so that a file which makes a library abort, allocate without end or spin ends as UnsafeFile and
takes nothing else down. Pure: no Django.

`run_isolated(function, *args, limits=Limits(...))` returns what the module-level function
returns; an exception it raises is raised again here, as the same type when it can be pickled.
"""

from sandbox.errors import IsolatedError, UnsafeFile
from sandbox.limits import Limits
from sandbox.runner import run_isolated

__all__ = ["IsolatedError", "Limits", "UnsafeFile", "run_isolated"]
