/**
 * The benchmark ({@code bin/noiselens bench}): the engine against PyTorch on the same ONNX models, the Spark job
 * against the bare engine, and peak memory per method. Outside the job: it drives the job, the job never calls it.
 */
package io.noiselens.bench;
