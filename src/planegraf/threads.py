"""Work run beside the caller in a thread of its own: Oxigraph evaluates queries, writes
dumps and zlib compresses outside Python's lock, so such work shares the machine's cores
with the Python the caller runs meanwhile (the build's validation beside its site, the
site's downloads beside its pages)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar, cast

T = TypeVar("T")


class Beside(Generic[T]):
    """``work()`` run in a thread of its own (or here and now, when not ``beside``):
    :meth:`result` waits for its value, or raises what it raised. While it waits it does
    ``help_with()``: the waiting thread's share of the work.

    >>> Beside(lambda: 6 * 7).result()
    42
    """

    def __init__(self, work: Callable[[], T], beside: bool = True,
                 help_with: Callable[[], None] | None = None, name: str = "planegraf-beside"
                 ) -> None:
        self._help_with = help_with
        self._value: T | None = None
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        if beside:
            self._thread = threading.Thread(target=self._run, args=(work,), daemon=True,
                                            name=name)
            self._thread.start()
        else:
            self._value = work()

    def _run(self, work: Callable[[], T]) -> None:
        try:
            self._value = work()
        except BaseException as err:  # handed to the caller by result()
            self._error = err

    @property
    def beside(self) -> bool:
        """Whether the work runs in a thread of its own (else it is already done)."""
        return self._thread is not None

    def wait(self) -> None:
        """Wait until the work is over, whatever its outcome (raises nothing)."""
        if self._thread is not None:
            self._thread.join()

    def result(self) -> T:
        """The value, once the work is over."""
        if self._thread is not None and self._help_with is not None:
            self._help_with()
        self.wait()
        if self._error is not None:
            raise self._error
        return cast(T, self._value)  # T may be None: the work's value, whatever it is
