package dev.gort.runtime;

/**
 * Thrown by {@code Go.goexit()} to unwind the calling goroutine, running its {@code finally} blocks
 * as Go's Goexit runs deferred calls. Proc.panicked recognises it: not a panic. One shared,
 * stackless instance. Differences from Go, both from Java's exceptions: user code that catches
 * {@code Throwable} without rethrowing swallows it (the goroutine then goes on); and a
 * {@code finally} that throws while it unwinds replaces it with that exception, so a
 * {@code catch} of that exception further out ends the Goexit too (Go's Goexit resumes after a
 * panic in a deferred call is recovered: TestRecoverBeforePanicAfterGoexit). Go's Goexit cannot be
 * stopped; gort's can be, only by code that catches what it does not throw itself.
 */
final class Goexit extends Error {
    private static final Goexit INSTANCE = new Goexit();

    private Goexit() {
        super("runtime.Goexit", null, false, false);
    }

    /** Go's Goexit: unwinds the calling goroutine. Throws IllegalStateException outside a goroutine. */
    static void goexit() {
        if (Proc.currentG() == null) {
            throw new IllegalStateException("goexit: not called from a goroutine");
        }
        throw INSTANCE;
    }
}
