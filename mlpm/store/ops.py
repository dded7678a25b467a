"""The op log: every row change of a shared or personal entity, as field-level ops.

`Tx` hands each change of a row of `ids.GID_TABLES` to `OpWriter`, which appends one op per
changed field to the `op` table in the same transaction. An op is (replica, Lamport clock)
-> (kind, entity gid, field, value); foreign keys are written as the referenced row's gid,
tags as add/remove ops of an add-wins set (see `mlpm.services.sync_merge` for the rules).
Caches (runs, commits found by scans, history, scan state) write no ops.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from mlpm import clock
from mlpm.store.ids import GID_TABLES, mint

OP_VERSION = 1
DELETED = "_deleted"  # the field whose winning value says whether the entity exists
# (table, column) -> the table it references by local id; written as that row's gid.
FOREIGN = {
    ("task", "project_id"): "project",
    ("lesson", "project_id"): "project",
    ("lesson", "task_id"): "task",
    ("comparison", "project_id"): "project",
    ("comparison", "task_id"): "task",
    ("comparison_run", "comparison_id"): "comparison",
    ("day_plan", "task_id"): "task",
    ("focus_session", "task_id"): "task",
    ("task_commit", "task_id"): "task",
    ("task_run", "task_id"): "task",
}
SET_FIELDS = {("task", "tags"), ("lesson", "tags")}  # JSON lists merged as add-wins sets
LOCAL_COLUMNS = {"id", "gid"}  # never shared: local ids differ on every replica
LOCAL_FIELDS = {("project", "repo_path")}  # where the repository is on this machine
PERSONAL = {"day_plan", "focus_session"}  # follow their person, never another's Today
SETTING = "setting"  # the op kind of a personal setting: entity = its key, field "value"
# Settings that belong to a person: they follow their person to their other machines
# (`mlpm.services.sync_settings` applies them); every other setting stays on its machine.
PERSONAL_SETTINGS = frozenset(
    {
        "active_projects_limit",
        "capacity_tasks",
        "capacity_pomodoros",
        "unestimated_pomodoros",
        "timer.focus_minutes",
        "timer.short_break_minutes",
        "timer.long_break_minutes",
        "timer.long_break_every",
        "timer.work_hours",
        "timer.work_days",
        "timer.strict_work_hours",
        "wip.doing",
    }
)


@dataclass(frozen=True, slots=True)
class Op:
    lamport: int
    replica: str
    at: str
    author: str
    kind: str
    gid: str
    field: str
    value: Any  # decoded JSON

    @property
    def key(self) -> tuple[int, str]:
        """The op's id and its place in the total order: (Lamport clock, replica)."""
        return (self.lamport, self.replica)

    def line(self) -> str:
        """One line of a replica's op file (the replica is the file's folder)."""
        data = {"v": OP_VERSION, "l": self.lamport, "t": self.at, "a": self.author}
        data.update({"k": self.kind, "e": self.gid, "f": self.field, "x": self.value})
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_line(cls, text: str, replica: str) -> Op:
        """Parse one op line; ValueError says what is wrong with it."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"not JSON ({exc.msg})") from None
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        try:
            lamport, kind, gid, field = data["l"], data["k"], data["e"], data["f"]
        except KeyError as exc:
            raise ValueError(f"missing {exc.args[0]!r}") from None
        if not isinstance(lamport, int) or lamport < 1 or isinstance(lamport, bool):
            raise ValueError("the Lamport clock 'l' is not a positive whole number")
        if not all(isinstance(v, str) and v for v in (kind, gid, field)):
            raise ValueError("'k', 'e' and 'f' must be non-empty strings")
        at, author = data.get("t", ""), data.get("a", "")
        return cls(lamport, replica, str(at), str(author), kind, gid, field, data.get("x"))

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Op:
        value = None if row["value"] is None else json.loads(row["value"])
        return cls(
            row["lamport"], row["replica"], row["at"], row["author"], row["kind"],
            row["gid"], row["field"], value,
        )  # fmt: skip


def setting(conn: sqlite3.Connection, key: str) -> Any:
    cursor = conn.cursor()
    cursor.row_factory = None
    row = cursor.execute("SELECT value FROM setting WHERE key = ?", (key,)).fetchone()
    return None if row is None else json.loads(row[0])


def replica_id(conn: sqlite3.Connection) -> str:
    """This database's replica id, minted once (the migration does; a copy made before it
    ran gets one here)."""
    value = setting(conn, "sync.replica")
    if value is None:
        value = mint()[:17]
        conn.execute(
            "INSERT INTO setting (key, value) VALUES ('sync.replica', ?)", (json.dumps(value),)
        )
    return str(value)


_OP_COLUMNS = "(lamport, replica, at, author, kind, gid, field, value)"
_OPS_PER_STATEMENT = 100  # 800 parameters: under SQLite's lowest limit (999)


def insert_ops(conn: sqlite3.Connection, ops: list[Op]) -> int:
    """Store ops (own or received); an op already stored is skipped. Return how many were new.
    Many rows a statement: far cheaper per row than one statement each (a first sync brings
    the whole log)."""
    before = conn.total_changes
    rows = [
        (o.lamport, o.replica, o.at, o.author, o.kind, o.gid, o.field,
         None if o.value is None else json.dumps(o.value, ensure_ascii=False))
        for o in ops
    ]  # fmt: skip
    head = f"INSERT OR IGNORE INTO op {_OP_COLUMNS} VALUES "
    whole = len(rows) - len(rows) % _OPS_PER_STATEMENT
    if whole:
        many = head + ", ".join(["(?, ?, ?, ?, ?, ?, ?, ?)"] * _OPS_PER_STATEMENT)
        for at in range(0, whole, _OPS_PER_STATEMENT):
            conn.execute(many, [v for row in rows[at : at + _OPS_PER_STATEMENT] for v in row])
    conn.executemany(head + "(?, ?, ?, ?, ?, ?, ?, ?)", rows[whole:])
    return conn.total_changes - before


class OpWriter:
    """Turns the row changes of one transaction into ops (Tx owns one)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._clock: int | None = None
        self._replica = ""
        self._author = ""

    def _tick(self) -> int:
        if self._clock is None:
            cursor = self._conn.cursor()
            cursor.row_factory = None
            self._clock = cursor.execute("SELECT COALESCE(MAX(lamport), 0) FROM op").fetchone()[0]
            self._replica = replica_id(self._conn)
            self._author = str(setting(self._conn, "sync.author") or "")
        self._clock += 1
        return self._clock

    def _gid_of(self, table: str, key: Any) -> str | None:
        if key is None:
            return None
        row = self._conn.execute(f'SELECT gid FROM "{table}" WHERE id = ?', (key,)).fetchone()
        return None if row is None else row["gid"]

    def changed(
        self,
        table: str,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
        *,
        revived: bool = False,
    ) -> None:
        """Write the ops for one row change. `revived`: a row put back (undo) whose every
        field must be stated again, nulls included, to win over the ops since."""
        if table == "setting":
            self._setting(after if after is not None else before, after is None)
            return
        if table not in GID_TABLES:
            return
        row = after if after is not None else before
        if row is None or not row.get("gid"):
            return
        if table == "task_commit" and row.get("source") != "manual":
            return  # links found by a git scan are a cache: every replica finds its own
        gid = row["gid"]
        if before is not None and not self._has_ops(table, gid):
            # A row made before the op log: state it whole first, so the log can rebuild it.
            self.write(table, gid, self._fields(table, gid, None, before, revived=False))
        if after is None:
            self.write(table, gid, [(DELETED, True)])
        else:
            self.write(table, gid, self._fields(table, gid, before, after, revived=revived))

    def _setting(self, row: dict[str, Any] | None, removed: bool) -> None:
        if row is not None and row.get("key") in PERSONAL_SETTINGS:
            value = None if removed or row.get("value") is None else json.loads(row["value"])
            self.write(SETTING, row["key"], [("value", value)])

    def _has_ops(self, table: str, gid: str) -> bool:
        return (
            self._conn.execute(
                "SELECT 1 FROM op WHERE kind = ? AND gid = ? LIMIT 1", (table, gid)
            ).fetchone()
            is not None
        )

    def _fields(
        self,
        table: str,
        gid: str,
        before: dict[str, Any] | None,
        after: dict[str, Any],
        *,
        revived: bool,
    ) -> list[tuple[str, Any]]:
        fields: list[tuple[str, Any]] = [(DELETED, False)] if revived else []
        for column, value in after.items():
            if column in LOCAL_COLUMNS or (table, column) in LOCAL_FIELDS:
                continue
            old = before.get(column) if before is not None else None
            if before is not None and not revived and old == value:
                continue
            if before is None and value is None:
                continue
            if (table, column) in SET_FIELDS:
                fields += self._set_ops(table, gid, column, old, value)
                continue
            ref = FOREIGN.get((table, column))
            fields.append((column, self._gid_of(ref, value) if ref else value))
        return fields

    def receive(self, ops: list[Op]) -> int:
        """Store ops made elsewhere (already stored ones are skipped); the clock moves past
        them, as Lamport's rule says. Return how many were new."""
        self._clock = None
        return insert_ops(self._conn, ops)

    def write(self, kind: str, gid: str, fields: list[tuple[str, Any]]) -> None:
        if not fields:
            return
        at = clock.stamp()
        ops = [
            Op(self._tick(), self._replica, at, self._author, kind, gid, f, v) for f, v in fields
        ]
        insert_ops(self._conn, ops)

    def _set_ops(
        self, table: str, gid: str, column: str, old: Any, new: Any
    ) -> list[tuple[str, Any]]:
        had = json.loads(old) if isinstance(old, str) else []
        has = json.loads(new) if isinstance(new, str) else []
        out: list[tuple[str, Any]] = [(column, {"add": t}) for t in has if t not in had]
        gone = [t for t in had if t not in has]
        if gone:
            live = live_adds(self._conn, table, gid, column)
            out += [(column, {"remove": t, "seen": live.get(t, [])}) for t in gone]
        return out


