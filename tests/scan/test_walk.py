"""Which files a scan reads: .gitignore honoured, binary and huge files skipped."""

import os

import pytest

from deprecations.scan.walk import WalkStats, iter_files, read_text


def write(root, rel, content="x\n"):
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return path


def listed(root, **kw):
    return sorted(os.path.relpath(p, root) for p in iter_files([root], **kw))


def test_gitignore_rules_apply_like_git(tmp_path):
    (tmp_path / ".git").mkdir()
    write(tmp_path, ".git/config", "gpt-4o")
    write(tmp_path, ".gitignore", "*.log\nbuild/\n/only-top.txt\n!keep.log\n")
    for rel in ["a.py", "x.log", "keep.log", "build/out.py", "only-top.txt", "sub/only-top.txt",
                "sub/b.py", "sub/c.tmp", "node_modules/m.js"]:
        write(tmp_path, rel)
    write(tmp_path, "sub/.gitignore", "*.tmp\n")
    write(tmp_path, ".git/info/exclude", "node_modules/\n")
    assert listed(tmp_path) == [".gitignore", "a.py", "keep.log", "sub/.gitignore",
                                "sub/b.py", "sub/only-top.txt"]


def test_a_subdirectory_scan_inherits_the_repository_rules(tmp_path):
    (tmp_path / ".git").mkdir()
    write(tmp_path, ".gitignore", "*.gen.py\n")
    write(tmp_path, "src/a.py")
    write(tmp_path, "src/b.gen.py")
    assert listed(tmp_path / "src") == ["a.py"]


def test_extra_excludes_and_explicit_files(tmp_path):
    write(tmp_path, "a.py")
    write(tmp_path, "vendor/lib.py")
    write(tmp_path, ".gitignore", "ignored.py\n")
    write(tmp_path, "ignored.py")
    assert listed(tmp_path, excludes=["vendor/"]) == [".gitignore", "a.py"]
    # pre-commit names the files itself: a named file is always read
    assert list(iter_files([tmp_path / "ignored.py"])) == [str(tmp_path / "ignored.py")]


def test_a_missing_path_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        list(iter_files([tmp_path / "nope"]))


def test_symlinks_are_not_followed(tmp_path):
    write(tmp_path, "real/a.py")
    (tmp_path / "link").symlink_to(tmp_path / "real")
    (tmp_path / "b.py").symlink_to(tmp_path / "real" / "a.py")
    assert listed(tmp_path) == ["real/a.py"]


def test_binary_and_huge_files_are_skipped(tmp_path):
    stats = WalkStats()
    text = write(tmp_path, "a.txt", "gpt-4o\n")
    binary = write(tmp_path, "b.bin", b"gpt-4o\x00\x01")
    huge = write(tmp_path, "c.txt", "gpt-4o " * 100)
    latin = write(tmp_path, "d.txt", b"caf\xe9 gpt-4o")
    assert read_text(str(text), stats=stats) == "gpt-4o\n"
    assert read_text(str(binary), stats=stats) is None
    assert read_text(str(huge), max_bytes=100, stats=stats) is None
    assert read_text(str(latin), stats=stats) == "caf\ufffd gpt-4o"
    assert (stats.files, stats.binary, stats.huge) == (2, 1, 1)
