"""Shared helpers for the raw-data generators: seeding, scaling, formatting, atomic writes and
the world's clock (``as_of`` snapshots)."""

from __future__ import annotations

import csv
import os
import zlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import numpy as np

from revenue_ml.contracts import RawFile

ALPHANUM = np.array(list("abcdefghijklmnopqrstuvwxyz0123456789"))


def day_number(iso: str) -> int:
    """Days since 1970-01-01 of an ISO date ``YYYY-MM-DD`` (the day numbers the generators use)."""
    return int(np.datetime64(iso, "D").astype(np.int64))


def iso_day(day: int) -> str:
    """``YYYY-MM-DD`` of a day number (the inverse of ``day_number``)."""
    return str(np.datetime64(int(day), "D"))


#: The demo world's clock is the sales pipeline's calendar; its last day is the day every source's
#: export ends (``as_of=None`` is this day). The other sources keep the years of the public
#: datasets they imitate, so each lays its calendar on this clock by its last day (``Timeline``).
WORLD_LAST_DAY = day_number("2020-02-29")

#: Labels without a date of their own (telco ``Churn``, campaign ``Response``) become known on a
#: day drawn uniformly from these 24 months of the world's clock (``label_arrival``): about half
#: are known when the online-retail year (the shortest source) begins, all on the last day.
LABEL_WINDOW_FIRST_DAY = day_number("2018-03-01")


@dataclass(frozen=True)
class Timeline:
    """A source's own calendar (day numbers) and where it lies on the world's clock.

    Every source's last day falls on ``WORLD_LAST_DAY``: a snapshot ``d`` days before the world's
    last day cuts every source ``d`` days before its own last day, so "as of 90 days ago" means
    the same elapsed time in every file, whatever years the file's dates are in.
    """

    first: int
    last: int

    @property
    def shift(self) -> int:
        """Days to add to a world day to get this source's own day."""
        return self.last - WORLD_LAST_DAY

    @property
    def world_first(self) -> int:
        """The source's first day on the world's clock (before it, the source has no history)."""
        return self.first - self.shift

    def own_day(self, world_day: int) -> int:
        """The source's own day for a day of the world's clock."""
        return world_day + self.shift


def label_arrival(seed: int, source: str, n: int) -> np.ndarray:
    """The world day each of ``n`` rows' label becomes known (int64, shape ``(n,)``).

    Drawn from its own stream (``source_rng(seed, source + "/label_arrival")``), so it depends
    on neither the as-of date nor any other draw: a customer's label arrives on the same day in
    every snapshot, and the rest of the file is untouched by it.
    """
    rng = source_rng(seed, f"{source}/label_arrival")
    return rng.integers(LABEL_WINDOW_FIRST_DAY, WORLD_LAST_DAY + 1, size=n)


def source_rng(seed: int, source: str) -> np.random.Generator:
    """Return a generator seeded from ``(seed, source)``.

    The source name is turned into an integer with CRC32 (stable across runs, unlike ``hash``),
    so each source draws from its own stream whatever other sources are generated.
    """
    return np.random.default_rng(np.random.SeedSequence([int(seed), zlib.crc32(source.encode())]))


def scaled(n: float, scale: float, minimum: int = 1) -> int:
    """Return ``round(n * scale)``, at least ``minimum``."""
    return max(minimum, int(round(n * scale)))


