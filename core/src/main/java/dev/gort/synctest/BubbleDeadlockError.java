package dev.gort.synctest;

import dev.gort.DeadlockError;

/**
 * Go's synctest deadlock panic: every goroutine of a bubble is durably blocked and no timer can wake
 * one (or the root has returned, which stops the clock). The message is Go's exactly,
 * {@code deadlock: all goroutines in bubble are blocked} or {@code deadlock: main bubble goroutine
 * has exited but blocked goroutines remain}; {@link #dump()} is the bubble's goroutine dump, which
 * {@link Synctest#test} also prints on stderr.
 */
public final class BubbleDeadlockError extends DeadlockError {
    private final String dump;

    /** Made by the runtime. */
    public BubbleDeadlockError(String message, String dump) {
        super(message);
        this.dump = dump;
    }

    /**
     * The bubble's goroutines in Go's dump format: each header says
     * {@code [chan receive (durable), synctest bubble 3]}, or for a goroutine that is not durably
     * blocked, why not ({@code , not durable: on a channel made outside the bubble}).
     */
    public String dump() {
        return dump;
    }
}
