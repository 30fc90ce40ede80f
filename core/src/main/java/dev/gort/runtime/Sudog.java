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
 *  - Go keeps per-P caches of sudogs (acquireSudog/releaseSudog). Here each goroutine keeps one
 *    (G.sudogcache) for its plain blocking operations: a goroutine waits in at most one plain
 *    operation at a time, and reaching its G costs nothing extra (the park needs it anyway), where a
 *    P's cache would need the P. A sudog is back in the cache only once its operation is over: the
 *    waker published it under c.lock after its last touch (it reads thread first), and a withdrawn
 *    sudog (interrupt) is dropped, not cached. Platform threads allocate one per operation. With the
 *    race detector on, every operation gets a fresh sudog, because the detector uses the sudog as a
 *    synchronisation address and a reused one would link unrelated wakers. A SelectGo keeps its own
 *    sudogs and reuses them on every run.
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

    /**
     * Go's acquireSudog, for a plain operation: gp's cached sudog, reset, or a new one (gp null: a
     * platform thread). The caller is gp itself.
     */
    static Sudog acquire(G gp) {
        if (gp != null) {
            Sudog s = gp.sudogcache;
            if (s != null) {
                gp.sudogcache = null;
                s.success = false;
                DONE.set(s, false); // plain: published to wakers by the c.lock that guards the enqueue
                return s;
            }
        }
        return new Sudog(null, 0);
    }

    /**
     * Go's releaseSudog: s's operation is over (done was seen, or it was never queued); cache it in
     * gp, holding no references. The caller is gp itself (or a platform thread: gp null, dropped).
     */
    static void release(G gp, Sudog s) {
        if (gp != null && !Race.ENABLED) {
            s.thread = null;
            s.elem = null;
            s.c = null;
            gp.sudogcache = s;
        }
    }

    private static final java.lang.invoke.VarHandle DONE;

    static {
        try {
            DONE = java.lang.invoke.MethodHandles.lookup().findVarHandle(Sudog.class, "done", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
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
