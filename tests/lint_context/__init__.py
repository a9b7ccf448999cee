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


class _Dbt:
    @staticmethod
    def datediff(first: str, second: str, part: str) -> str:
        return f"date_diff('{part}', {first}, {second})"

    @staticmethod
    def dateadd(part: str, number: str, expression: str) -> str:
        return f"({expression} + interval ({number}) {part})"


_DISPATCHED = {
    "clean_text": lambda column: f"nullif(trim({column}), '')",
    "parse_as": lambda column, data_type: f"try_cast(nullif(trim({column}), '') as {data_type})",
    "parse_timestamp": lambda column, fmt: f"try_strptime(nullif(trim({column}), ''), '{fmt}')",
    "date_fence": lambda column, quantile, direction, margin: (
        f"to_timestamp(quantile_cont(epoch({column}), {quantile}) + {direction} * {margin})"
    ),
    "unnest_json_records": lambda column, fields: f"unnest(from_json({column}, '[]'))",
}
adapter = _Adapter()
target = _Target()
exceptions = _Exceptions()
dbt = _Dbt()
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
