package dev.gort.runtime;

/**
 * Thrown by {@code Go.goexit()} to unwind the calling goroutine, running its {@code finally} blocks
 * as Go's Goexit runs deferred calls. Proc.panicked recognises it: not a panic. One shared,
 * stackless instance. User code that catches {@code Throwable} without rethrowing swallows it (the
 * goroutine then goes on), which Go's Goexit cannot suffer; that is the one difference.
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
