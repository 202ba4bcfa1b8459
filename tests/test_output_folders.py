"""Output folders (build --out, site -o, serve --site): planegraf writes only into a missing or
empty folder or one it wrote itself, never deletes a user's files, and a killed or failed run
always leaves a complete output behind."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from planegraf.rdf import atomic
from planegraf.rdf.atomic import MARKER, OutputFolderError, staged_directory

REPOSITORY = Path(__file__).parent.parent


def _planegraf(*args: str, cwd: Path = REPOSITORY) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "planegraf.cli", *args], capture_output=True,
                          text=True, timeout=600, cwd=cwd)


def _documents(folder: Path) -> dict[str, str]:
    folder.mkdir(parents=True, exist_ok=True)
    files = {"letter.docx": "Kära kommun", "budget.xlsx": "1,2,3"}
    for name, text in files.items():
        (folder / name).write_text(text)
    return files


def _own_output(folder: Path, text: str) -> None:
    with staged_directory(folder) as stage:
        (stage / "result.txt").write_text(text)


def test_build_into_a_folder_of_documents_keeps_every_document(tmp_path: Path) -> None:
    folder = tmp_path / "Dokument"
    files = _documents(folder)
    done = _planegraf("build", "--out", str(folder), "--no-site", "-q")
    assert done.returncode == 2, done.stderr
    assert str(folder) in done.stderr and "letter.docx" in done.stderr
    assert "Traceback" not in done.stderr
    assert {p.name: p.read_text() for p in folder.iterdir()} == files


def test_build_out_dot_in_a_git_clone_keeps_the_git_folder(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (tmp_path / "README.md").write_text("my project")
    done = _planegraf("build", "--out", ".", "--no-site", "-q", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert ".git" in done.stderr
    assert (tmp_path / ".git" / "HEAD").read_text() == "ref: refs/heads/main\n"
    assert (tmp_path / "README.md").read_text() == "my project"


def test_site_into_a_folder_of_documents_keeps_every_document(tmp_path: Path) -> None:
    folder = tmp_path / "Skrivbord"
    files = _documents(folder)
    done = _planegraf("site", "-o", str(folder), "-q")
    assert done.returncode == 2, done.stderr
    assert "budget.xlsx" in done.stderr
    assert {p.name: p.read_text() for p in folder.iterdir()} == files


def test_serve_site_never_deletes_a_folder_without_a_site(tmp_path: Path) -> None:
    folder = tmp_path / "Hemsida"
    files = _documents(folder)
    done = _planegraf("serve", "--site", str(folder), "-q")
    assert done.returncode == 2, done.stderr
    assert str(folder) in done.stderr
    assert {p.name: p.read_text() for p in folder.iterdir()} == files


def test_a_file_where_the_folder_should_be_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "out"
    target.write_text("not a folder")
    with pytest.raises(OutputFolderError, match="is a file"), staged_directory(target):
        pass
    assert target.read_text() == "not a folder"


def test_planegraf_own_output_is_replaced_whole(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with staged_directory(out) as stage:
        (stage / "old.txt").write_text("old")
    with staged_directory(out) as stage:
        (stage / "new.txt").write_text("new")
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "new.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no staging folders left


def test_an_empty_folder_is_filled_in_place_and_kept(tmp_path: Path) -> None:
    out = tmp_path / "empty"
    out.mkdir()
    inode = out.stat().st_ino
    _own_output(out, "1")
    assert out.stat().st_ino == inode  # a shell standing in it, or a mount, keeps working
    assert (out / "result.txt").read_text() == "1" and (out / MARKER).is_file()
    _own_output(out, "2")  # now planegraf's own: replaced atomically
    assert (out / "result.txt").read_text() == "2"


def test_files_put_into_the_folder_during_a_build_are_kept(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(OutputFolderError, match="notes.txt"), staged_directory(out) as stage:
        (stage / "result.txt").write_text("x")
        (out / "notes.txt").write_text("written meanwhile")
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_symlinked_output_folder_is_followed_and_the_link_kept(tmp_path: Path) -> None:
    real = tmp_path / "real"
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    real.mkdir()
    _own_output(link, "1")
    _own_output(link, "2")
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert (real / "result.txt").read_text() == "2"


def test_a_symlink_to_a_folder_of_documents_is_refused(tmp_path: Path) -> None:
    files = _documents(tmp_path / "docs")
    link = tmp_path / "out"
    link.symlink_to(tmp_path / "docs", target_is_directory=True)
    with pytest.raises(OutputFolderError, match="letter.docx"):
        _own_output(link, "x")
    assert link.is_symlink()
    assert {p.name: p.read_text() for p in (tmp_path / "docs").iterdir()} == files


def test_a_dangling_symlink_is_refused_not_replaced(tmp_path: Path) -> None:
    link = tmp_path / "out"
    link.symlink_to(tmp_path / "gone", target_is_directory=True)
    with pytest.raises(OutputFolderError, match="does not exist"):
        _own_output(link, "x")
    assert link.is_symlink()


def _leftover(parent: Path, name: str, marked: bool) -> Path:
    folder = parent / name
    folder.mkdir()
    (folder / "page.html").write_text("half")
    if marked:
        (folder / MARKER).write_text("planegraf")
    return folder


def test_staging_folders_of_a_killed_run_are_cleaned_at_the_next_run(tmp_path: Path) -> None:
    _own_output(tmp_path / "out", "1")
    _leftover(tmp_path, ".out.new-k1ll3d_1", marked=True)
    _leftover(tmp_path, ".out.old-k1ll3d_2", marked=True)
    users = _leftover(tmp_path, ".out.new-mine", marked=False)  # not planegraf's: kept
    other = _leftover(tmp_path, ".site.new-abcdefgh", marked=True)  # another output: kept
    _own_output(tmp_path / "out", "2")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["out", users.name, other.name])


def test_a_concurrent_run_does_not_delete_the_stage_of_another(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with staged_directory(out) as first:
        (first / "a.txt").write_text("first")
        with staged_directory(out) as second:
            (second / "b.txt").write_text("second")
        assert (first / "a.txt").read_text() == "first"
    assert (out / "a.txt").read_text() == "first"


def test_a_failing_second_rename_of_the_swap_keeps_the_old_output(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    _own_output(out, "old")
    # Where the system cannot exchange two folders in one step, the swap takes two renames.
    monkeypatch.setattr(atomic, "_exchange", lambda first, second: False)
    renames: list[tuple[Path, Path]] = []

    def rename(source: Path, target: Path) -> None:
        renames.append((source, target))
        if len(renames) == 2:
            raise OSError(28, "No space left on device")
        os.rename(source, target)

    monkeypatch.setattr(atomic, "_rename", rename)
    with pytest.raises(OSError, match="No space"):
        _own_output(out, "new")
    assert len(renames) == 2
    assert (out / "result.txt").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


_KILLED_BETWEEN_RENAMES = """
import os, sys
from pathlib import Path
from planegraf.rdf import atomic
atomic._exchange = lambda first, second: False
calls = []
def rename(source, target):
    calls.append(source)
    if len(calls) == 2:
        os._exit(9)  # killed between the two renames: no cleanup of any kind runs
    os.rename(source, target)
atomic._rename = rename
with atomic.staged_directory(Path(sys.argv[1])) as stage:
    (stage / "result.txt").write_text("new")
"""


def test_a_run_killed_between_the_two_renames_leaves_the_old_output(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _own_output(out, "old")
    killed = subprocess.run([sys.executable, "-c", _KILLED_BETWEEN_RENAMES, str(out)],
                            timeout=60)
    assert killed.returncode == 9
    # The next run puts the complete old output back before it starts, so even a run
    # that then fails leaves the old output in place.
    with pytest.raises(RuntimeError), staged_directory(out):
        raise RuntimeError("the next build found violations")
    assert (out / "result.txt").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_the_swap_is_one_atomic_exchange_where_the_system_has_one(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _own_output(out, "old")
    inode = (out / "result.txt").stat().st_ino
    stage = tmp_path / ".out.new-probe"
    stage.mkdir()
    (stage / "result.txt").write_text("new")
    assert atomic._exchange(stage, out)  # Linux 3.15+ on ext4, tmpfs, btrfs, xfs
    assert (out / "result.txt").read_text() == "new"
    assert (stage / "result.txt").stat().st_ino == inode
