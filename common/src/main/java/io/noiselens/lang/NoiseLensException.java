package io.noiselens.lang;

/** A user-facing error: the message says what is wrong, with the offending value, and how to fix it. */
public class NoiseLensException extends RuntimeException {
    public NoiseLensException(String message) {
        super(message);
    }

    public NoiseLensException(String message, Throwable cause) {
        super(message, cause);
    }
}
