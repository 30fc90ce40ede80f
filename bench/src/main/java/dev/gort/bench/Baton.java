package dev.gort.bench;

import java.util.concurrent.locks.LockSupport;

/**
 * A one-slot hand-off between one putter and one taker, built on {@code LockSupport.park/unpark}
 * only. The scheduler rows use it instead of a channel so that both sides run identical code and
 * differ only in who runs the woken thread: gort's {@code goready} into runnext, or the JDK's
 * ForkJoinPool. The slot must be empty on {@code put} (the ping-pong rows guarantee it).
 */
final class Baton {
    /** The item; written by the putter (set) and the taker (clear); volatile. */
    private volatile Object item;
    /** The parked taker, or null; written by the taker; volatile (Dekker with item). */
    private volatile Thread waiter;

    void put(Object x) {
        item = x;
        Thread w = waiter;
        if (w != null) {
            LockSupport.unpark(w);
        }
    }

    Object take() {
        Object x;
        while ((x = item) == null) {
            waiter = Thread.currentThread();
            if (item == null) {
                LockSupport.park(this);
            }
        }
        waiter = null;
        item = null;
        return x;
    }
}