def random_ids(rng: np.random.Generator, n: int, length: int = 8) -> np.ndarray:
    """Return ``n`` distinct lowercase alphanumeric ids of ``length`` characters (object array).

    Draws ``~1.02 n`` candidates at a time and keeps, in draw order, each one not seen before
    until ``n`` are kept. Vectorised (candidates compared as base-36 integers, not through a
    Python set): the same ids as a loop over the candidates, ~5x faster and lighter for millions.
    """
    table = np.frombuffer("".join(ALPHANUM.tolist()).encode("ascii"), dtype=np.uint8)
    kept: list[np.ndarray] = []  # int8 codes, shape (k, length)
    kept_keys: list[np.ndarray] = []
    have = 0
    while have < n:
        m = int((n - have) * 1.02) + 8
        codes = rng.integers(0, len(ALPHANUM), size=(m, length))
        key = _id_keys(codes)
        codes = codes.astype(np.int8)  # the int64 draw is 8x the size; let it go now
        first = np.zeros(m, dtype=bool)
        first[np.unique(key, return_index=True)[1]] = True
        if kept_keys:
            first &= ~np.isin(key, np.concatenate(kept_keys))
        idx = np.flatnonzero(first)[: n - have]
        kept.append(codes[idx])
        kept_keys.append(key[idx])
        have += len(idx)
        del codes, key, first
    codes = np.concatenate(kept) if kept else np.zeros((0, length), dtype=np.int8)
    out = np.empty(n, dtype=object)
    for lo in range(0, n, WRITE_CHUNK_ROWS):  # as str objects, a chunk at a time
        raw = table[codes[lo : lo + WRITE_CHUNK_ROWS]].view(f"S{length}").ravel()
        out[lo : lo + len(raw)] = raw.astype(f"U{length}").astype(object)
    return out


def _id_keys(codes: np.ndarray) -> np.ndarray:
    """One comparable key per row of alphabet indices: a base-36 integer when it fits 63 bits
    (12 characters), else the row's bytes (slower to sort, same equality)."""
    length = codes.shape[1]
    if length <= 12:
        key = np.zeros(len(codes), dtype=np.int64)
        for j in range(length):
            key = key * len(ALPHANUM) + codes[:, j]
        return key
    return np.ascontiguousarray(codes.astype(np.uint8)).view(f"S{length}").ravel()


def pick(
    rng: np.random.Generator, vocab: Sequence[str], weights: Sequence[float], n: int
) -> np.ndarray:
    """Draw ``n`` values from ``vocab`` with (unnormalised) ``weights``; returns an object array."""
    p = np.asarray(weights, dtype=float)
    idx = rng.choice(len(vocab), size=n, p=p / p.sum())
    return np.array(vocab, dtype=object)[idx]


