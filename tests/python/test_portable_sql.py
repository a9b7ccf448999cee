"""The project's SQL runs on DuckDB and on Spark: engine-specific SQL lives only in
macros/portable/ (dispatch macros), never in a model, test, analysis or other macro.

A fast text check (no dbt run) of the constructs that fail or silently differ on Spark, each
with the portable way to write it (README, "Writing portable SQL"). Jinja and comments are left
out, except the SQL fragments passed to macros as strings; so are SQL string literals.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
#: Where engine-specific SQL belongs, and the dashboard snapshot hooks (DuckDB's COPY TO; they
#: run only where macro publishes_dashboard_snapshot() says so).
EXEMPT = (REPO_ROOT / "macros" / "portable", REPO_ROOT / "macros" / "dashboard")

#: (pattern, what to write instead). Patterns apply to code without comments and literals.
RULES: list[tuple[str, str]] = [
    (r"\btry_cast\s*\(", "{{ parse_as(column, type) }} or {{ try_cast_text(expr, type) }}"),
    (r"\b(try_)?strptime\s*\(", "{{ parse_timestamp_or_null(expr, '%Y-%m-%d') }}"),
    (r"\b(struct_pack|to_json)\s*\(", "{{ columns_to_json(alias, columns) }}"),
    (r"\bunnest\s*\(", "{{ unnest_json_records / unnest_json_keys / unnest_json_strings }}"),
    (
        r"\bjson_(extract|extract_string|keys|exists)\s*\(",
        "{{ json_text / json_value / json_at / json_has }}",
    ),
    (r"\bregexp_(full_match|matches)\s*\(", "{{ regex_full_match(expr, pattern) }}"),
    (r"\bstarts_with\s*\(", "expr like 'prefix%'"),
    (r"\bstrpos\s*\(", "instr(string, substring)"),
    (r"\b(string_agg|listagg|group_concat)\s*\(", "{{ ordered_string_agg(expr, sep, order_by) }}"),
    (r"\barg_(max|min)\s*\(", "max_by(value, key) / min_by(value, key)"),
    (
        r"\b(quantile_cont|percentile|median)\s*\(",
        "{{ quantile_cont(expr, q) }} / {{ median(expr) }}",
    ),
    (r"\b(epoch|to_timestamp)\s*\(", "{{ epoch_seconds(expr) }} / {{ timestamp_from_epoch(s) }}"),
    (r"\bdate_?diff\s*\(\s*'", "{{ dbt.datediff(start, end, 'day') }}"),
    (r"\b(dayofweek|dow)\s*\(", "{{ day_of_week(date) }} (Sunday = 0; Spark counts from 1)"),
    (
        r"\bregexp_extract\s*\((?:[^,()]|\([^()]*\))*,(?:[^,()]|\([^()]*\))*\)",
        "regexp_extract(s, pattern, 0) (Spark's default group is 1, DuckDB's 0)",
    ),
    (r"\basof\b", "running totals over one timeline of events (int_sales__offer_history)"),
    (r"\bunion\s+(all\s+)?by\s+name\b", "{{ union_all_by_name(relations) }}"),
    (r"\bvarchar\b", "string (a type both engines know)"),
    (r"::\s*json\b|\bas\s+json\b|::\s*\w+\s*\[\]", "the JSON macros of macros/portable/json.sql"),
    (r"//", "{{ int_div(a, b) }}"),
    (
        r"\bread_(csv\w*|parquet|json\w*|text)\s*\(|\bglob\s*\(",
        "a source (raw files: meta.raw_file)",
    ),
    (r"\bcreate\s+or\s+replace\s+table\b", "{{ replace_table_as(relation, sql) }}"),
    (r"\blateral\b", "a set-returning macro in the select list (unnest_json_*)"),
    (r"\b(range|generate_series)\s*\(|\bwith\s+recursive\b", "{{ integer_series(count) }}"),
    (
        r"\w\s*\[\s*-?\d*\s*(:\s*-?\d*\s*)?\]",
        "substr(); no indexing or slicing (DuckDB counts from 1)",
    ),
    (r'"[A-Za-z_][^"\n]*"', "{{ adapter.quote('Name') }} (a double-quoted name is text on Spark)"),
]

JINJA_BLOCK = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)
JINJA_COMMENT = re.compile(r"\{#.*?#\}", re.S)
JINJA_STRING = re.compile(r"'((?:[^'\\]|\\.)*)'|\"((?:[^\"\\]|\\.)*)\"", re.S)
SQL_COMMENT = re.compile(r"--[^\n]*|/\*.*?\*/", re.S)
SQL_STRING = re.compile(r"'(?:[^']|'')*'", re.S)


def sql_code(text: str) -> str:
    """The SQL a file contributes: Jinja replaced by the string fragments it passes (SQL handed
    to macros), comments and string literals blanked; newlines kept for line numbers."""

    def keep_lines(match: re.Match) -> str:
        return "\n" * match.group(0).count("\n")

    def fragments(match: re.Match) -> str:
        found = [a or b for a, b in JINJA_STRING.findall(match.group(0))]
        return " ".join(found) + keep_lines(match)

    text = JINJA_COMMENT.sub(keep_lines, text)
    text = JINJA_BLOCK.sub(fragments, text)
    text = SQL_COMMENT.sub(keep_lines, text)
    return SQL_STRING.sub(lambda m: "''" + keep_lines(m), text)


def violations(text: str) -> list[tuple[int, str, str]]:
    """(line, construct, what to write instead) for every engine-specific construct."""
    code = sql_code(text)
    found = []
    for pattern, instead in RULES:
        for match in re.finditer(pattern, code, re.I):
            line = code.count("\n", 0, match.start()) + 1
            found.append((line, match.group(0).strip(), instead))
    return found


def sql_files() -> list[Path]:
    files = []
    for folder in ("models", "tests", "analyses", "macros"):
        files += sorted((REPO_ROOT / folder).rglob("*.sql"))
    return [f for f in files if not any(f.is_relative_to(e) for e in EXEMPT)]


def yaml_sql(path: Path) -> list[str]:
    """SQL held in YAML: test expressions and where clauses."""
    found = []

    def walk(node) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("expression", "where") and isinstance(value, str):
                    found.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(yaml.safe_load(path.read_text()))
    return found


def yaml_files() -> list[Path]:
    return sorted(
        p
        for folder in ("models", "python_models", "seeds")
        for p in (REPO_ROOT / folder).rglob("*.yml")
    )


@pytest.mark.parametrize("path", sql_files(), ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_sql_has_no_engine_specific_constructs(path: Path) -> None:
    found = violations(path.read_text())
    assert not found, "\n".join(
        f"{path.relative_to(REPO_ROOT)}:{line}: `{what}` is DuckDB-only or differs on Spark; "
        f"write {instead}"
        for line, what, instead in found
    )


@pytest.mark.parametrize("path", yaml_files(), ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_yaml_sql_and_types_are_portable(path: Path) -> None:
    problems = [
        f"`{what}` in `{sql}`: write {instead}"
        for sql in yaml_sql(path)
        for _, what, instead in violations(sql)
    ]
    problems += [
        f"line {n}: the type `varchar` fails on Spark; write `string`"
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"^\s*(data_type|[a-z_]+):\s*varchar\s*$", line)
    ]
    assert not problems, f"{path.relative_to(REPO_ROOT)}: " + "; ".join(problems)


@pytest.mark.parametrize(
    "sql",
    [
        "select try_cast(x as integer) from t",
        'select "Created Date" from t',
        "select a // 2 from t",
        "select x from a union all by name select x from b",
        "{{ reject_reason([(\"not regexp_full_match(code, '[0-9]')\", 'bad')]) }}",
        "select cast(x as varchar) from t",
        "select string_agg(x, ',' order by y) from t",
        "select list[1] from t",
        "select lower(action[1:1]) || action[2:] from t",
        "select dayofweek(created_date) from t",
        "select regexp_extract(lower(code), '[0-9]+') from t",
        "select * from a asof left join b on a.k = b.k and a.d > b.d",
    ],
)
def test_the_check_catches_duckdb_only_sql(sql: str) -> None:
    assert violations(sql), sql


@pytest.mark.parametrize(
    "sql",
    [
        "select {{ parse_as(adapter.quote('Created Date'), 'date') }} from t",
        "select {{ int_div('periodo', 100) }}, {{ median('income', decimal_scale=2) }} from t",
        "select x from t where evaluation like '%\"search\"%'  -- a // comment",
        "select cast(x as string), max_by(a, b), instr(s, '|') from t",
        "select regexp_extract(lower(code), '[0-9]+', 0), {{ day_of_week('d') }} from t",
    ],
)
def test_the_check_accepts_portable_sql(sql: str) -> None:
    assert not violations(sql), violations(sql)
