"""Helpers the analysis notebooks share: register a NoiseLens output directory's tables as Spark SQL views and run
the queries of sql/*.sql with their ${parameters} (Spark's own variable substitution, the same the tests use)."""
import os

TABLES = ["attributions", "metrics", "summary", "replicas", "errors", "runs"]
SQL_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sql")


def register_tables(spark, output):
    """Registers every table that exists under `output` (run.output of the job) as a view of the same name."""
    found = []
    for t in TABLES:
        path = os.path.join(output, t)
        if os.path.isdir(path) or "://" in output:
            spark.read.parquet(path).createOrReplaceTempView(t)
            found.append(t)
    return found


def query(spark, name, **params):
    """Runs sql/<name>.sql with each ${key} set to the given value."""
    for key, value in params.items():
        spark.conf.set(key, str(value))
    with open(os.path.join(SQL_DIR, name + ".sql")) as f:
        return spark.sql(f.read())
