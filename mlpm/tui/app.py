"""The mlpm terminal UI: screens, global keys, undo, help, command palette, live refresh.

No rule lives here or in the screens: every change calls a service in `mlpm.services`, on the
database thread, and refusals come back as notices that say how to override them.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import inspect
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from textual import work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.reactive import var
from textual.screen import Screen
from textual.worker import get_current_worker

from mlpm.errors import MlpmError, Refused
from mlpm.store import Store

R = TypeVar("R")
POLL_SECONDS = 0.5
GIT_POLL_SECONDS = 2.0
SYNC_MINUTE = 60.0  # seconds in one of `sync.every_minutes` (tests shorten it)


@dataclass(frozen=True, slots=True)
class ScreenEntry:
    """A top-level screen, imported only when first shown."""

    module: str
    cls: str
    title: str
    key: str


# Name -> where the screen lives. Add a screen by adding a line; a module that is not there
# yet (another engineer's screen still being written) is simply not offered.
SCREENS_REGISTRY: dict[str, ScreenEntry] = {
    "today": ScreenEntry("mlpm.tui.screens.today", "TodayScreen", "Today", "1"),
    "board": ScreenEntry("mlpm.tui.screens.board", "BoardScreen", "Board", "2"),
    "lessons": ScreenEntry("mlpm.tui.screens.lessons", "LessonsScreen", "Lessons", "3"),
    "projects": ScreenEntry("mlpm.tui.screens.projects", "ProjectsScreen", "Projects", "4"),
    "timer": ScreenEntry("mlpm.tui.screens.timer", "TimerScreen", "Timer", "5"),
    "stats": ScreenEntry("mlpm.tui.screens.stats", "StatsScreen", "Stats", "6"),
    "runs": ScreenEntry("mlpm.tui.screens.runs", "RunsScreen", "Runs", "7"),
    "compare": ScreenEntry("mlpm.tui.screens.compare", "CompareScreen", "Compare", "8"),
}


def available_screens() -> dict[str, ScreenEntry]:
    """The registered screens whose module exists in this build."""
    return {
        name: entry
        for name, entry in SCREENS_REGISTRY.items()
        if importlib.util.find_spec(entry.module) is not None
    }


def _factory(entry: ScreenEntry) -> Callable[[], Screen[Any]]:
    def make() -> Screen[Any]:
        return getattr(importlib.import_module(entry.module), entry.cls)()

    return make


class Failed:
    """Returned by `MlpmApp.perform` when the service refused or failed (already shown)."""

    def __repr__(self) -> str:
        return "FAILED"


FAILED: Any = Failed()


class MlpmCommands(Provider):
    """Command palette: every screen, and every action bound on the current screen."""

    def _commands(self) -> Iterator[tuple[str, Callable[[], Any], str]]:
        app = self.app
        assert isinstance(app, MlpmApp)
        for name, entry in app.screens_available.items():
            yield f"Go to {entry.title}", partial(app.switch_mode, name), f"key {entry.key}"
        seen: set[tuple[int, str]] = set()
        for active in self.screen.active_bindings.values():
            binding = active.binding
            if not binding.description or (id(active.node), binding.action) in seen:
                continue
            if binding.action.startswith("switch_mode"):
                continue
            seen.add((id(active.node), binding.action))
            where = type(active.node).__name__.removesuffix("Screen")
            yield (
                f"{binding.description}",
                partial(app.run_action, binding.action, active.node),
                f"key {app.get_key_display(binding)} · {where}",
            )

    async def discover(self) -> Hits:
        for text, command, help_text in self._commands():
            yield DiscoveryHit(text, command, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, command, help_text in self._commands():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), command, help=help_text)


class MlpmApp(App[None]):
    """The whole terminal UI. Screens ask it for the store through `db()` and `perform()`."""

    CSS_PATH = Path(__file__).with_name("app.tcss")
    TITLE = "mlpm"
    COMMANDS: ClassVar[set[Any]] = {MlpmCommands}
    COMMAND_PALETTE_BINDING = "ctrl+p"
    BINDINGS: ClassVar[list[BindingType]] = [
        *[
            Binding(
                entry.key,
                f"show('{name}')",
                entry.title,
                id=f"app.screen.{name}",
                tooltip=f"Show the {entry.title} screen",
            )
            for name, entry in SCREENS_REGISTRY.items()
        ],
        Binding("u,ctrl+z", "undo", "Undo", id="app.undo", tooltip="Undo the last change"),
        Binding("F", "force", "Force", show=False, id="app.force", tooltip="Redo refused change"),
        Binding("question_mark", "help", "Help", id="app.help", tooltip="Every key"),
        Binding("f1", "help", "Help", show=False, priority=True, id="app.help_anywhere"),
        Binding("ctrl+r", "reload", "Reload", show=False, id="app.reload"),
        Binding("q", "quit", "Quit", id="app.quit"),
    ]

    # `var`, not `reactive`: a change must not repaint the whole app.
    generation: var[int] = var(0, init=False)
    """Bumped whenever the data may have changed (own write, or another process's)."""
    project: var[str] = var("")
    """Slug of the current project ("" when there is none)."""

    def __init__(self, db_path: Path | str | None = None, *, screen: str | None = None) -> None:
        self.screens_available = available_screens()
        start = screen or "board"
        if start not in self.screens_available:
            raise MlpmError(
                f"unknown screen {start!r}; screens: {', '.join(self.screens_available)}"
            )
        # The first screen is the default mode. App declares DEFAULT_MODE a ClassVar yet reads
        # it through `self` in __init__, so a per-instance value works but mypy cannot know.
        self.DEFAULT_MODE = start  # type: ignore[misc]
        super().__init__()
        for name, entry in self.screens_available.items():
            self.add_mode(name, _factory(entry))
        # One thread owns the SQLite connection: every query and write is queued to it, so the
        # UI loop never waits on the disk and the connection is never shared across threads.
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mlpm-db")
        self._store: Future[Store] = self._pool.submit(Store.open, db_path)
        self._stop = threading.Event()
        self._pending_force: tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]] | None
        self._pending_force = None
        self._keymap_stamp: tuple[int, int] | None = None

    # -- database access -------------------------------------------------------------------

    def _call(self, fn: Callable[..., R], *args: Any, **kwargs: Any) -> R:
        return fn(self._store.result(), *args, **kwargs)

    async def db(self, fn: Callable[..., R], *args: Any, **kwargs: Any) -> R:
        """Run `fn(store, *args, **kwargs)` on the database thread and await its result."""
        return await asyncio.wrap_future(self._pool.submit(self._call, fn, *args, **kwargs))

    def db_sync(self, fn: Callable[..., R], *args: Any, **kwargs: Any) -> R:
        """The same, blocking: for thread workers only (never the UI loop)."""
        return self._pool.submit(self._call, fn, *args, **kwargs).result()

    async def perform(
        self,
        fn: Callable[..., R],
        *args: Any,
        success: str = "",
        invalid: Callable[[str], object] | None = None,
        **kwargs: Any,
    ) -> R | Any:
        """Call a service that changes data. Refusals and errors become notices (with the
        way to override when the service takes `force=`) and return `FAILED`; a form passes
        `invalid` to show a bad value's message itself (refusals stay notices)."""
        self._pending_force = None
        try:
            result = await self.db(fn, *args, **kwargs)
        except Refused as exc:
            message = exc.args[0] if exc.args else str(exc)
            if "force" in inspect.signature(fn).parameters:
                retry = {k: v for k, v in kwargs.items() if k != "force"}
                self._pending_force = (fn, args, {**retry, "success": success})
                message += " — press F to force"
            elif exc.hint:
                message += f" ({exc.hint})"
            self.notify(message, title="Refused", severity="warning", markup=False, timeout=8)
            return FAILED
        except MlpmError as exc:
            if invalid is not None:
                invalid(str(exc))
            else:
                self.notify(str(exc), title="Error", severity="error", markup=False, timeout=8)
            return FAILED
        for warning in _warnings(result):
            self.notify(warning, title="Note", severity="warning", markup=False)
        if success:
            self.notify(success, markup=False, timeout=3)
        # Before the reload starts: lets the screen keep its cursor on what just changed.
        performed = getattr(self.screen, "performed", None)
        if callable(performed):
            performed(result)
        self.generation += 1
        return result

    # -- lifecycle -------------------------------------------------------------------------

    async def on_mount(self) -> None:
        try:
            await asyncio.wrap_future(self._store)
        except MlpmError as exc:
            self.exit(return_code=1, message=f"error: {exc}")
            return
        self._load_keymap()
        await self._reload_project()
        self._poll()
        self._watch_git()
        self._sync()

    def _load_keymap(self) -> None:
        """Remapped keys from `keymap.json` (see `mlpm.tui.keymap`); the footer follows."""
        from mlpm.tui import keymap

        self._keymap_stamp = keymap.stamp()
        try:
            self.set_keymap(keymap.read())
        except ValueError as exc:
            self.notify(f"ignored {keymap.path()}: {exc}", severity="warning", markup=False)

    async def _reload_project(self) -> None:
        from mlpm.services import projects

        current = await self.db(projects.current_or_none)
        self.project = current.slug if current else ""

    def watch_generation(self) -> None:
        # After the next frame: the screens' own reloads go to the database thread first.
        self.call_after_refresh(self._reload_project)

    @work(thread=True, exclusive=True, group="poll", exit_on_error=False)
    def _poll(self) -> None:
        """Watch `PRAGMA data_version` (it changes when another process commits) and
        `keymap.json` (remapped keys show at once)."""
        from mlpm.tui import keymap

        worker = get_current_worker()
        last: int | None = None
        version: int | None
        while not worker.is_cancelled:
            try:
                version = self.db_sync(Store.data_version)
            except RuntimeError:  # the database thread shut down: the app is closing
                return
            except Exception:  # a busy or vanished file: try again at the next tick
                version = last
            if last is not None and version != last:
                self.call_from_thread(self.data_changed)
            last = version
            if keymap.stamp() != self._keymap_stamp:
                self._keymap_stamp = keymap.stamp()
                self.call_from_thread(self._load_keymap)
            if self._stop.wait(POLL_SECONDS):
                return

    @work(thread=True, exclusive=True, group="git", exit_on_error=False)
    def _watch_git(self) -> None:
        """Sync commits when the app opens and whenever a project's HEAD moves. Runs on its own
        connection (git scans can take a second; the UI's database thread stays free)."""
        from mlpm.services import head_watch

        worker = get_current_worker()
        store = Store.open(self._store.result().path)
        tokens: dict[int, str | None] = {}
        try:
            while not worker.is_cancelled:
                for project, outcome in head_watch.sync_moved(store, tokens):
                    if isinstance(outcome, MlpmError):
                        self.call_from_thread(
                            self.notify,
                            f"git: {project.slug}: {outcome}",
                            severity="warning",
                            markup=False,
                        )
                    elif outcome.new_links:
                        self.call_from_thread(
                            self.notify, f"git: {outcome.line}", markup=False, timeout=4
                        )
                if self._stop.wait(GIT_POLL_SECONDS):
                    return
        finally:
            store.close()

    def _sync(self) -> None:
        """`mlpm sync` in a worker on open and every `sync.every_minutes` (if set up)."""
        from mlpm.tui import sync_worker

        def notice(message: str, severity: sync_worker.Severity) -> None:
            self.call_from_thread(self.notify, message, severity=severity, markup=False, timeout=4)

        loop = partial(
            sync_worker.loop, self._store.result().path, self._stop, notice, every=SYNC_MINUTE
        )
        self.run_worker(loop, thread=True, exclusive=True, group="sync", exit_on_error=False)

    def data_changed(self) -> None:
        """Tell the screens to reload (the visible one now, the others when shown)."""
        self.generation += 1

    async def on_unmount(self) -> None:
        self._stop.set()

        def close() -> None:
            if self._store.done():
                self._store.result().close()

        self._pool.submit(close)
        self._pool.shutdown(wait=False)

    # -- actions ---------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "show":
            return parameters[0] in self.screens_available
        if action == "force":
            return True
        return True

    def action_show(self, name: str) -> None:
        if name in self.screens_available and name != self.current_mode:
            self.switch_mode(name)

    async def action_undo(self) -> None:
        from mlpm.services import undo

        done = await self.perform(undo.undo)
        if done is not FAILED:
            self.notify(f"Undone: {done.command} ({done.summary})", title="Undo", markup=False)

    async def action_force(self) -> None:
        if self._pending_force is None:
            self.notify("nothing refused to force", markup=False, timeout=3)
            return
        fn, args, kwargs = self._pending_force
        await self.perform(fn, *args, force=True, **kwargs)

    def action_reload(self) -> None:
        self.data_changed()

    def action_help(self) -> None:
        from mlpm.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen.active_bindings, self))


def _warnings(result: Any) -> list[str]:
    """Warnings a service returned: `Change.warnings`, or a plain list of messages."""
    warnings = getattr(result, "warnings", None)
    if warnings is None and isinstance(result, list) and all(isinstance(w, str) for w in result):
        warnings = result
    return list(warnings or [])


def run(db_path: Path | str | None = None, screen: str | None = None) -> None:
    """Open the terminal UI on `db_path` (default database), showing `screen` first."""
    app = MlpmApp(db_path, screen=screen)
    app.run()
    if app.return_code:
        raise SystemExit(app.return_code)
