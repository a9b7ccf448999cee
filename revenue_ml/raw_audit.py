"""Audit raw files against their contracts before any SQL reads them.

DuckDB's own errors on a bad CSV point deep into the reader ("Invalid unicode", "column not
found in binder"). This audit runs first (as the dbt Python model ``raw_file_audit``, which every
base model depends on) and stops the build with a message that names the file, the column and the
fix: a missing file, a wrong encoding, a wrong separator, a missing or renamed column.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import gzip
import io
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from revenue_ml.contracts import ALL_FILES, GENERATED_FILES, OULAD_FILES, RawFile

#: Bytes read at a time while checking a file's encoding.
_CHUNK = 4 * 1024 * 1024
_SEPARATORS = {",": "comma", "\t": "tab", ";": "semicolon", "|": "pipe"}
_ENCODING_ALIASES = {
    "utf8": "utf-8",
    "utf-8": "utf-8",
    "latin1": "latin-1",
    "latin-1": "latin-1",
    "iso-8859-1": "latin-1",
    "iso8859-1": "latin-1",
}
FIX_GENERATE = "run `make data` to generate the demo files"


class RawFileError(ValueError):
    """A raw file does not honour its contract. The message names file, column and fix."""


@dataclass(frozen=True)
class FileAudit:
    """Outcome of auditing one raw file (one row of the ``raw_file_audit`` table): ``status``
    ``ok``, or ``failed`` with the ``message`` that names the file, the column and the fix;
    ``modified_at``: the file's modification time (UTC, None when it is missing)."""

    source_name: str
    table_name: str
    file_path: str
    size_bytes: int
    encoding: str
    delimiter: str
    line_ending: str
    column_count: int
    status: str
    message: str | None = None
    modified_at: datetime | None = None


def normalise_encoding(name: str) -> str:
    """Map an encoding spelling (``latin1``, ``ISO-8859-1``, ``utf8``) to DuckDB's name."""
    key = name.strip().lower()
    if key not in _ENCODING_ALIASES:
        raise RawFileError(f"unknown encoding {name!r}: use 'utf-8' or 'latin-1' (ISO-8859-1)")
    return _ENCODING_ALIASES[key]


def _open_binary(path: Path) -> io.BufferedIOBase:
    if path.suffix == ".gz":
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def _iter_chunks(path: Path) -> Iterator[bytes]:
    with _open_binary(path) as handle:
        while chunk := handle.read(_CHUNK):
            yield chunk


def _where(data_seen: int, chunk: bytes, pos: int, lines_before: int) -> tuple[int, int]:
    """Return (byte offset, 1-based line number) of ``pos`` in ``chunk``."""
    return data_seen + pos, lines_before + chunk.count(b"\n", 0, pos) + 1


#: Bytes kept from the end of a file to judge its last line.
_TAIL = 64 * 1024


@dataclass(frozen=True)
class FileShape:
    """What one streaming pass over a file saw: its (decompressed) size, newline count and
    last bytes."""

    size: int
    newlines: int
    tail: bytes

    @property
    def whole_file_in_tail(self) -> bool:
        return self.size <= len(self.tail)


