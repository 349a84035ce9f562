#!/usr/bin/env bash
# Spark's GPU discovery script convention (spark.{executor,worker}.resource.gpu.discoveryScript): prints the GPUs of
# this host as a ResourceInformation JSON object, {"name": "gpu", "addresses": ["0", "1", ...]}. The addresses are
# nvidia-smi's indices; with CUDA_VISIBLE_DEVICES set (YARN and Kubernetes isolate devices that way) only those
# count. Exits non-zero with a message when nvidia-smi is missing or fails, so Spark reports why.
set -euo pipefail
if ! command -v nvidia-smi >/dev/null 2>&1; then
  echo "getGpusResources.sh: nvidia-smi not found; install the NVIDIA driver or drop the gpu resource settings" >&2
  exit 1
fi
indices=$(nvidia-smi --query-gpu=index --format=csv,noheader)
if [[ -n "${CUDA_VISIBLE_DEVICES:-}" ]]; then
  visible=",${CUDA_VISIBLE_DEVICES// /},"
  indices=$(for i in $indices; do [[ "$visible" == *",$i,"* ]] && echo "$i"; done || true)
fi
addresses=""
for i in $indices; do
  addresses+="${addresses:+,}\"${i//[^0-9]/}\""
done
printf '{"name": "gpu", "addresses": [%s]}\n' "$addresses"