def blank_where(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Return a copy of the object array ``values`` with ``""`` where ``mask`` is true."""
    out = values.astype(object).copy()
    out[mask] = ""
    return out


def iso_dates(days: np.ndarray) -> np.ndarray:
    """Format day numbers since 1970-01-01 (int array) as ``YYYY-MM-DD`` strings.

    Each distinct day is formatted once and shared (a few thousand days, millions of rows):
    one string object per row would cost ~60 bytes a row.
    """
    uniq, inv = np.unique(np.asarray(days, dtype=np.int64), return_inverse=True)
    labels = np.datetime_as_string(uniq.astype("datetime64[D]"), unit="D").astype(object)
    return labels[inv.reshape(-1)]


def decimal_str(units: np.ndarray, decimals: int, keep_one: bool = False) -> np.ndarray:
    """Format integers counting ``10**-decimals`` units as decimals with trailing zeros removed.

    ``keep_one`` keeps at least one decimal (``10.0``, Python float style); otherwise integers
    print bare (``18``). Formatting is done once per distinct value, so it is cheap on big arrays.
    """
    uniq, inv = np.unique(np.asarray(units, dtype=np.int64), return_inverse=True)
    base = 10**decimals
    labels = []
    for u in uniq.tolist():
        sign = "-" if u < 0 else ""
        a = abs(u)
        frac = f"{a % base:0{decimals}d}".rstrip("0")
        if not frac and keep_one:
            frac = "0"
        labels.append(f"{sign}{a // base}.{frac}" if frac else f"{sign}{a // base}")
    return np.array(labels, dtype=object)[inv]


@contextmanager
def atomic_open(path: Path, encoding: str) -> Iterator[TextIO]:
    """Open ``path.tmp`` for text writing and rename it to ``path`` on success."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    try:
        with open(tmp, "w", encoding=encoding, newline="") as fh:
            yield fh
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def csv_writer(fh: TextIO, contract: RawFile, lineterminator: str = "\n") -> csv.writer:
    """Return a minimal-quoting ``csv.writer`` honouring the contract's delimiter."""
    return csv.writer(
        fh, delimiter=contract.delimiter, lineterminator=lineterminator, quoting=csv.QUOTE_MINIMAL
    )


#: Rows formatted and written per batch by ``write_table``: big enough that the csv module's
#: per-call overhead is negligible, small enough that a batch of row tuples (~1 KB a row for the
#: widest file) stays a few tens of MB whatever the scale.
WRITE_CHUNK_ROWS = 50_000


def write_table(
    out_dir: Path,
    contract: RawFile,
    columns: Sequence[Sequence[object]],
    lineterminator: str = "\n",
    chunk_rows: int = WRITE_CHUNK_ROWS,
    order: np.ndarray | None = None,
) -> tuple[Path, int]:
    """Write the header and column-wise data of ``contract`` atomically; return (path, rows).

    ``columns`` holds one sequence per contract column (numpy array or list), all the same
    length, already formatted as strings (or ints, printed with ``str``). Rows are built and
    written ``chunk_rows`` at a time: a whole-file list of row tuples costs ~10x the columns
    themselves (3.7 GB for the sales files at scale 100). The bytes do not depend on
    ``chunk_rows``. ``order`` (row indices) writes ``[c[order] for c in columns]`` without
    holding a reordered copy of every column.
    """
    if len(columns) != len(contract.columns):
        raise ValueError(
            f"{contract.path}: {len(columns)} columns, contract has {len(contract.columns)}"
        )
    lengths = {len(c) for c in columns}
    if len(lengths) > 1:
        raise ValueError(f"{contract.path}: columns of different lengths {sorted(lengths)}")
    n = lengths.pop() if lengths else 0
    if order is not None:
        order = np.asarray(order)
        n = len(order)

    def chunks() -> Iterator[list[Sequence[object]]]:
        for lo in range(0, n, max(1, chunk_rows)):
            hi = min(lo + max(1, chunk_rows), n)
            rows = slice(lo, hi) if order is None else order[lo:hi]
            yield [_take(c, rows) for c in columns]

    return write_chunks(out_dir, contract, chunks(), lineterminator)


def write_chunks(
    out_dir: Path,
    contract: RawFile,
    chunks: Iterable[Sequence[Sequence[object]]],
    lineterminator: str = "\n",
) -> tuple[Path, int]:
    """Write the header, then each chunk (a list of equally long columns) atomically.

    For generators that produce their rows piece by piece, so only one piece is ever formatted
    in memory. Returns (path, rows written).
    """
    path = Path(out_dir) / contract.path
    written = 0
    with atomic_open(path, contract.encoding) as fh:
        w = csv_writer(fh, contract, lineterminator)
        w.writerow(contract.columns)
        for cols in chunks:
            if len(cols) != len(contract.columns):
                raise ValueError(
                    f"{contract.path}: {len(cols)} columns, contract has {len(contract.columns)}"
                )
            rows = list(zip(*(_as_list(c) for c in cols), strict=True))
            w.writerows(rows)
            written += len(rows)
    return path, written


def _take(values: Sequence[object], rows: slice | np.ndarray) -> Sequence[object]:
    """``values[rows]`` for arrays and lists alike (a list cannot take an index array)."""
    if isinstance(rows, slice) or isinstance(values, np.ndarray):
        return values[rows]
    return [values[i] for i in rows.tolist()]


def _as_list(values: Sequence[object]) -> list[object]:
    """Python objects for the csv writer: ``tolist`` turns numpy strings and ints into ``str`` and
    ``int`` (printed the same as their numpy scalars, but faster and lighter to hold)."""
    return values.tolist() if isinstance(values, np.ndarray) else list(values)


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Logistic function."""
    return 1.0 / (1.0 + np.exp(-x))


def calibrate_intercept(logit: np.ndarray, target_rate: float) -> float:
    """Return ``b`` such that ``mean(sigmoid(logit + b)) == target_rate`` (bisection)."""
    lo, hi = -30.0, 30.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if sigmoid(logit + mid).mean() < target_rate:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2
