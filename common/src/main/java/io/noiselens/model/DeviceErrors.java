package io.noiselens.model;

import java.util.Locale;

/**
 * What a failed native computation means: an allocation failure (the call asked for more device or off-heap memory
 * than there is: retry it smaller), or a fatal device error after which the device is unusable (end the process so
 * the scheduler retries elsewhere). Recognised from the exception chain as JavaCPP and ND4J's CPU and CUDA backends
 * report them.
 */
public final class DeviceErrors {
    private static final String[] ALLOCATION = {"out of memory", "cannot allocate", "failed to allocate",
            "memory allocation", "allocation failed", "exceeds host device limits", "physical memory usage is too high",
            "cudaerrormemoryallocation", "bad_alloc"};
    private static final String[] FATAL = {"cudaerrorillegaladdress", "illegal memory access", "unspecified launch failure",
            "cudaerrorlaunchfailure", "cudaerrorecc", "uncorrectable ecc", "cudaerrorhardwarestackerror",
            "cudaerrorillegalinstruction", "device-side assert"};

    private DeviceErrors() {}

    public static boolean isAllocationFailure(Throwable t) {
        return matches(t, ALLOCATION, true);
    }

    public static boolean isFatal(Throwable t) {
        return matches(t, FATAL, false);
    }

    private static boolean matches(Throwable t, String[] needles, boolean outOfMemoryError) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (outOfMemoryError && c instanceof OutOfMemoryError) return true;
            String m = c.getMessage() == null ? "" : c.getMessage().toLowerCase(Locale.ROOT);
            for (String n : needles) if (m.contains(n)) return true;
        }
        return false;
    }
}