def check_encoding(path: Path, raw: RawFile, encoding: str) -> FileShape:
    """Raise :class:`RawFileError` when ``path`` is not text in ``encoding``; return the
    file's shape (same single pass).

    UTF-8 files are decoded whole (streamed); an invalid byte is reported with its line.
    Latin-1 accepts every byte, so a latin-1 file is rejected only when it is really UTF-8
    (valid multi-byte sequences, which would be read as mojibake such as 'Â£').
    """
    var = f"{raw.source}_{raw.table}_encoding"
    with _open_binary(path) as handle:
        head = handle.read(4)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise RawFileError(
            f"{path}: the file is UTF-16 encoded, but {raw.source}.{raw.table} must be "
            f"{encoding}. Fix: re-save it as {encoding} text "
            f"(e.g. `iconv -f utf-16 -t {encoding} in.csv > out.csv`)."
        )
    decoder = codecs.getincrementaldecoder("utf-8")()
    seen = 0
    lines = 0
    multibyte = False
    is_utf8 = True
    tail = b""
    for chunk in _iter_chunks(path):
        if is_utf8:
            try:
                decoder.decode(chunk, final=False)
            except UnicodeDecodeError as err:
                if encoding == "utf-8":
                    offset, line = _where(seen, chunk, err.start, lines)
                    byte = chunk[err.start : err.start + 1].hex().upper()
                    raise RawFileError(
                        f"{path}: not valid UTF-8 (byte 0x{byte} at offset {offset}, line "
                        f"{line}); it looks like ISO-8859-1/Windows-1252. Fix: re-encode the "
                        f"file (`iconv -f latin1 -t utf-8`) or set the dbt var "
                        f"`{var}: latin-1`."
                    ) from None
                is_utf8 = False  # not UTF-8: consistent with latin-1
            multibyte = multibyte or not chunk.isascii()
        seen += len(chunk)
        lines += chunk.count(b"\n")
        tail = (tail + chunk)[-_TAIL:]
    if encoding == "latin-1" and multibyte and is_utf8:
        raise RawFileError(
            f"{path}: the file is UTF-8 encoded, but {raw.source}.{raw.table} is declared "
            f"ISO-8859-1 (latin-1), so characters such as '£' would be misread. Fix: set the "
            f"dbt var `{var}: utf-8`, or supply the original latin-1 file."
        )
    return FileShape(size=seen, newlines=lines, tail=tail)


def check_rows(
    path: Path, raw: RawFile, encoding: str, fields: list[str], shape: FileShape
) -> None:
    """Raise :class:`RawFileError` when the file has a header but no data row, or when its last
    line is cut short (fewer fields than the header, or an unterminated quote): an export that
    stopped half-way, which the CSV reader would otherwise report as a parser dump."""
    text = shape.tail.decode(encoding, errors="replace").rstrip("\r\n")
    lines = text.splitlines()
    if shape.whole_file_in_tail and len([line for line in lines if line.strip()]) <= 1:
        raise RawFileError(
            f"{path}: the file has a header but no data rows; {raw.source}.{raw.table} needs at "
            f"least one row. Fix: export the data again (the export may have been filtered to "
            f"nothing), or {FIX_GENERATE}."
        )
    last = lines[-1] if lines else ""
    line_number = shape.newlines + (0 if shape.tail.endswith(b"\n") else 1)
    unterminated = last.count('"') % 2 == 1
    parsed = next(csv.reader([last], delimiter=raw.delimiter), []) if not unterminated else []
    if unterminated or len(parsed) < len(fields):
        what = (
            "an unterminated quote"
            if unterminated
            else f"{len(parsed)} field(s) where the header has {len(fields)}"
        )
        raise RawFileError(
            f"{path}: the last line (line {line_number}) has {what}: the file looks truncated "
            f"(an interrupted export or copy). Fix: export or copy the file again; or, if the "
            f"rest is complete, delete that last line."
        )


def read_header(path: Path, raw: RawFile, encoding: str) -> tuple[list[str], str]:
    """Return the header fields and the line ending (``CRLF`` or ``LF``) of ``path``."""
    with _open_binary(path) as handle:
        first = handle.readline(1024 * 1024)
    if not first.strip():
        raise RawFileError(
            f"{path}: the file is empty; {raw.source}.{raw.table} needs a header line "
            f"({_fmt_columns(raw.columns)}). Fix: supply the full export or {FIX_GENERATE}."
        )
    line_ending = "CRLF" if first.endswith(b"\r\n") else "LF"
    text = first.decode(encoding, errors="replace").lstrip("\ufeff").rstrip("\r\n")
    fields = next(csv.reader([text], delimiter=raw.delimiter))
    return [f.strip() for f in fields], line_ending


