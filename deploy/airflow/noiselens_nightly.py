"""Nightly NoiseLens evaluation with Airflow's SparkSubmitOperator (apache-airflow-providers-apache-spark).

The run id is the DAG run's logical date ({{ ds }}), so a retried or cleared task replaces that night's partitions
and no other run's; max_active_runs=1 keeps nights from overlapping. The Spark connection `spark_yarn` points at
the cluster (master yarn); the properties are conf/spark-defaults.yarn-gpu.conf.
"""
from datetime import datetime, timedelta

from airflow import DAG
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

NOISELENS = "/opt/noiselens"
MODULE_FLAGS = " ".join([
    "-XX:+IgnoreUnrecognizedVMOptions",
    *("--add-opens=java.base/%s=ALL-UNNAMED" % p for p in (
        "java.lang", "java.lang.invoke", "java.lang.reflect", "java.io", "java.net", "java.nio", "java.util",
        "java.util.concurrent", "java.util.concurrent.atomic", "jdk.internal.ref", "sun.nio.ch", "sun.nio.cs",
        "sun.security.action", "sun.util.calendar")),
    "-Djdk.reflect.useDirectMethodHandle=false",
])

with DAG(
    dag_id="noiselens_nightly",
    schedule="0 1 * * *",
    start_date=datetime(2026, 12, 1),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=10)},
    tags=["noiselens"],
) as dag:
    SparkSubmitOperator(
        task_id="explain_imagenet_val",
        conn_id="spark_yarn",
        application=f"{NOISELENS}/noiselens.jar",
        java_class="io.noiselens.job.NoiseLensMain",
        properties_file=f"{NOISELENS}/conf/spark-defaults.yarn-gpu.conf",
        files=f"{NOISELENS}/conf/log4j2.properties,{NOISELENS}/deploy/getGpusResources.sh",
        conf={
            "spark.driver.extraJavaOptions": "-Dlog4j2.configurationFile=log4j2.properties " + MODULE_FLAGS,
            "spark.executor.extraJavaOptions": "-Dorg.bytedeco.javacpp.maxbytes=20G -Dorg.bytedeco.javacpp.platform.extension=-cudnn "
                                               "-Dlog4j2.configurationFile=log4j2.properties " + MODULE_FLAGS,
        },
        application_args=["run", "--config", f"{NOISELENS}/conf/imagenet-resnet50.conf",
                          "--set", "run.id=nightly-{{ ds }}"],
    )
