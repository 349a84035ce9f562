package io.noiselens.job;

import io.noiselens.model.onnx.OnnxImport;

import java.io.Serializable;

/**
 * What is broadcast to executors: the model file's bytes, its SHA-256, where it came from (for errors), and for
 * ONNX files the class names and normalisation the file does not carry.
 */
public record ModelBroadcast(byte[] bytes, String sha256, String origin, OnnxImport.Options onnx) implements Serializable {}
