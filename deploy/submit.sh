#!/usr/bin/env bash
# Submits a NoiseLens job with spark-submit, with the settings each cluster manager needs:
#   deploy/submit.sh local|standalone|yarn|kubernetes JOB.conf [--set key=value]...
# Properties come from conf/spark-defaults.<target>.conf (GPU resources, memory, discovery script); the JVM module
# flags Spark's launcher uses go to driver and executors; log4j2.properties (and, on YARN, the GPU discovery
# script) travel with --files. Environment: SPARK_HOME (spark-submit's Spark 3.5), NOISELENS_JAR (the spark-job
# jar with Spark provided), NOISELENS_CONF_DIR (default: conf/ beside this script).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
usage() {
  echo "usage: $0 local|standalone|yarn|kubernetes JOB.conf [--set key=value]..." >&2
  exit 2
}
[[ $# -ge 2 ]] || usage
target="$1"
job="$2"
shift 2
case "$target" in
  local) props=spark-defaults.local.conf ;;
  standalone) props=spark-defaults.standalone-gpu.conf ;;
  yarn) props=spark-defaults.yarn-gpu.conf ;;
  kubernetes) props=spark-defaults.kubernetes-gpu.conf ;;
  *) usage ;;
esac
conf_dir="${NOISELENS_CONF_DIR:-$here/../conf}"
jar="${NOISELENS_JAR:-$here/../spark-job/target/noiselens-spark-job-0.1.0-SNAPSHOT-spark.jar}"
spark_submit="${SPARK_HOME:+$SPARK_HOME/bin/}spark-submit"
for f in "$conf_dir/$props" "$conf_dir/log4j2.properties" "$job"; do
  [[ -f "$f" ]] || { echo "$0: $f does not exist" >&2; exit 2; }
done
[[ -f "$jar" || "$jar" == local://* ]] || { echo "$0: no jar at $jar; build it (./mvnw -DskipTests package) or set NOISELENS_JAR" >&2; exit 2; }

# The --add-opens list of org.apache.spark.launcher.JavaModuleOptions (bin/noiselens and the tests use it too).
modules="-XX:+IgnoreUnrecognizedVMOptions --add-opens=java.base/java.lang=ALL-UNNAMED"
modules+=" --add-opens=java.base/java.lang.invoke=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED"
modules+=" --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED"
modules+=" --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED"
modules+=" --add-opens=java.base/java.util.concurrent=ALL-UNNAMED --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED"
modules+=" --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED"
modules+=" --add-opens=java.base/sun.nio.cs=ALL-UNNAMED --add-opens=java.base/sun.security.action=ALL-UNNAMED"
modules+=" --add-opens=java.base/sun.util.calendar=ALL-UNNAMED -Djdk.reflect.useDirectMethodHandle=false"

# spark-defaults' extraJavaOptions are read from the properties file; the module flags are added to them.
extra() {
  sed -n "s/^$1[[:space:]]\{1,\}//p" "$conf_dir/$props" | head -n 1
}
files="$conf_dir/log4j2.properties"
[[ "$target" == yarn ]] && files+=",$here/getGpusResources.sh"

exec "$spark_submit" \
  --properties-file "$conf_dir/$props" \
  --conf "spark.driver.extraJavaOptions=$(extra spark.driver.extraJavaOptions) $modules" \
  --conf "spark.executor.extraJavaOptions=$(extra spark.executor.extraJavaOptions) $modules" \
  --files "$files" \
  --class io.noiselens.job.NoiseLensMain \
  "$jar" run --config "$job" "$@"
