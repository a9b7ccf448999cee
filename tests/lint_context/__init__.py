"""What dbt puts in the Jinja context when it compiles, as SQLFluff's templater sees it.

SQLFluff lints the models with its Jinja templater (the dbt templater cannot be installed next
to this dbt: it pins an older click). The names below stand in for dbt's context objects; the
adapter-dispatched macros are replaced by their default implementation in `.sqlfluff`. Nothing
here runs in a build.
"""

from datetime import datetime


class _Adapter:
    def quote(self, identifier: str) -> str:
        return f'"{identifier}"'

    def dispatch(self, name: str, namespace: str | None = None):
        if name not in _DISPATCHED:
            raise RuntimeError(f"lint: add a stand-in for the dispatched macro {name}")
        return _DISPATCHED[name]


class _Target:
    type = "duckdb"
    name = "dev"
    schema = "main"
    database = "warehouse"
    threads = 2


class _Exceptions:
    @staticmethod
    def raise_compiler_error(message: str) -> None:
        raise RuntimeError(message)

    @staticmethod
    def warn(message: str) -> str:
        return ""


class _Flags:
    FULL_REFRESH = False


class _Dbt:
    @staticmethod
    def datediff(first: str, second: str, part: str) -> str:
        return f"date_diff('{part}', {first}, {second})"

    @staticmethod
    def dateadd(part: str, number: str, expression: str) -> str:
        return f"({expression} + interval ({number}) {part})"


def _literal(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


# The DuckDB (default__) branch of each dispatch macro of macros/portable/.
_DISPATCHED = {
    "try_cast_text": lambda expr, data_type: f"try_cast({expr} as {data_type})",
    "parse_timestamp_or_null": lambda expr, fmt: f"try_strptime({expr}, '{fmt}')",
    "epoch_seconds": lambda expr: f"epoch({expr})",
    "day_of_week": lambda expr: f"dayofweek({expr})",
    "timestamp_from_epoch": lambda seconds: f"to_timestamp({seconds})",
    "quantile_cont": lambda expr, q: f"quantile_cont({expr}, {q})",
    "quartiles_cont": lambda expr: f"quantile_cont({expr}, [0.25, 0.75])",
    "quartile": lambda quartiles, which: f"{quartiles}[{1 if which == 1 else 2}]",
    "median": lambda expr, decimal_scale=None: f"median({expr})",
    "sum_integers": lambda expr, over=None: f"sum({expr})" + (f" over ({over})" if over else ""),
    "ordered_string_agg": lambda expr, sep, order_by: (
        f"string_agg({expr}, {_literal(sep)} order by {order_by})"
    ),
    "int_div": lambda a, b: f"(({a}) // ({b}))",
    "regex_full_match": lambda expr, pattern: f"regexp_full_match({expr}, {_literal(pattern)})",
    "json_text": lambda json, path: f"json_extract_string({json}, '{path}')",
    "json_value": lambda json, path, data_type: (
        f"cast(json_extract({json}, '{path}') as {data_type})"
    ),
    "json_at": lambda json, path_sql: f"json_extract({json}, {path_sql})",
    "json_has": lambda json, path: f"json_exists({json}, '{path}')",
    "unnest_json_keys": lambda json: f"unnest(json_keys({json}))",
    "unnest_json_strings": lambda json: f"unnest(cast({json} as json)::varchar[])",
    "unnest_json_records": lambda column, fields: f"unnest(from_json({column}, '[]'))",
    "columns_to_json": lambda alias, columns: (
        "to_json(struct_pack(" + ", ".join(f'"{c}" := {alias}."{c}"' for c in columns) + "))"
    ),
    "row_to_json": lambda alias: f"to_json({alias})",
    "source_row_number": lambda: "row_number() over ()",
    "union_all_by_name": lambda relations: " union all by name ".join(
        f"select * from {r}" for r in relations
    ),
    "json_array_rows": lambda relation, json_column, fields, carry: (
        "select "
        + ", ".join([f"arrays.{c}" for c in carry] + [f"unnest(arrays.{n}) as {n}" for n in fields])
        + f" from (select *, from_json({json_column}, '{{}}') as parsed from {relation}) as arrays"
    ),
    "integer_series": lambda count: f"(select range as n from range({count}))",
    "replace_table_as": lambda relation, select_sql: "",
    "register_raw_files": lambda model: "",
    "publishes_dashboard_snapshot": lambda: True,
    "drop_incremental_temp_tables": lambda: "",
    "thousands": lambda expr: f"format('{{:,}}', cast(round({expr}) as bigint))",
}
adapter = _Adapter()
target = _Target()
exceptions = _Exceptions()
dbt = _Dbt()
flags = _Flags()
invocation_id = "00000000-0000-0000-0000-000000000000"
run_started_at = datetime(2026, 1, 1)
execute = False
graph = {"nodes": {}, "sources": {}}


def env_var(name: str, default: str = "") -> str:
    return default


def _project_vars() -> dict:
    import pathlib

    import yaml

    project = pathlib.Path(__file__).resolve().parents[2] / "dbt_project.yml"
    return yaml.safe_load(project.read_text()).get("vars", {})


_VARS = _project_vars()


def var(name: str, default: object = None) -> object:
    """dbt's var(): the value dbt_project.yml sets (the default when it sets none)."""
    return _VARS.get(name, default)
