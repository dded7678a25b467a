"""Benchmark `mlpm git sync` on a repository of 100,000 commits built with `git fast-import`.

Prints: a full scan into a fresh database, `git log` alone over the same range (the same
command, format and environment as the scan: the floor any scan pays), and an incremental
scan after 10 new commits. CPU seconds are printed beside wall time: on a shared machine the
wall time of the scan (which overlaps parsing and storing with git) depends on a free core.
Bars (issue 5): full scan <= 1.5 x git log; incremental <= 0.3 s.

    /work/venv/bin/python bench/git_scan.py [--commits 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from isolated import isolated

TASKS = 200


def build_repo(path: Path, commits: int) -> int:
    """A linear history with a merge every 1,000 commits; ~5% of messages name a task."""
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    stream = bytearray()
    linked = 0
    for i in range(1, commits + 1):
        message = f"Change {i}: tweak the data loader\n"
        if i % 40 == 0:
            message += f"\nLonger body for change {i}.\n\nTask: {i % TASKS + 1}\n"
            linked += 1
        elif i % 50 == 0:
            message = f"Fix mlpm#{i % TASKS + 1} edge case\n"
            linked += 1
        content = f"{i}\n".encode()
        msg = message.encode()
        branch = "side" if i % 1000 == 500 else "main"
        stream += f"commit refs/heads/{branch}\nmark :{i}\n".encode()
        stamp = 1_700_000_000 + i * 60
        stream += f"author Dev <dev@example.com> {stamp} +0100\n".encode()
        stream += f"committer Dev <dev@example.com> {stamp} +0100\n".encode()
        stream += b"data %d\n%s" % (len(msg), msg)
        if branch == "side":  # a side commit off main, merged right back
            stream += f"from :{i - 1}\n".encode()
        elif i % 1000 == 501:
            stream += f"from :{i - 2}\nmerge :{i - 1}\n".encode()
        stream += b"M 644 inline f.txt\ndata %d\n%s\n" % (len(content), content)
    subprocess.run(["git", "fast-import", "--quiet"], input=bytes(stream), cwd=path, check=True)
    subprocess.run(["git", "checkout", "-q", "main"], cwd=path, check=True)
    return linked


def cpu() -> tuple[float, float]:
    """CPU seconds used so far by this process and by its (finished) child processes."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, kids.ru_utime + kids.ru_stime


def git_log_alone(repo: Path, *, flush_each: bool = False) -> float:
    """`git log` over every local branch and HEAD, output read into memory: the very command
    and environment the scan runs (or, with `flush_each`, git's default for a pipe)."""
    from mlpm.integrations.git_log import LOG_ENV, LOG_FORMAT

    env = {**os.environ} if flush_each else {**os.environ, **LOG_ENV}
    started = time.perf_counter()
    subprocess.run(
        ["git", "log", LOG_FORMAT, "--encoding=UTF-8", "--no-color", "--branches", "HEAD", "--"],
        cwd=repo,
        env=env,
        capture_output=True,
        check=True,
    )
    return time.perf_counter() - started


def fresh_store(root: Path, repo: Path, n: int):
    from mlpm.services import projects, tasks
    from mlpm.store import Store

    store = Store.open(root / f"bench-{n}.db")
    project = projects.add(store, f"bench{n}", repo_path=str(repo))
    for i in range(TASKS):
        tasks.add(store, f"task {i}", project=project.slug)
    return store, project


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    with isolated("mlpm-bench-git-") as root:
        from mlpm.services import commit_scan

        repo = root / "repo"
        started = time.perf_counter()
        linked = build_repo(repo, args.commits)
        print(f"built {args.commits:,} commits ({linked:,} naming a task) in "
              f"{time.perf_counter() - started:.1f} s")  # fmt: skip

        log_times, full_times, full_cpu, log_cpu, plain_times = [], [], [], [], []
        store = project = None
        for n in range(args.repeat):
            plain_times.append(git_log_alone(repo, flush_each=True))
            before = cpu()
            log_times.append(git_log_alone(repo))
            after = cpu()
            log_cpu.append((after[0] - before[0], after[1] - before[1]))
            if store is not None:
                store.close()
            store, project = fresh_store(root, repo, n)
            before = cpu()
            result = commit_scan.sync(store, project)
            after = cpu()
            full_times.append(result.seconds)
            full_cpu.append((after[0] - before[0], after[1] - before[1]))
            assert result.full and result.scanned >= args.commits, result
        assert store is not None and project is not None
        print(f"  full scan: {result.new_commits:,} commits, {result.new_links:,} links")

        for i in range(10):
            (repo / "f.txt").write_text(f"new {i}\n")
            subprocess.run(["git", "commit", "-qam", f"new {i} mlpm#3"], cwd=repo, check=True)
        incremental = commit_scan.sync(store, project)
        assert incremental.new_commits == 10 and incremental.new_links == 10, incremental
        unchanged = commit_scan.sync(store, project)
        store.close()

    # Best of N: on a shared machine the minimum is the least disturbed run.
    log_s, full_s = min(log_times), min(full_times)
    ratio = full_s / log_s
    best_log = log_cpu[log_times.index(log_s)]
    best_full = full_cpu[full_times.index(full_s)]
    print(f"git log alone        {log_s:7.3f} s   (best of {args.repeat}; cpu: python "
          f"{best_log[0]:.2f} s, git {best_log[1]:.2f} s)")  # fmt: skip
    print(f"  (plain git log, flushing each commit to the pipe: {min(plain_times):.3f} s)")
    print(f"full scan            {full_s:7.3f} s   (best of {args.repeat}; cpu: python "
          f"{best_full[0]:.2f} s, git {best_full[1]:.2f} s)")  # fmt: skip
    print(f"  ratio              {ratio:7.2f} x git log  (bar 1.5 x): "
          f"{'ok' if ratio <= 1.5 else 'OVER'}")  # fmt: skip
    print(f"incremental (+10)    {incremental.seconds:7.3f} s   (bar 0.3 s): "
          f"{'ok' if incremental.seconds <= 0.3 else 'OVER'}")  # fmt: skip
    print(f"nothing new          {unchanged.seconds:7.3f} s")
    sys.exit(0 if ratio <= 1.5 and incremental.seconds <= 0.3 else 1)


if __name__ == "__main__":
    main()
