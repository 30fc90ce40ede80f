package dev.gort;

/**
 * Go's {@code panic(v)} for a value that is not an unchecked exception: {@link Go#run} wraps a
 * checked exception that escaped a goroutine in a Panic (the original is the cause). Runtime
 * exceptions and errors escape unwrapped.
 */
public class Panic extends RuntimeException {
    /** A panic with this message and no cause. */
    public Panic(String message) {
        super(message);
    }

    /** A panic with this message whose cause is the value (usually a checked exception) that escaped. */
    public Panic(String message, Throwable cause) {
        super(message, cause);
    }
}
