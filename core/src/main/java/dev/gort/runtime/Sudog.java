package dev.gort.runtime;

/*
 * Sudog: one goroutine (or platform thread) waiting in one channel's send or receive queue, as Go's
 * runtime2.go type sudog. A goroutine blocked in a plain send or receive has one sudog; a goroutine
 * blocked in a select has one per non-nil case, all pointing at the same SelectGo.
 *
 * Hand-over protocol (the "param" of Go's g)
 * -----------------------------------------
 *  1. The waiter fills elem (the value, for a send), enqueues the sudog under c.lock, unlocks and
 *     parks in a loop on its own condition: done (plain operation) or sel.param (select).
 *  2. A waker holding c.lock dequeues the sudog (for a select sudog, only after winning the CAS on
 *     sel.selectDone, see WaitQ.dequeue), moves the value (elem), sets success, and publishes
 *     with a volatile write of done or sel.param, still under c.lock. It reads thread first.
 *  3. The waker unlocks and unparks thread (Proc.goready).
 * Because step 2 publishes under c.lock, a waiter that takes c.lock and finds done unset knows its
 * sudog is still queued, which is what lets an interrupted waiter withdraw atomically.
 *
 * Differences from Go
 * -------------------
 *  - Go keeps per-P caches of sudogs (acquireSudog/releaseSudog). A plain blocking operation here
 *    allocates one (a young-generation allocation costs about what Go's cache does, and parking
 *    dominates); a SelectGo keeps its sudogs and reuses them on every run.
 *  - elem holds the value itself (a reference), not a pointer into the waiter's stack.
 *  - Go's g.param/g.selectDone live on the g; here on the sudog (done) or the SelectGo.
 *  - waitlink is not needed: a SelectGo keeps its sudogs in an array indexed by case.
 */
final class Sudog {
    /** The thread to unpark: the goroutine's virtual thread or a platform thread. Written by the owner before enqueue. */
    Thread thread;
    /** Send: the value to send. Receive: the value received. Guarded by c.lock while queued. */
    Object elem;
    /** True if woken by a value exchange, false if by close. Guarded by c.lock; published by done/param. */
    boolean success;
    /** Plain operations: set (volatile) by the waker, under c.lock, when the exchange is complete. */
    volatile boolean done;
    /** The select this sudog belongs to, or null for a plain send or receive. Immutable. */
    final SelectGo sel;
    /** The case index within sel. Immutable. */
    final int casi;
    /** The channel it waits on (for a select sudog: set by the owner before each enqueue). */
    HChan c;
    /** Wait-queue links. Guarded by c.lock. */
    Sudog next, prev;

    Sudog(SelectGo sel, int casi) {
        this.sel = sel;
        this.casi = casi;
    }

    /** True for a select's sudog (Go's isSelect). */
    boolean isSelect() {
        return sel != null;
    }

    /**
     * Step 2 of the hand-over: publish the outcome. The caller read thread before, as the owner
     * may reuse this sudog as soon as it sees the publication. c.lock must be held.
     */
    void publish(boolean ok) {
        success = ok;
        if (sel != null) {
            sel.param = this;
        } else {
            done = true;
        }
    }
}