def _fmt_columns(columns: Iterable[str]) -> str:
    return ", ".join(f"'{c}'" for c in columns)


def check_header(path: Path, raw: RawFile, fields: list[str]) -> None:
    """Raise :class:`RawFileError` when the header misses a contract column or splits wrongly."""
    expected = list(raw.columns)
    sep_name = _SEPARATORS.get(raw.delimiter, repr(raw.delimiter))
    if len(fields) == 1 and len(expected) > 1:
        found = [name for sep, name in _SEPARATORS.items() if sep in fields[0]]
        guess = f"it looks {found[0]}-separated" if found else "no separator was found"
        raise RawFileError(
            f"{path}: the header has one field, {sep_name}-separated was expected but {guess}. "
            f"Fix: export {raw.source}.{raw.table} {sep_name}-separated with columns "
            f"{_fmt_columns(expected)}."
        )
    missing = [c for c in expected if c not in fields]
    if not missing:
        return
    extra = [f for f in fields if f not in expected]
    hints = []
    for column in missing:
        close = difflib.get_close_matches(column, extra, n=1, cutoff=0.6)
        if not close:
            close = [f for f in extra if f.lower().replace("_", " ") == column.lower()]
        if close:
            hints.append(f"column '{column}' is missing; found '{close[0]}' instead: rename it")
        else:
            hints.append(f"column '{column}' is missing")
    raise RawFileError(
        f"{path}: {'; '.join(hints)}. Fix: the header of {raw.source}.{raw.table} must name "
        f"exactly {_fmt_columns(expected)} (see README, 'Raw data contracts')."
    )


def audit_file(
    path: Path,
    raw: RawFile,
    encoding: str | None = None,
    raw_dir: str | Path | None = None,
    relative: str | None = None,
) -> FileAudit:
    """Check one raw file; return its audit row or raise :class:`RawFileError`.

    ``raw_dir`` and ``relative`` (the configured directory and per-file path) only make the
    missing-file message say what was configured."""
    enc = normalise_encoding(encoding or raw.encoding)
    if not path.is_file():
        where = (
            f"the dbt var `raw_dir` (now '{raw_dir}')"
            if raw_dir is not None
            else "the dbt var `raw_dir`"
        )
        raise RawFileError(
            f"{path}: raw file for {raw.source}.{raw.table} not found. Fix: {FIX_GENERATE}, "
            f"or point the project at your copy with {where} or `{raw.var_name}` (now "
            f"'{relative or raw.path}'; an absolute path is used as is)."
        )
    shape = check_encoding(path, raw, enc)
    fields, line_ending = read_header(path, raw, enc)
    check_header(path, raw, fields)
    check_rows(path, raw, enc, fields, shape)
    return FileAudit(
        source_name=raw.source,
        table_name=raw.table,
        file_path=str(path),
        size_bytes=path.stat().st_size,
        encoding=enc,
        delimiter=_SEPARATORS.get(raw.delimiter, raw.delimiter),
        line_ending=line_ending,
        column_count=len(fields),
        status="ok",
    )


def contract_of(source: str, table: str) -> RawFile:
    """The contract of a raw table, or :class:`RawFileError` when the project has none."""
    for raw in ALL_FILES:
        if (raw.source, raw.table) == (source, table):
            return raw
    raise RawFileError(
        f"{source}.{table}: no contract in revenue_ml/contracts.py for this "
        f"raw table. Fix: add its RawFile there (path, encoding, columns)."
    )


def files_for(enrollments_source: str) -> tuple[RawFile, ...]:
    """Raw files a build reads for the chosen enrollment source (``institute``/``oulad``), as
    the dbt macro ``raw_tables`` lists them (for callers without a build, e.g. the tests)."""
    if enrollments_source not in ("institute", "oulad"):
        raise RawFileError(
            f"dbt var enrollments_source is {enrollments_source!r}; use 'institute' or 'oulad'."
        )
    sales_retail_telco_campaign = tuple(f for f in GENERATED_FILES if f.source != "enrollments")
    enroll = (
        OULAD_FILES
        if enrollments_source == "oulad"
        else (tuple(f for f in GENERATED_FILES if f.source == "enrollments"))
    )
    return sales_retail_telco_campaign + enroll


