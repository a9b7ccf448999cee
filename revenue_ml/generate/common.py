"""Shared helpers for the raw-data generators: seeding, scaling, formatting and atomic writes."""

from __future__ import annotations

import csv
import os
import zlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

import numpy as np

from revenue_ml.contracts import RawFile

ALPHANUM = np.array(list("abcdefghijklmnopqrstuvwxyz0123456789"))


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
    """Return ``n`` distinct lowercase alphanumeric ids of ``length`` characters (object array)."""
    out: list[str] = []
    seen: set[str] = set()
    while len(out) < n:
        m = int((n - len(out)) * 1.02) + 8
        codes = ALPHANUM[rng.integers(0, len(ALPHANUM), size=(m, length))]
        for s in ("".join(row) for row in codes):
            if s not in seen:
                seen.add(s)
                out.append(s)
                if len(out) == n:
                    break
    return np.array(out, dtype=object)


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
    """Format day numbers since 1970-01-01 (int array) as ``YYYY-MM-DD`` strings."""
    return np.datetime_as_string(days.astype("datetime64[D]"), unit="D").astype(object)


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


def write_table(
    out_dir: Path,
    contract: RawFile,
    columns: Sequence[Iterable[object]],
    lineterminator: str = "\n",
) -> tuple[Path, int]:
    """Write the header and column-wise data of ``contract`` atomically; return (path, rows).

    ``columns`` holds one sequence per contract column, all the same length, already formatted
    as strings (or ints, printed with ``str``).
    """
    if len(columns) != len(contract.columns):
        raise ValueError(
            f"{contract.path}: {len(columns)} columns, contract has {len(contract.columns)}"
        )
    path = Path(out_dir) / contract.path
    rows = list(zip(*(list(c) for c in columns), strict=True))
    with atomic_open(path, contract.encoding) as fh:
        w = csv_writer(fh, contract, lineterminator)
        w.writerow(contract.columns)
        w.writerows(rows)
    return path, len(rows)


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
