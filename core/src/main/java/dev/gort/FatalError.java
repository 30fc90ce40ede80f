package dev.gort;

/**
 * Go's fatal error: a failure the program cannot recover from, such as {@code thread exhaustion},
 * {@code all goroutines are asleep - deadlock!} or {@code sync: unlock of unlocked mutex}. Go
 * prints {@code fatal error: MESSAGE} and exits with status 2; gort prints the same line on
 * stderr, ends every active {@link Go#run} (which throws this error), and {@code gort run} exits
 * with status 2. The message is Go's, without the {@code fatal error: } prefix.
 */
public class FatalError extends Error {
    /** A fatal error with Go's message, without the {@code fatal error: } prefix. */
    public FatalError(String message) {
        super(message);
    }
}
