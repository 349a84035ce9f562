package io.noiselens.job;

import java.io.Serializable;

/** What is broadcast to executors: the model file's bytes, its SHA-256, and where it came from (for errors). */
public record ModelBroadcast(byte[] bytes, String sha256, String origin) implements Serializable {}
