package dev.gort;

/**
 * Go's {@code panic(v)} for a value that is not an unchecked exception: {@link Go#run} wraps a
 * checked exception that escaped a goroutine in a Panic (the original is the cause). Runtime
 * exceptions and errors escape unwrapped.
 */
public class Panic extends RuntimeException {
    public Panic(String message) {
        super(message);
    }

    public Panic(String message, Throwable cause) {
        super(message, cause);
    }
}
