"""Reading history: task links in messages, the streamed `git log` parser, real histories."""

from __future__ import annotations

import time

import pytest

from mlpm.integrations import git_log, git_repo
from mlpm.integrations.git_log import LogParser, parse_links, parse_log
from tests.git_repos import GitRepo


@pytest.mark.parametrize(
    ("message", "links"),
    [
        ("Fix loader\n\nTask: 12", [(12, "trailer")]),
        (
            "Fix loader\n\nBody text.\n\nSigned-off-by: A <a@b>\nTask: 3\ntask: 4",
            [(3, "trailer"), (4, "trailer")],
        ),
        ("Fix\n\nTask: 5, 6", [(5, "trailer"), (6, "trailer")]),
        ("Fix\n\nTask: #7", [(7, "trailer")]),
        ("Fix\n\nTASK:mlpm#8", [(8, "trailer")]),
        ("Task: 5", []),  # the title is never a trailer
        ("Fix\n\nTask: 5\n\nLater paragraph", []),  # trailers live in the last paragraph
        ("Fix\n\nTask: 5 is done", []),  # prose, not a trailer
        ("Speed up mlpm#41 and MLPM#42", [(41, "reference"), (42, "reference")]),
        ("Refs xmlpm#3 and a/mlpm#4 and mlpm#x", []),
        ("Fix mlpm#9\n\nTask: 9", [(9, "trailer")]),  # both ways: counted once, as trailer
        ("Fix mlpm#0 and mlpm#99999999999999999999", []),  # not task ids
        ("", []),
        ("Fix\r\n\r\nTask: 2\r\n", [(2, "trailer")]),
    ],
)
def test_links_in_messages(message: str, links: list[tuple[int, str]]) -> None:
    assert sorted(parse_links(message)) == sorted(links)


def test_a_pathological_trailer_line_is_parsed_quickly() -> None:
    started = time.perf_counter()
    parse_links("x\n\nTask: " + "1" * 5000 + "," * 3000 + "x")
    parse_links("x\n\nTask: " + "1, " * 5000 + "x")
    assert time.perf_counter() - started < 0.5


def _record(sha: str, message: bytes, author: bytes = b"Dev") -> bytes:
    fields = [sha.encode(), b"", author, b"dev@example.com", b"2026-03-02T10:00:00+01:00"]
    return b"\x1e\x1f" + b"\x00".join([*fields, message.split(b"\n")[0], message]) + b"\n"


def test_parser_fed_in_any_pieces_gives_the_same_commits() -> None:
    data = b"".join(
        [
            _record("a" * 40, b"first\n\nTask: 1\n"),
            _record("b" * 40, b"odd \x1e\x1f bytes and \x00 NUL in a message mlpm#2\n"),
            _record("c" * 64, b"sha-256 repository\n"),
            _record("d" * 40, b"caf\xe9 latin-1\n", author=b"Jos\xe9"),
        ]
    )
    whole = parse_log(data)
    assert [e.sha[0] for e in whole] == ["a", "b", "c", "d"]
    assert whole[0].links == [(1, "trailer")]
    assert whole[1].links == [(2, "reference")]
    assert whole[3].author == "José" and whole[3].summary == "café latin-1"
    for size in (1, 7, 100):
        parser = LogParser()
        batches = [parser.feed(data[i : i + size]) for i in range(0, len(data), size)]
        batches.append(parser.close())
        assert [e for batch in batches for e in git_log.entries(batch)] == whole


def test_reading_a_real_history_with_merges_and_odd_messages(repo: GitRepo) -> None:
    base = repo.commit("base\n\nTask: 1\n")
    repo.git("checkout", "-q", "-b", "side")
    side = repo.commit("side work mlpm#2", file="side.txt")
    repo.git("checkout", "-q", "main")
    repo.commit(b"caf\xe9 without an encoding header\n")
    repo.git("-c", "i18n.commitEncoding=ISO-8859-1", "commit", "-q", "--allow-empty",
             "-F", "-", input="na\xefve latin-1 with a header\n".encode("latin-1"))  # fmt: skip
    repo.commit("")  # an empty message
    repo.git("merge", "-q", "--no-ff", "-m", "Merge side\n\nTask: 3", "side")
    repo_obj = git_repo.open_repo(repo.path)
    tips = git_repo.read_tips(repo_obj)
    assert set(tips) == {"HEAD", "refs/heads/main", "refs/heads/side"}
    entries = {e.sha: e for e in git_log.read_log(repo_obj, tips.values())}
    assert len(entries) == 6
    by_summary = {e.summary: e for e in entries.values()}
    merge = by_summary["Merge side"]
    assert len(merge.parents.split()) == 2 and merge.links == [(3, "trailer")]
    assert entries[base].links == [(1, "trailer")]
    assert entries[side].links == [(2, "reference")]
    assert "café without an encoding header" in by_summary
    assert "naïve latin-1 with a header" in by_summary
    assert "" in by_summary  # the empty message
    assert merge.author == "Test Dev" and merge.committed_at.startswith("20")


def test_read_commit_by_abbreviation_and_unknown(repo: GitRepo) -> None:
    sha = repo.commit("one")
    repo_obj = git_repo.open_repo(repo.path)
    found = git_log.read_commit(repo_obj, sha[:7])
    assert found is not None and found.sha == sha
    assert git_log.read_commit(repo_obj, "0" * 40) is None
    assert git_log.read_commit(repo_obj, "--all") is None
