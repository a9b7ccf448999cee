"""What the raw-file sensor compares: the size and modification time of each raw file.

The watched files are the contracts' (:mod:`revenue_ml.contracts`, every source the build can
read) under the raw-data directory the build reads. The sensor's cursor is the state it last
acted on, as JSON: ``{"files": {"<absolute path>": [size, mtime_ns] | null}}`` (null: absent).
A file that appears, disappears, or changes size or modification time is a change. No Dagster
here, so the decision is tested on its own.

A change is acted on only once the changed files have been left alone for ``settle_seconds``
(their modification time is that old): a file still being copied in would otherwise be built
half-written, and a truncated CSV can pass the raw-file audit with fewer rows. Until then the
cursor stays where it was, so the next look sees the same change again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from revenue_ml.contracts import ALL_FILES

#: A file's state: [size in bytes, modification time in ns], or None when absent.
FileState = list[int] | None


def watched_files(raw_dir: Path) -> tuple[Path, ...]:
    """The raw files of every contract under ``raw_dir`` (present or not)."""
    return tuple(raw_dir / raw.path for raw in ALL_FILES)


def observe(paths: tuple[Path, ...]) -> dict[str, FileState]:
    """The state of each file, keyed by its absolute path."""
    state: dict[str, FileState] = {}
    for path in paths:
        try:
            stat = path.stat()
        except FileNotFoundError:
            state[str(path.absolute())] = None
            continue
        state[str(path.absolute())] = [stat.st_size, stat.st_mtime_ns]
    return state


def encode(state: dict[str, FileState]) -> str:
    """The cursor for ``state`` (stable: keys sorted)."""
    return json.dumps({"files": state}, sort_keys=True, separators=(",", ":"))


def decode(cursor: str | None) -> dict[str, FileState] | None:
    """The state a cursor holds; None for no cursor or one this module did not write."""
    if not cursor:
        return None
    try:
        files = json.loads(cursor)["files"]
    except (ValueError, KeyError, TypeError):
        return None
    return files if isinstance(files, dict) else None


@dataclass(frozen=True)
class Decision:
    """What one look at the raw files concluded.

    Attributes:
        request: whether to start a build.
        cursor: the cursor to store (the previous one when nothing is to be recorded).
        changed: the changed files' paths relative to the raw directory, sorted.
        message: one line for the tick's log (why a build starts, or why not).
    """

    request: bool
    cursor: str | None
    changed: tuple[str, ...]
    message: str

    @property
    def run_key(self) -> str:
        """A key for the run this decision starts: the same state never starts two runs."""
        return "raw-files-" + hashlib.sha256((self.cursor or "").encode()).hexdigest()[:16]


def _name(path: str, raw_dir: Path) -> str:
    try:
        return str(Path(path).relative_to(raw_dir.absolute()))
    except ValueError:
        return path


def listing(names: tuple[str, ...], limit: int = 5) -> str:
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more


def decide(
    cursor: str | None,
    current: dict[str, FileState],
    *,
    raw_dir: Path,
    now_ns: int,
    settle_seconds: int,
) -> Decision:
    """Compare the files' ``current`` state with the one ``cursor`` recorded.

    No usable cursor (the sensor's first look): record the state, start nothing (the schedule
    builds what was already there). No change: nothing. A change whose files were modified less
    than ``settle_seconds`` ago: wait, keeping the old cursor. Otherwise: start a build and
    record the new state.
    """
    previous = decode(cursor)
    present = sum(state is not None for state in current.values())
    if previous is None:
        return Decision(
            False,
            encode(current),
            (),
            f"first look at the raw files in {raw_dir}: {present} of {len(current)} present; "
            "a build starts when one of them changes",
        )
    paths = previous.keys() | current.keys()
    changed_paths = sorted(p for p in paths if previous.get(p) != current.get(p))
    changed = tuple(_name(p, raw_dir) for p in changed_paths)
    if not changed:
        return Decision(False, cursor, (), f"no raw file changed in {raw_dir}")
    settle_ns = settle_seconds * 1_000_000_000
    fresh = tuple(
        _name(p, raw_dir)
        for p in changed_paths
        if current.get(p) is not None and now_ns - current[p][1] < settle_ns  # type: ignore[index]
    )
    if fresh:
        return Decision(
            False,
            cursor,
            changed,
            f"{listing(fresh)} changed less than {settle_seconds} s ago; waiting until "
            "it is left alone (a file may still be being written)",
        )
    return Decision(True, encode(current), changed, f"raw files changed: {listing(changed)}")
