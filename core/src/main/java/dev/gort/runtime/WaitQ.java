package dev.gort.runtime;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A FIFO of sudogs waiting on one channel (Go's chan.go type waitq). Every method requires the
 * owning channel's lock, except {@link #isEmptyRacy}.
 */
final class WaitQ {
    /** Head; written under c.lock (opaque, so the lock-free fast paths see it), read racily by isEmptyRacy. */
    private Sudog first;
    /** Tail; guarded by c.lock. */
    private Sudog last;

    private static final VarHandle FIRST;

    static {
        try {
            FIRST = MethodHandles.lookup().findVarHandle(WaitQ.class, "first", Sudog.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private void setFirst(Sudog s) {
        FIRST.setOpaque(this, s);
    }

    /** Racy emptiness test for the lock-free fast paths (Go reads q.first atomically there). Any thread. */
    boolean isEmptyRacy() {
        return FIRST.getAcquire(this) == null; // acquire: see HChan.full
    }

    /** True if no sudog is queued. c.lock must be held. */
    boolean isEmpty() {
        return first == null;
    }

    /** Appends sg. c.lock must be held. */
    void enqueue(Sudog sg) {
        sg.next = null;
        Sudog x = last;
        if (x == null) {
            sg.prev = null;
            setFirst(sg);
            last = sg;
            return;
        }
        sg.prev = x;
        x.next = sg;
        last = sg;
    }

    /**
     * Removes and returns the first sudog that can still be woken: a select's sudog whose select
     * was already won by another case (selectDone CAS fails) is dropped and skipped, as in Go.
     * Returns null if none. c.lock must be held.
     */
    Sudog dequeue() {
        for (;;) {
            Sudog sgp = first;
            if (sgp == null) {
                return null;
            }
            Sudog y = sgp.next;
            if (y == null) {
                setFirst(null);
                last = null;
            } else {
                y.prev = null;
                setFirst(y);
                sgp.next = null;
            }
            // A select woken by another case has not removed this sudog yet (it will, under our lock
            // in its pass 3); selectDone tells us someone else won the race to wake it.
            if (sgp.sel != null && !sgp.sel.casSelectDone()) {
                continue;
            }
            return sgp;
        }
    }

    /** Removes sgp if it is still queued (Go's dequeueSudoG). c.lock must be held. */
    void remove(Sudog sgp) {
        Sudog x = sgp.prev;
        Sudog y = sgp.next;
        if (x != null) {
            if (y != null) {
                x.next = y;
                y.prev = x;
                sgp.next = null;
                sgp.prev = null;
                return;
            }
            x.next = null; // end of queue
            last = x;
            sgp.prev = null;
            return;
        }
        if (y != null) { // start of queue
            y.prev = null;
            setFirst(y);
            sgp.next = null;
            return;
        }
        // x == y == null: sgp is the only element, or it has already been removed.
        if (first == sgp) {
            setFirst(null);
            last = null;
        }
    }
}
