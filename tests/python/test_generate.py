"""Tests for the synthetic raw-data generator (``revenue_ml.generate``)."""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from revenue_ml import contracts
from revenue_ml.generate import SOURCES, generate
from revenue_ml.generate.online_retail import generate_online_retail

REPO = Path(__file__).resolve().parents[2]
SCALE = 0.03


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("gen_small")
    generate(out, scale=SCALE, seed=7)
    return out


def _read(out: Path, raw: contracts.RawFile) -> list[list[str]]:
    text = (out / raw.path).read_bytes().decode(raw.encoding)
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=raw.delimiter))


def _bytes(out: Path) -> dict[str, bytes]:
    return {raw.path: (out / raw.path).read_bytes() for raw in contracts.GENERATED_FILES}


def test_all_files_written_with_contract_headers(small: Path) -> None:
    for raw in contracts.GENERATED_FILES:
        rows = _read(small, raw)
        assert tuple(rows[0]) == raw.columns, raw.path
        assert len(rows) > 10, raw.path
        assert all(len(r) == len(raw.columns) for r in rows), raw.path
        assert not list(small.rglob("*.tmp"))


def test_deterministic_and_seed_sensitive(small: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    other = tmp_path / "other"
    generate(again, scale=SCALE, seed=7)
    generate(other, scale=SCALE, seed=8)
    a, b, c = _bytes(small), _bytes(again), _bytes(other)
    assert a == b
    for path in a:
        assert a[path] != c[path], path


def test_only_matches_full_run(small: Path, tmp_path: Path) -> None:
    written = generate(tmp_path, scale=SCALE, seed=7, only=["telco_churn", "sales_pipeline"])
    assert set(written) == {
        "telco_churn.customers",
        "sales_pipeline.offers",
        "sales_pipeline.leads",
    }
    for raw in (contracts.TELCO_CHURN, contracts.OFFERS, contracts.LEADS):
        assert (tmp_path / raw.path).read_bytes() == (small / raw.path).read_bytes()
    assert not (tmp_path / contracts.ONLINE_RETAIL.path).exists()


def test_unknown_source_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown source"):
        generate(tmp_path, scale=SCALE, only=["nope"])


def test_line_endings_and_encodings(small: Path) -> None:
    for raw in contracts.GENERATED_FILES:
        data = (small / raw.path).read_bytes()
        if raw is contracts.ONLINE_RETAIL:
            assert data.count(b"\r\n") == data.count(b"\n")
            assert b"\xa3" in data  # pound sign in latin-1
            with pytest.raises(UnicodeDecodeError):
                data.decode("utf-8")
        else:
            assert b"\r" not in data, raw.path
            data.decode("ascii")


def test_online_retail_quirks(small: Path) -> None:
    raw = contracts.ONLINE_RETAIL
    rows = _read(small, raw)[1:]
    date_re = re.compile(r"^\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}$")
    assert all(date_re.match(r[4]) for r in rows)
    assert rows[0][4] == "12/1/2010 8:26" and rows[-1][4] == "12/9/2011 12:50"
    inv = [r[0] for r in rows]
    assert inv[0] == "536365"
    numbers = [int(i.lstrip("CA")) for i in inv]
    assert numbers == sorted(numbers)
    qty = np.array([int(r[3]) for r in rows])
    price = np.array([float(r[5]) for r in rows])
    cancel = np.array([i.startswith("C") for i in inv])
    assert cancel.any() and (qty[cancel] < 0).all()
    bad = [r for r in rows if r[0].startswith("A")]
    assert bad and all(r[1] == "B" and float(r[5]) < 0 for r in bad)
    assert ((qty < 0) & (price == 0) & ~cancel).any()  # stock adjustments
    no_cust = np.array([r[6] == "" for r in rows])
    assert 0.18 < no_cust.mean() < 0.32
    assert all(re.fullmatch(r"\d{5}", r[6]) for r in rows if r[6])
    assert any(r[2] == "" for r in rows)
    lines = (small / raw.path).read_bytes().split(b"\r\n")
    adjacent_dups = sum(a == b for a, b in zip(lines[:-1], lines[1:], strict=True))
    assert 0.004 * len(rows) < adjacent_dups < 0.02 * len(rows)
    countries = {r[7] for r in rows}
    assert "United Kingdom" in countries and len(countries) >= 20
    assert 0.85 < np.mean([r[7] == "United Kingdom" for r in rows]) < 0.95


def test_sales_pipeline_quirks(small: Path) -> None:
    offers = _read(small, contracts.OFFERS)[1:]
    ids = [r[0] for r in offers]
    assert 0.12 < ids.count("") / len(ids) < 0.26
    non_empty = [i for i in ids if i]
    assert len(set(non_empty)) < len(non_empty)  # duplicated Ids
    assert all(re.fullmatch(r"[a-z0-9]{8}", i) for i in non_empty)
    closed = [r for r in offers if r[2] in ("Closed Won", "Closed Lost")]
    opened = [r for r in offers if r not in closed]
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", r[3]) for r in offers)
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", r[4]) for r in closed)
    # open offers: in progress (no close date yet) or left open with an expected close date
    assert {r[4] == "" for r in opened} == {True, False}
    assert any(r[4] and r[4] < r[3] for r in offers)
    assert all(r[8] == "" for r in offers if r[2] not in ("Closed Won", "Closed Lost"))
    assert all(r[8] for r in offers if r[2] == "Closed Lost")
    leads = _read(small, contracts.LEADS)[1:]
    lead_ids = {r[0] for r in leads if r[0]}
    joined = sum(1 for i in non_empty if i in lead_ids)
    assert 0.65 < joined / len(non_empty) < 0.9
    assert len({r[4] for r in leads}) == 12
    assert {r[8] for r in leads} == {"0", "1"}


def test_telco_quirks(small: Path) -> None:
    rows = _read(small, contracts.TELCO_CHURN)[1:]
    assert {r[19] for r in rows} == {"True", "False"}
    assert all(v != "" for r in rows for v in r)
    for r in rows:
        for m, c, rate in ((6, 8, 0.17), (9, 11, 0.085), (12, 14, 0.045), (15, 17, 0.27)):
            assert abs(float(r[c]) - float(r[m]) * rate) <= 0.005 + 1e-9
        if r[4] == "No":
            assert r[5] == "0"
    assert {r[2] for r in rows} <= {"408", "415", "510"}


def test_marketing_quirks(small: Path) -> None:
    rows = _read(small, contracts.MARKETING_CAMPAIGN)[1:]
    assert {r[3] for r in rows} & {"Alone", "Absurd", "YOLO"}
    assert any(r[4] == "" for r in rows)
    assert any(r[4] == "666666" for r in rows)
    assert any(int(r[1]) < 1901 for r in rows)
    assert all(re.fullmatch(r"\d{2}-\d{2}-\d{4}", r[7]) for r in rows)
    assert {r[26] for r in rows} == {"3"} and {r[27] for r in rows} == {"11"}
    assert len({r[0] for r in rows}) == len(rows)


def test_enrollments_quirks(small: Path) -> None:
    rows = _read(small, contracts.ENROLLMENTS)[1:]
    periods = sorted({int(r[0]) for r in rows})
    assert periods[0] == 202201 and periods[-1] == 202412 and len(periods) == 36
    assert any(r[1] != r[1].strip() for r in rows)
    lines = (small / contracts.ENROLLMENTS.path).read_bytes().split(b"\n")
    assert any(a == b for a, b in zip(lines[:-1], lines[1:], strict=True))
    assert {r[5] for r in rows} == {"MATRICULADO", "RETIRADO"}


def test_row_counts_scale_linearly(tmp_path: Path) -> None:
    one = generate(tmp_path / "a", scale=0.02, seed=3)
    two = generate(tmp_path / "b", scale=0.04, seed=3)
    for key in one:
        n1 = sum(1 for _ in open(one[key], "rb")) - 1
        n2 = sum(1 for _ in open(two[key], "rb")) - 1
        assert 1.7 * n1 <= n2 <= 2.3 * n1, (key, n1, n2)


def test_cli(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "revenue_ml.generate",
            "--scale",
            "0.02",
            "--seed",
            "5",
            "--out",
            str(tmp_path),
            "--only",
            "telco_churn,marketing_campaign",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.strip()]
    assert len(lines) == 2 and all("rows" in ln for ln in lines)
    assert (tmp_path / contracts.TELCO_CHURN.path).exists()
    assert (tmp_path / contracts.MARKETING_CAMPAIGN.path).exists()
    assert not (tmp_path / contracts.OFFERS.path).exists()
    bad = subprocess.run(
        [sys.executable, "-m", "revenue_ml.generate", "--out", str(tmp_path), "--only", "x"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert bad.returncode != 0


def test_sources_cover_contract() -> None:
    paths = sorted(c.path for _, cs in SOURCES.values() for c in cs.values())
    assert paths == sorted(raw.path for raw in contracts.GENERATED_FILES)


def _peak_mb(out: Path, scale: float) -> tuple[float, int]:
    tracemalloc.start()
    try:
        _, rows = generate_online_retail(out, scale, 1, chunk_invoices=200)["transactions"]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 2**20, rows


def test_online_retail_memory_bounded(tmp_path: Path) -> None:
    """Peak Python memory does not grow with the file: lines are written chunk by chunk."""
    small_peak, small_rows = _peak_mb(tmp_path / "s", 0.02)
    big_peak, big_rows = _peak_mb(tmp_path / "b", 0.1)
    assert small_rows == round(541909 * 0.02) and big_rows == round(541909 * 0.1)
    # 5x the rows (~54k); a whole-file table of strings would grow the peak ~5x (> 30 MB)
    assert big_peak < 1.5 * small_peak, (small_peak, big_peak)
    assert big_peak < 20, big_peak


# ---- any scale: id spaces, named errors, chunked writing, bounded memory --------------------


def test_online_retail_customer_ids_at_large_scales() -> None:
    """CustomerIDs stay in the real 5-digit range up to scale 20 (12346..99999), then widen;
    always distinct and within the 9-digit limit. Scale 40 used to be a numpy error."""
    from revenue_ml.generate import MAX_NUMERIC_ID
    from revenue_ml.generate.online_retail import (
        FIRST_CUSTOMER_ID,
        customer_count,
        customer_ids,
        largest_customer_id,
    )

    for scale, digits in ((1, {5}), (20, {5}), (20.1, {5, 6}), (40, {5, 6}), (300, {5, 6, 7})):
        n = customer_count(scale)
        ids = customer_ids(np.random.default_rng(1), n)
        assert len(np.unique(ids)) == n == round(4372 * scale), scale
        assert ids.min() == FIRST_CUSTOMER_ID
        assert ids.max() <= largest_customer_id(scale) <= MAX_NUMERIC_ID, scale
        assert {len(str(i)) for i in ids.tolist()} == digits, scale


def test_invoice_numbers_count_up_from_the_real_first() -> None:
    from revenue_ml.generate.online_retail import invoice_number

    numbers = invoice_number(np.arange(26_000 * 100))  # ~ the invoices at scale 100
    assert numbers[0] == 536365 and (np.diff(numbers) == 1).all()
    assert {len(str(numbers[0])), len(str(numbers[-1]))} == {6, 7}


def test_marketing_ids_at_large_scales() -> None:
    from revenue_ml.generate import MAX_NUMERIC_ID
    from revenue_ml.generate.marketing_campaign import customer_count, id_space, largest_id

    for scale in (1, 100, 300):
        n = customer_count(scale)
        ids = np.random.default_rng(2).choice(id_space(n), size=n, replace=False)
        assert len(np.unique(ids)) == n and ids.max() <= largest_id(scale) <= MAX_NUMERIC_ID


def test_max_scale_is_where_an_id_would_pass_nine_digits() -> None:
    from revenue_ml.generate import MAX_NUMERIC_ID, NUMERIC_IDS, check_scale, max_scale

    top = max_scale()
    assert 10_000 < top < 1_000_000
    check_scale(top)  # the largest scale works ...
    assert max(largest(top) for _, _, largest in NUMERIC_IDS) <= MAX_NUMERIC_ID
    assert max(largest(top + 1) for _, _, largest in NUMERIC_IDS) > MAX_NUMERIC_ID  # ... and +1 not


@pytest.mark.parametrize(
    ("scale", "seed", "message"),
    [
        (0, 1, r"scale 0 is not a positive number"),
        (-2.0, 1, r"scale -2.0 is not a positive number"),
        (float("nan"), 1, r"scale nan is not a positive number"),
        (float("inf"), 1, r"scale inf is not a positive number"),
        (1e-4, 1, r"scale 0.0001 is too small: .* the smallest scale that works is 0.001$"),
        (
            1e6,
            1,
            r"scale 1e\+06 is too large: online_retail CustomerID would reach [\d,]+, beyond "
            r"999,999,999 .* the largest scale that works is [\d,]+$",
        ),
    ],
)
def test_scale_errors_are_named_and_one_line(
    tmp_path: Path, scale: float, seed: int, message: str
) -> None:
    from revenue_ml.generate import ScaleError

    with pytest.raises(ScaleError, match=message) as info:
        generate(tmp_path, scale=scale, seed=seed)
    assert "\n" not in str(info.value)
    assert not any(tmp_path.iterdir())  # refused before writing anything


def test_negative_seed_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"^seed -1 is not a whole number >= 0"):
        generate(tmp_path, scale=1, seed=-1)


def test_scale_error_when_the_disk_is_too_small(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    import revenue_ml.generate as gen

    real = shutil.disk_usage(tmp_path)
    monkeypatch.setattr(gen.shutil, "disk_usage", lambda _: real._replace(free=1_000_000_000))
    with pytest.raises(
        gen.ScaleError, match=r"needs about 5\.4 GB .* only 1\.0 GB is free; .* fits is 18\.5$"
    ):
        generate(tmp_path / "new", scale=100, seed=1)
    generate(tmp_path / "new", scale=0.02, seed=1, only=["telco_churn"])  # a small one fits


def test_cli_scale_error_is_one_line(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "revenue_ml.generate", "--scale", "1e7", "--out", str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "largest scale that works is" in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr and "usage" not in proc.stderr


def _reference_random_ids(rng: np.random.Generator, n: int, length: int) -> list[str]:
    """The generator's original loop, kept as the definition the vectorised version must match."""
    alphanum = np.array(list("abcdefghijklmnopqrstuvwxyz0123456789"))
    out: list[str] = []
    seen: set[str] = set()
    while len(out) < n:
        m = int((n - len(out)) * 1.02) + 8
        codes = alphanum[rng.integers(0, len(alphanum), size=(m, length))]
        for s in ("".join(row) for row in codes):
            if s not in seen:
                seen.add(s)
                out.append(s)
                if len(out) == n:
                    break
    return out


@pytest.mark.parametrize(("n", "length"), [(0, 8), (1, 8), (3000, 8), (1200, 2), (36, 1)])
def test_random_ids_match_the_loop_they_replace(n: int, length: int) -> None:
    from revenue_ml.generate.common import random_ids

    for seed in (0, 1, 2):
        a, b = np.random.default_rng(seed), np.random.default_rng(seed)
        got = random_ids(a, n, length)
        assert got.dtype == object and all(type(s) is str for s in got)
        assert got.tolist() == _reference_random_ids(b, n, length)
        assert a.random() == b.random()  # the stream is left where the loop left it


def test_write_table_bytes_do_not_depend_on_chunks(tmp_path: Path) -> None:
    from revenue_ml.generate.common import write_table

    rng = np.random.default_rng(3)
    n = 1001
    cols = [
        np.array(["a", "b,c", 'd"e', ""], dtype=object)[rng.integers(0, 4, n)],
        rng.integers(-5, 10**12, n),
        [f"x{i}" for i in range(n)],
        np.where(rng.random(n) < 0.5, "True", "False"),
        *(rng.integers(0, 9, n) for _ in range(5)),
    ]
    order = rng.permutation(n)
    outs = {}
    for name, chunk, order_ in (("one", 10**9, None), ("chunked", 7, None), ("ordered", 13, order)):
        path, rows = write_table(
            tmp_path / name,
            contracts.TELCO_CHURN,
            cols * 2 + cols[:2],
            chunk_rows=chunk,
            order=order_,
        )
        assert rows == n
        outs[name] = path.read_bytes()
    assert outs["one"] == outs["chunked"]
    reordered = [c[order] if isinstance(c, np.ndarray) else [c[i] for i in order] for c in cols]
    path, _ = write_table(tmp_path / "pre", contracts.TELCO_CHURN, reordered * 2 + reordered[:2])
    assert outs["ordered"] == path.read_bytes() != outs["one"]


def test_enrollments_bytes_do_not_depend_on_chunks(tmp_path: Path) -> None:
    from revenue_ml.generate.enrollments import generate_enrollments

    a, rows_a = generate_enrollments(tmp_path / "a", 0.05, 4)["enrollments"]
    b, rows_b = generate_enrollments(tmp_path / "b", 0.05, 4, chunk_rows=97)["enrollments"]
    assert rows_a == rows_b > 5000 and a.read_bytes() == b.read_bytes()


def _enrollments_peak(out: Path, scale: float) -> tuple[float, int]:
    from revenue_ml.generate.enrollments import generate_enrollments

    tracemalloc.start()
    try:
        _, rows = generate_enrollments(out, scale, 1, chunk_rows=2000)["enrollments"]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, rows


def test_enrollments_memory_per_row_is_small(tmp_path: Path) -> None:
    """Only compact class keys are kept per row (~12 bytes); the strings are made a chunk at a
    time. A whole-file table of strings (as before) costs ~500 bytes a row."""
    small_peak, small_rows = _enrollments_peak(tmp_path / "s", 0.05)
    big_peak, big_rows = _enrollments_peak(tmp_path / "b", 0.25)
    per_row = (big_peak - small_peak) / (big_rows - small_rows)
    assert big_rows > 4 * small_rows and per_row < 60, per_row


def test_cli_write_error_is_one_line(tmp_path: Path) -> None:
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "revenue_ml.generate",
            "--scale",
            "0.02",
            "--only",
            "telco_churn",
            "--out",
            str(not_a_dir),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 1 and len(lines) == 1, proc.stderr
    assert f"cannot write {not_a_dir}" in lines[0] and "Traceback" not in proc.stderr
