"""Which files a scan reads: git's list inside a work tree, .gitignore rules outside one,
binary and huge files skipped, and no tree or pattern that can crash or stall the walk."""

import os
import shutil
import subprocess

import pytest
from depcal_scan.walk import WalkStats, git_files, iter_files, read_file

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


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


def git(root, *args):
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org",
                    "-c", "init.defaultBranch=main", *args], cwd=root, check=True,
                   capture_output=True)


# Outside a work tree (or without git): the .gitignore rules, applied in Python.

def test_gitignore_rules_apply_like_git(tmp_path):
    (tmp_path / ".git").mkdir()  # a repository's top, for the rules, but no repository
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


# Inside a work tree: what git tracks, plus untracked files it does not ignore.

@needs_git
def test_in_a_work_tree_committed_files_are_read_even_if_a_rule_ignores_them(tmp_path):
    git(tmp_path, "init", "-q")
    write(tmp_path, ".env.example", "MODEL=gpt-4o\n")
    write(tmp_path, "app.py")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "first")
    write(tmp_path, ".gitignore", ".env*\n*.log\n")
    write(tmp_path, ".env", "SECRET=1\n")  # untracked and ignored
    write(tmp_path, "debug.log")  # untracked and ignored
    write(tmp_path, "new.py")  # untracked, not ignored
    write(tmp_path, "sub/deeper.py")
    assert listed(tmp_path) == [".env.example", ".gitignore", "app.py", "new.py",
                                "sub/deeper.py"]
    assert listed(tmp_path, excludes=["sub/", "*.example"]) == [".gitignore", "app.py",
                                                                 "new.py"]
    # the same tree without git: the rules alone, which cannot know .env.example is tracked
    assert ".env.example" not in listed(tmp_path, use_git=False)


@needs_git
def test_a_subdirectory_of_a_work_tree_lists_its_own_files(tmp_path):
    git(tmp_path, "init", "-q")
    write(tmp_path, "src/a.py")
    write(tmp_path, "docs/b.md")
    assert git_files(str(tmp_path / "src")) == ["a.py"]


@needs_git
def test_git_listed_paths_keep_the_path_given(tmp_path, monkeypatch):
    git(tmp_path, "init", "-q")
    write(tmp_path, "src/a.py")
    monkeypatch.chdir(tmp_path)
    assert list(iter_files(["src"])) == [os.path.join("src", "a.py")]
    assert list(iter_files(["."])) == [os.path.join("src", "a.py")]


def test_outside_a_work_tree_or_without_git_the_rules_apply(tmp_path, monkeypatch):
    write(tmp_path, ".gitignore", "*.log\n")
    write(tmp_path, "a.py")
    write(tmp_path, "b.log")
    monkeypatch.setenv("PATH", str(tmp_path / "no-git-here"))
    assert git_files(str(tmp_path)) is None
    assert listed(tmp_path) == [".gitignore", "a.py"]


# Hostile trees: every walk ends, nothing crashes.

def test_a_gitignore_line_of_many_stars_does_not_stall_the_walk(tmp_path):
    write(tmp_path, ".gitignore", "*" * 16 + "a\n")
    write(tmp_path, "b" * 60 + ".py")  # backtracking over this name is what never ended
    write(tmp_path, "data")
    assert listed(tmp_path, use_git=False) == [".gitignore", "b" * 60 + ".py"]


@pytest.mark.parametrize("pattern", ["[z-a]", "\\", "!", "foo\\"])
def test_a_pattern_git_would_reject_is_skipped_with_a_warning(tmp_path, pattern):
    write(tmp_path, ".gitignore", f"*.log\n{pattern}\n*.tmp\n")
    for rel in ["a.py", "b.log", "c.tmp"]:
        write(tmp_path, rel)
    stats = WalkStats()
    assert listed(tmp_path, stats=stats, use_git=False) == [".gitignore", "a.py"]
    assert len(stats.warnings) == 1
    assert stats.warnings[0].startswith(f"{tmp_path / '.gitignore'}:2: pattern skipped")


@pytest.fixture
def deep_tree(tmp_path):
    """1,100 nested directories, removed from the bottom up afterwards (pytest's own clean-up
    of old temporary directories recurses, and would fail on this one)."""
    chain = [tmp_path]
    for _ in range(1100):
        chain.append(chain[-1] / "d")
        chain[-1].mkdir()
    (chain[-1] / "bottom.py").write_text("x\n")
    yield tmp_path
    (chain[-1] / "bottom.py").unlink()
    for directory in reversed(chain[1:]):
        directory.rmdir()


def test_a_tree_deeper_than_the_recursion_limit_is_walked(deep_tree):
    files = list(iter_files([deep_tree], use_git=False))
    assert len(files) == 1 and files[0].endswith(os.path.join("d", "bottom.py"))


def test_a_file_name_that_is_not_utf8_is_listed_and_read(tmp_path):
    name = os.fsdecode(b"caf\xe9.py")
    (tmp_path / name).write_text("m = 'gpt-4o'\n")
    (path,) = iter_files([tmp_path], use_git=False)
    assert read_file(path, stats=WalkStats()) == b"m = 'gpt-4o'\n"


# Reading.

def test_binary_and_huge_files_are_skipped(tmp_path):
    stats = WalkStats()
    text = write(tmp_path, "a.txt", "gpt-4o\n")
    binary = write(tmp_path, "b.bin", b"gpt-4o\x00\x01")
    huge = write(tmp_path, "c.txt", "gpt-4o " * 100)
    latin = write(tmp_path, "d.txt", b"caf\xe9 gpt-4o")
    assert read_file(str(text), stats=stats) == b"gpt-4o\n"
    assert read_file(str(binary), stats=stats) is None
    assert read_file(str(huge), max_bytes=100, stats=stats) is None
    assert read_file(str(latin), stats=stats) == b"caf\xe9 gpt-4o"
    assert (stats.files, stats.binary, stats.huge) == (2, 1, 1)


def test_files_to_skip_are_known_by_identity_not_by_name(tmp_path):
    path = write(tmp_path, "catalogue.json", "gpt-4o\n")
    info = os.stat(path)
    stats = WalkStats()
    assert read_file(str(path), stats=stats, skip=frozenset({(info.st_dev, info.st_ino)})) \
        is None
    assert read_file(str(path), stats=stats) == b"gpt-4o\n"


def test_a_listed_file_that_is_gone_or_a_directory_is_passed_over(tmp_path):
    stats = WalkStats()
    (tmp_path / "dir").mkdir()
    assert read_file(str(tmp_path / "gone.py"), stats=stats) is None
    assert read_file(str(tmp_path / "dir"), stats=stats) is None
    assert stats == WalkStats()