def live_adds(conn: sqlite3.Connection, kind: str, gid: str, column: str) -> dict[str, list[str]]:
    """Tag -> ids ("lamport.replica") of its add ops that no remove op has seen."""
    rows = conn.execute(
        "SELECT lamport, replica, value FROM op WHERE kind = ? AND gid = ? AND field = ?",
        (kind, gid, column),
    ).fetchall()
    return tag_state([(r["lamport"], r["replica"], json.loads(r["value"])) for r in rows])


def tag_state(ops: list[tuple[int, str, Any]]) -> dict[str, list[str]]:
    """Add-wins set: tag -> its surviving add op ids, in the order the tags were first added."""
    removed: set[str] = set()
    adds: list[tuple[int, str, str]] = []
    for lamport, replica, value in ops:
        if not isinstance(value, dict):
            continue
        if isinstance(value.get("remove"), str):
            removed.update(str(s) for s in value.get("seen") or [])
        elif isinstance(value.get("add"), str):
            adds.append((lamport, replica, value["add"]))
    live: dict[str, list[str]] = {}
    for lamport, replica, tag in sorted(adds):
        op_id = f"{lamport}.{replica}"
        if op_id not in removed:
            live.setdefault(tag, []).append(op_id)
    return live


def replica_id_of(store: Any) -> str:
    """This database's replica id, read through a `Store` (the migration minted it)."""
    value = store.scalar("SELECT value FROM setting WHERE key = 'sync.replica'")
    return "" if value is None else str(json.loads(value))