def audit_files(files: Iterable[Mapping[str, str]]) -> list[FileAudit]:
    """Audit the raw files of a build; raise one error listing every problem found.

    ``files``: one mapping per raw table with source_name, table_name, raw_dir, relative_path
    (absolute paths are used as they are) and encoding ('' = the contract's): the rows of the
    ``quality.raw_files`` model.
    """
    results: list[FileAudit] = []
    problems: list[str] = []
    for row in files:
        try:
            raw = contract_of(row["source_name"], row["table_name"])
            relative = row["relative_path"] or raw.path
            path = Path(relative)
            path = path if path.is_absolute() else Path(row["raw_dir"]) / path
            results.append(
                audit_file(path, raw, row.get("encoding") or None, row["raw_dir"], relative)
            )
        except RawFileError as err:
            problems.append(str(err))
    if problems:
        raise RawFileError(f"{len(problems)} raw file problem(s):\n- " + "\n- ".join(problems))
    return results


def audit_each(files: Iterable[Mapping[str, str]]) -> list[FileAudit]:
    """Audit the raw files of a build one by one: a file that breaks its contract gets a row
    with ``status`` ``failed`` and the message (file, column, fix) instead of stopping the
    build, so that only the domains reading it keep their last good data (the base models
    hold, macro ``raw_source_held``); the others build as usual. ``files``: as
    :func:`audit_files`."""
    results: list[FileAudit] = []
    for row in files:
        raw = contract_of(row["source_name"], row["table_name"])
        relative = row["relative_path"] or raw.path
        path = Path(relative)
        path = path if path.is_absolute() else Path(row["raw_dir"]) / path
        modified = (
            datetime.fromtimestamp(path.stat().st_mtime, tz=UTC).replace(tzinfo=None)
            if path.is_file()
            else None
        )
        try:
            audit = audit_file(path, raw, row.get("encoding") or None, row["raw_dir"], relative)
            results.append(replace(audit, modified_at=modified))
        except RawFileError as err:
            results.append(
                FileAudit(
                    source_name=raw.source,
                    table_name=raw.table,
                    file_path=str(path),
                    size_bytes=path.stat().st_size if path.is_file() else 0,
                    encoding="",
                    delimiter="",
                    line_ending="",
                    column_count=0,
                    status="failed",
                    message=str(err),
                    modified_at=modified,
                )
            )
    return results


def audit_raw_files(
    raw_dir: str | Path,
    paths: Mapping[str, str] | None = None,
    encodings: Mapping[str, str] | None = None,
    enrollments_source: str = "institute",
) -> list[FileAudit]:
    """Audit every raw file a build with these settings reads (see :func:`audit_files`).

    Args:
        raw_dir: directory the relative paths are resolved against.
        paths: ``{"source.table": relative_path}`` overrides of the contract paths.
        encodings: ``{"source.table": encoding}`` overrides of the contract encodings.
        enrollments_source: ``institute`` or ``oulad``.
    """
    paths, encodings = dict(paths or {}), dict(encodings or {})
    return audit_files(
        {
            "source_name": raw.source,
            "table_name": raw.table,
            "raw_dir": str(raw_dir),
            "relative_path": paths.get(f"{raw.source}.{raw.table}") or raw.path,
            "encoding": encodings.get(f"{raw.source}.{raw.table}") or "",
        }
        for raw in files_for(enrollments_source)
    )


__all__ = [
    "ALL_FILES",
    "FileAudit",
    "RawFileError",
    "audit_file",
    "audit_files",
    "audit_raw_files",
    "files_for",
    "normalise_encoding",
]
