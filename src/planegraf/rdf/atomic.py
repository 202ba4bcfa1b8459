"""Writes that never leave half a file or half a folder behind, and never delete a user's files.

A file is written beside its target and moved over it with ``os.replace``; an output folder
is built beside the old one and swapped in only when complete, so a failed or interrupted
run leaves the last good output where it was. Only a folder that planegraf wrote itself
(it holds :data:`MARKER`) is ever replaced; an empty one is filled, any other is refused.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import fcntl
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from planegraf.errors import PlanegrafError
from planegraf.i18n import Message


def write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically.

    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "x.txt"
    >>> write_bytes(target, b"ok"); target.read_bytes()
    b'ok'
    >>> oct(target.stat().st_mode & 0o444)  # readable by all, like any new file
    '0o444'
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        # mkstemp makes the file private; the result should be as readable as any new file.
        os.fchmod(fd, 0o666 & ~_current_umask())
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def writing(path: Path) -> Iterator[BinaryIO]:
    """A binary file to stream into, moved over ``path`` only when the block ends without an
    error (so a large export is never held in memory whole, nor left half-written).

    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "x.txt"
    >>> with writing(target) as handle:
    ...     _ = handle.write(b"o"); _ = handle.write(b"k")
    >>> target.read_bytes()
    b'ok'
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_current_umask())
        with os.fdopen(fd, "wb", buffering=1 << 20) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def link_or_copy(source: Path, path: Path) -> None:
    """Make ``path`` hold the bytes of ``source`` without writing them twice where the file
    system allows: a hard link on the same file system, else a copy made in the kernel
    (``copy_file_range``, a shared-extent reflink where the file system has them).
    Atomic as :func:`writing`: the link or copy is made under a temporary name and moved
    over ``path``.

    Both names are then the same file: planegraf replaces its outputs, never writes into
    them, so a later build changes neither behind the other's back.

    >>> import tempfile, pathlib
    >>> home = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (home / "a.trig").write_bytes(b"data")
    >>> link_or_copy(home / "a.trig", home / "site" / "b.trig")
    >>> (home / "site" / "b.trig").read_bytes(), (home / "a.trig").stat().st_nlink
    (b'data', 2)
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        os.unlink(tmp)
        try:
            os.link(source, tmp)
        except OSError:  # another file system, or one without hard links
            with open(source, "rb") as original, open(tmp, "xb") as copy:
                _copy_file(original, copy)
                os.fsync(copy.fileno())
            os.chmod(tmp, 0o666 & ~_current_umask())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _copy_file(source: BinaryIO, target: BinaryIO) -> None:
    """Copy an open file into another in the kernel (``copy_file_range``: a reflink where
    the file system shares extents), else through a buffer."""
    try:
        while os.copy_file_range(source.fileno(), target.fileno(), 1 << 30):
            pass
    except OSError:
        source.seek(0)
        target.seek(0)
        target.truncate()
        shutil.copyfileobj(source, target, 1 << 20)
        target.flush()


def _current_umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


def write_text(path: Path, text: str) -> None:
    """Write UTF-8 text to ``path`` atomically."""
    write_bytes(path, text.encode("utf-8"))


MARKER = ".planegraf-output"
"""The file that marks a folder as planegraf's own output, which a later run may replace."""

_MARKER_TEXT = (
    "Denna mapp skrevs av planegraf och ersätts helt vid nästa körning: "
    "lägg inga egna filer här.\n"
    "This folder was written by planegraf and is replaced whole at the next run: "
    "keep no files of your own here.\n"
)
_SHOWN = 5


class OutputFolderError(PlanegrafError):
    """An output folder that planegraf may not write into: it holds someone else's files."""


def _refuse(final: Path, reason: Message) -> OutputFolderError:
    return OutputFolderError(Message("error_output_folder", folder=final, reason=reason,
                                     marker=MARKER))


def _check_writable(final: Path) -> bool:
    """Raise unless ``final`` may be written; True when it exists and is planegraf's own."""
    if not final.exists():
        if final.is_symlink():
            raise _refuse(final, Message("error_output_folder_dangling"))
        return False
    if not final.is_dir():
        raise _refuse(final, Message("error_output_folder_file"))
    if (final / MARKER).is_file():
        return True
    names = sorted(entry.name for entry in os.scandir(final))
    if not names:
        return False
    shown = ", ".join(names[:_SHOWN])
    more = (Message("error_output_folder_more", n=len(names) - _SHOWN)
            if len(names) > _SHOWN else "")
    raise _refuse(final, Message("error_output_folder_foreign", shown=shown, more=more))


def output_folder(final: Path) -> Path:
    """The folder an output written to ``final`` lands in, checked before any work is done.

    A symbolic link is followed: the output goes into the folder it points to and the link
    stays. Raises :class:`OutputFolderError` for a folder that holds files planegraf did not
    write, so a long build can refuse before it starts.

    >>> import tempfile, pathlib
    >>> home = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (home / "letter.docx").write_text("mine")
    >>> output_folder(home)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    planegraf.rdf.atomic.OutputFolderError: ...: holds files planegraf did not write ...
    """
    final = Path(os.path.abspath(final))
    if final.is_symlink() and final.exists():
        final = final.resolve()
    _check_writable(final)
    return final


