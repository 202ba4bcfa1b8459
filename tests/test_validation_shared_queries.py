"""The build's caller runs validation queries while it waits for other work
(``PendingValidation.help``, issue 15): a Ctrl-C that lands in one of them stops the build
there, not after the whole site is written."""

from __future__ import annotations

import threading

import pytest

from planegraf.validation.validate import _SharedQueries


def test_ctrl_c_during_a_validation_query_the_caller_helps_with_stops_the_caller() -> None:
    shared = _SharedQueries()
    taken, release = threading.Event(), threading.Event()
    raised: list[BaseException] = []

    def first() -> str:  # taken by the validation's thread, held until the test is done
        taken.set()
        release.wait()
        return "first"

    def interrupted() -> str:  # taken by the caller: Ctrl-C arrives while it runs
        raise KeyboardInterrupt

    def validation() -> None:
        try:
            shared.run([first, interrupted])
        except BaseException as err:  # noqa: BLE001 (what the validation's thread raises)
            raised.append(err)

    thread = threading.Thread(target=validation)
    thread.start()
    try:
        assert taken.wait(timeout=60)
        with pytest.raises(KeyboardInterrupt):
            shared.help()
    finally:
        release.set()
        thread.join(timeout=60)
    # The validation ends too, with the interruption, not with a report that misses a query.
    assert len(raised) == 1 and isinstance(raised[0], KeyboardInterrupt)
