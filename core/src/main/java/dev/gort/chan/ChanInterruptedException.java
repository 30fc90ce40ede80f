package dev.gort.chan;

/**
 * Thrown by a channel operation or select that was blocked when its goroutine or thread was
 * interrupted ({@link Thread#interrupt()}). Go has no interrupts; this is gort's rule:
 * <ul>
 *   <li>An operation checks for interruption only while it is blocked. One that can complete at
 *       once completes, even if the interrupt status is set.</li>
 *   <li>When an interrupt wakes a blocked operation, the operation withdraws its waiter from every
 *       channel atomically (under the channels' locks) and throws this exception. Nothing was
 *       sent or received: the value of a withdrawn send was not delivered, and no value was taken
 *       for a withdrawn receive.</li>
 *   <li>If a partner completed the exchange before the withdrawal (the value was already handed
 *       over), the operation completes normally instead, and the interrupt stays pending.</li>
 *   <li>The interrupt status is left set in every case, so the code around can see it.</li>
 * </ul>
 * An operation on a {@code null} channel or a select with no ready-able case throws it too, as
 * that is the only way out of blocking forever.
 */
public final class ChanInterruptedException extends RuntimeException {
    /**
     * An interrupted operation; the message is {@code OP: interrupted}.
     *
     * @param op what was interrupted, as Go's wait reason ("chan send", "chan receive", "select", ...) */
    public ChanInterruptedException(String op) {
        super(op + ": interrupted");
    }
}
