package dev.gort;

/**
 * Go's {@code fatal error: all goroutines are asleep - deadlock!}: every goroutine is parked on
 * gort's channels, locks or {@code select {}}, nothing outside the goroutines can wake them, and no
 * timer is pending. {@link Go#run} throws it after the report and goroutine dump are printed on
 * stderr; {@code gort run} exits with status 2.
 */
public class DeadlockError extends FatalError {
    /** Go's {@code all goroutines are asleep - deadlock!}. */
    public DeadlockError() {
        super("all goroutines are asleep - deadlock!");
    }

    /**
     * A deadlock with another of Go's messages: {@code no goroutines (main called runtime.Goexit) -
     * deadlock!} when main ended through {@link Go#goexit()} and every other goroutine has ended.
     */
    public DeadlockError(String message) {
        super(message);
    }
}
