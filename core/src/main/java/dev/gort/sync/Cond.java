package dev.gort.sync;

import dev.gort.runtime.NotifyList;
import dev.gort.runtime.Race;

/*
 * Cond: Go's sync.Cond (src/sync/cond.go) over the runtime's NotifyList (sema.go's notifyList).
 *
 * await: take a ticket while still holding L, unlock L, sleep on the ticket, lock L again. Taking
 * the ticket before unlocking is what makes a signal sent between the unlock and the sleep count
 * (see NotifyList). signal wakes the oldest ticket not yet notified; broadcast all of them.
 *
 * Differences from Go: no copy checker (Java objects are not copied). Race edges: signal and
 * broadcast release-merge into the Cond; await acquires it on return.
 */
/**
 * Go's {@code sync.Cond}: a rendezvous point for goroutines waiting for, or announcing, an event.
 * Each Cond has a {@link Locker} L, held while changing the condition and when calling
 * {@link #await}. Waiters park with reason {@code sync.Cond.Wait}.
 */
public final class Cond {
    private final Locker l;
    private final NotifyList notify = new NotifyList();

    /** A Cond over l (Go's NewCond). */
    public Cond(Locker l) {
        if (l == null) {
            throw new NullPointerException("Cond: locker is null");
        }
        this.l = l;
    }

    /** The Locker (Go's c.L). */
    public Locker locker() {
        return l;
    }

    /**
     * Atomically unlocks L and suspends the calling goroutine; L is locked again before await
     * returns. Await does not return unless woken by {@link #signal} or {@link #broadcast} (no
     * spurious wake-ups), but the caller should still re-check its condition in a loop, as in Go.
     * The caller must hold L.
     */
    public void await() {
        int t = notify.notifyListAdd();
        l.unlock();
        notify.notifyListWait(t);
        Race.acquire(this);
        l.lock();
    }

    /** Wakes one goroutine waiting on this Cond, if any. The caller may but need not hold L. */
    public void signal() {
        Race.releaseMerge(this);
        notify.notifyListNotifyOne();
    }

    /** Wakes every goroutine waiting on this Cond. The caller may but need not hold L. */
    public void broadcast() {
        Race.releaseMerge(this);
        notify.notifyListNotifyAll();
    }
}