_LEFTOVER = r"^\.{name}\.(?P<kind>new|old)-[A-Za-z0-9_]+$"


def _leftovers(final: Path) -> list[tuple[str, Path]]:
    """Staging folders of earlier runs beside ``final`` that are planegraf's (marked)."""
    pattern = re.compile(_LEFTOVER.format(name=re.escape(final.name)))
    found = []
    with contextlib.suppress(FileNotFoundError):
        for entry in os.scandir(final.parent):
            match = pattern.match(entry.name)
            if (match and entry.is_dir(follow_symlinks=False)
                    and os.path.isfile(os.path.join(entry.path, MARKER))):
                found.append((match["kind"], Path(entry.path)))
    return found


def _in_use(folder: Path) -> bool:
    """True when a running planegraf holds the lock on the marker of ``folder``."""
    try:
        fd = os.open(folder / MARKER, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)
    return False


def recover_leftovers(final: Path) -> None:
    """Tidy after a run that was killed: put the last good output back if a crash took it
    away, and remove the staging folders it left (only marked ones that no run holds).

    A crash between the two renames of a swap leaves ``final`` missing and the previous
    output in ``.NAME.old-*``; that folder is complete, so it becomes ``final`` again.
    """
    leftovers = _leftovers(final)
    if any(kind == "new" and _in_use(path) for kind, path in leftovers):
        return  # another run is writing this folder right now: its folders are not ours
    olds = sorted((path for kind, path in leftovers if kind == "old"),
                  key=lambda path: path.stat().st_mtime)
    if olds and not final.exists() and not final.is_symlink():
        newest = olds.pop()
        with contextlib.suppress(OSError):
            os.rename(newest, final)
    for _, path in leftovers:
        if path.exists() and path != final:
            shutil.rmtree(path, ignore_errors=True)


@contextlib.contextmanager
def staged_directory(final: Path) -> Iterator[Path]:
    """Yield an empty folder beside ``final``; on success swap it in, on error throw it away.

    ``final`` may be missing, empty, or an earlier output of planegraf (it holds
    :data:`MARKER`); any other folder is refused with :class:`OutputFolderError` before
    anything is written, and its files are left as they are. A symbolic link is followed.

    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "out"
    >>> with staged_directory(out) as stage:
    ...     _ = (stage / "a.txt").write_text("1")
    >>> sorted(p.name for p in out.iterdir())
    ['.planegraf-output', 'a.txt']
    """
    final = output_folder(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    recover_leftovers(final)
    _check_writable(final)  # the recovered output is checked as any other
    stage = Path(tempfile.mkdtemp(prefix=f".{final.name}.new-", dir=final.parent))
    # mkdtemp makes a private folder; the output should get the permissions of any new folder.
    stage.chmod(0o777 & ~_current_umask())
    # The marker goes in first, so a stage left by a killed run is known as planegraf's;
    # the lock on it tells a concurrent run that this stage is in use.
    lock = os.open(stage / MARKER, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        os.write(lock, _MARKER_TEXT.encode("utf-8"))
        try:
            yield stage
        except BaseException:
            shutil.rmtree(stage, ignore_errors=True)
            raise
        try:
            _swap_in(stage, final)
        except BaseException:
            shutil.rmtree(stage, ignore_errors=True)
            raise
    finally:
        os.close(lock)


def _swap_in(stage: Path, final: Path) -> None:
    # Checked again: files may have arrived in the folder while the output was being made.
    ours = _check_writable(final)
    if not final.exists():
        os.rename(stage, final)
        return
    if not ours:
        _fill_empty(stage, final)
        return
    if _exchange(stage, final):
        # One atomic step: a crash leaves either the old or the new output at ``final``.
        shutil.rmtree(stage, ignore_errors=True)
        return
    previous = Path(tempfile.mkdtemp(prefix=f".{final.name}.old-", dir=final.parent))
    os.rmdir(previous)
    _rename(final, previous)
    try:
        _rename(stage, final)
    except BaseException:
        # Put the last good output back; a crash right here is repaired by the next run
        # (recover_leftovers), which finds the complete old output in .NAME.old-*.
        with contextlib.suppress(OSError):
            os.rename(previous, final)
        raise
    shutil.rmtree(previous, ignore_errors=True)


def _rename(source: Path, target: Path) -> None:
    """``os.rename``, a name of its own so that tests can make one step of the swap fail."""
    os.rename(source, target)


def _fill_empty(stage: Path, final: Path) -> None:
    # The user's own empty folder (maybe the working directory or a mount point) is kept and
    # filled, marker first, so an interrupted fill is still known as planegraf's output.
    names = [MARKER] + sorted(n for n in os.listdir(stage) if n != MARKER)
    for name in names:
        os.rename(stage / name, final / name)
    os.rmdir(stage)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(first: Path, second: Path) -> bool:
    """Swap two folders in one atomic step (Linux ``renameat2(RENAME_EXCHANGE)``).

    False when the system or file system cannot, and nothing was changed.
    """
    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                          ctypes.c_uint]
    renameat2.restype = ctypes.c_int
    if renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second),
                 _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(second))
