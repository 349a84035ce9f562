"""Helpers the analysis notebooks share: register a NoiseLens output directory's tables as Spark SQL views and run
the queries of sql/*.sql with their :parameters bound as values (Spark's parameterised queries, as the tests run them),
never formatted into the text: an id with a quote in it is just an id."""
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
    """Runs sql/<name>.sql with each :key bound to the given value (a list becomes an array)."""
    from pyspark.sql import functions as F
    args = {k: F.array(*[F.lit(x) for x in v]) if isinstance(v, (list, tuple)) else v for k, v in params.items()}
    with open(os.path.join(SQL_DIR, name + ".sql")) as f:
        return spark.sql(f.read(), args=args)
