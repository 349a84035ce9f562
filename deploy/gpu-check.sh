#!/usr/bin/env bash
# Checks a GPU host for the torch engine before a run (a -Ptorch-gpu build, e.g. the deploy/Dockerfile.torch-gpu
# image): the driver sees the device (nvidia-smi), libtorch sees it, one model's input gradients on the GPU equal the
# ND4J engine's on the CPU within a tolerance, and images/s for Gradient, NoiseGrad and FusionGrad at their defaults.
# Exit 0 when all of that holds, 1 when it does not, 2 for a usage error.
#   deploy/gpu-check.sh [--model FILE.onnx|builtin:demo] [--batch N] [--images N] [--tolerance FACTOR] [--cpu]
# Environment: NOISELENS_JAR (default: the image's /opt/noiselens/noiselens.jar, else this checkout's shaded jar),
# SPARK_HOME (default /opt/spark; a checkout falls back to the build's classpath), NOISELENS_PLATFORM_EXTENSION
# (default -gpu, what a -Ptorch-gpu build needs; -onednn-avx2 for the default CPU build with --cpu).
# Unverified on a GPU: the project had no GPU host that runs Java when this was written (README, "GPUs").
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jar="${NOISELENS_JAR:-}"
if [[ -z "$jar" ]]; then
  for j in /opt/noiselens/noiselens.jar "$root/spark-job/target/noiselens-spark-job-0.1.0-SNAPSHOT-spark.jar"; do
    if [[ -f "$j" ]]; then jar="$j"; break; fi
  done
fi
if [[ -z "$jar" || ! -f "$jar" ]]; then
  echo "error: no NoiseLens jar found; build one with ./mvnw -B -Ptorch-gpu -DskipTests package or set NOISELENS_JAR" >&2
  exit 2
fi
spark_home="${SPARK_HOME:-/opt/spark}"
if [[ -d "$spark_home/jars" ]]; then
  spark_cp="$spark_home/jars/*"
elif [[ -f "$root/spark-job/target/classpath.txt" ]]; then
  spark_cp="$(cat "$root/spark-job/target/classpath.txt")"
else
  echo "error: no Spark jars under $spark_home/jars; set SPARK_HOME to a Spark 3.5 installation" >&2
  exit 2
fi
if command -v nvidia-smi >/dev/null 2>&1; then
  nvidia-smi -L || true
else
  echo "nvidia-smi not found: no NVIDIA driver is visible on this host" >&2
fi
exec java -Xmx8g -Dorg.bytedeco.javacpp.maxbytes=16G \
  -Dorg.bytedeco.javacpp.platform.extension="${NOISELENS_PLATFORM_EXTENSION:--gpu}" \
  --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED \
  --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED \
  -cp "$jar:$spark_cp" io.noiselens.bench.GpuCheck "$@"
