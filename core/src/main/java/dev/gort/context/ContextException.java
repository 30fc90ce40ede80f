package dev.gort.context;

/**
 * The error a done {@link Context} reports from {@link Context#err()}: Go's {@code context.Canceled}
 * ("context canceled") or {@code context.DeadlineExceeded} ("context deadline exceeded"). Both are
 * singletons, compared with {@code ==} as Go compares the error values; they carry no stack trace.
 * Throw them to abort work when a context is done.
 */
public final class ContextException extends RuntimeException {
    /** Go's {@code context.Canceled}. */
    public static final ContextException CANCELED = new ContextException("context canceled", false);
    /** Go's {@code context.DeadlineExceeded}; {@link #timeout()} is true, as Go's Timeout(). */
    public static final ContextException DEADLINE_EXCEEDED = new ContextException("context deadline exceeded", true);

    /** Whether this is the deadline error. */
    private final boolean timeout;

    private ContextException(String message, boolean timeout) {
        super(message, null, false, false);
        this.timeout = timeout;
    }

    /** Whether this is {@link #DEADLINE_EXCEEDED} (Go's {@code Timeout() bool}). */
    public boolean timeout() {
        return timeout;
    }
}
