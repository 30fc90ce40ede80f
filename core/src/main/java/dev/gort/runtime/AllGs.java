package dev.gort.runtime;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/*
 * AllGs: the registry of live goroutines (Go's allgs), for the walks that need every goroutine:
 * dumps, checkdead, the leak detector, schedtrace's detail, the tracer's snapshot, the metrics'
 * goroutines by state, numGoroutine.
 *
 * Concepts
 * --------
 * Go keeps allgs as a slice that only grows, appended under allglock, because Go reuses a dead G
 * (gfput/gfget) and so never has to take one out. gort cannot reuse a G (each is a virtual thread,
 * started once), and must not keep a dead one reachable (its stack and its closure would leak), so
 * every goroutine is added by newproc1 and removed by goexit: two registry operations per
 * goroutine, on the hottest path of spawning.
 *
 * Structure: NSTRIPES intrusive doubly-linked lists. A G's stripe is goid mod NSTRIPES, so
 * goroutines created or exiting at the same moment on different Ms take different stripe locks,
 * and the links live in the G itself (allprev, allnext): adding allocates nothing.
 *
 * Protocol
 * --------
 *  - add (newproc1) and remove (goexit), and the leak detector's detach, reattach and forget,
 *    take the G's stripe lock, an RLock of rank ALLG, the last rank: nothing is taken
 *    under it, so any runtime code may call in, and the goroutine that holds it is pinned to its M
 *    for the few pointer writes it holds it for (never parked, never descheduled).
 *  - Both are idempotent: inAllgs, written under the stripe lock, says whether the G is linked.
 *  - The leak detector takes its candidates out of the lists but not out of the counts, so that
 *    numGoroutine does not change during a scan (Go's NumGoroutine does not change during a
 *    goroutine leak profile): detach unlinks a G and sets leakDetached (it is still counted);
 *    reattach links a survivor in again without counting it; goexit's remove of a detached G only
 *    uncounts it (clearing leakDetached, so that a later reattach does nothing); forget(goid)
 *    uncounts a detached G the GC collected without its exiting (a leaked one: gort collects it,
 *    so it leaves the count when the scan ends). Exactly one of remove and forget uncounts a G.
 *  - Walkers take a snapshot (snapshot(); iterator() copies each stripe as it reaches it), locking
 *    one stripe at a time, never running the walker's code under a stripe lock: the result
 *    holds every G that was live for the whole walk, and may hold one that exited or miss one that
 *    was created meanwhile — as racy as Go's forEachG over a growing allgs, which is what dumps,
 *    checkdead (which re-checks under its own protocol) and the metrics accept.
 *  - size() sums the stripes' counts (volatile, written under their locks): exact whenever no
 *    goroutine is being created or exiting, as Go's gcount, leak scan or not.
 *
 * Invariants: a G is linked in at most one stripe, its own; inAllgs == linked; never both inAllgs
 * and leakDetached; a stripe's count is its list's length plus its detached Gs (those a scan
 * holds, and leaked ones until the scan's forget); a G that returned from goexit is linked nowhere,
 * counted nowhere and referenced by no neighbour.
 *
 * Rejected alternatives
 *  - ConcurrentHashMap.newKeySet (gort before): a 32-byte node per goroutine, a hash bin and a
 *    size counter spread over a table as large as the live population. With 100,000 goroutines
 *    live it was about a third of spawning's CPU (docs/benchmarks.md: the spawn row went from 882
 *    to 577 ns at P=1 with the stripes), the bins' cache misses and addCount's CAS after them; a
 *    contended bin is a monitor, on which a goroutine in goexit could park.
 *  - Slots in a growing array with per-P free lists (Go's gFree for slot numbers): no lock on the
 *    fast path, but a dead G's slot must be found again by whoever frees it, and the count and the
 *    P-local lists must be folded on procresize; more protocol for what the stripes already give.
 *
 * Differences from Go: Go walks allgs under allglock (forEachG) or without a lock (forEachGRace);
 * gort's walks are always stripe by stripe, the equivalent of forEachGRace.
 */
final class AllGs implements Iterable<G> {
    /** Stripes: a power of two, well above the Ms that create and exit goroutines at once. */
    static final int NSTRIPES = 64;

    private final Stripe[] stripes = new Stripe[NSTRIPES];

    AllGs() {
        for (int i = 0; i < NSTRIPES; i++) {
            stripes[i] = new Stripe();
        }
    }

    /** One list and its lock. */
    private static final class Stripe {
        final RLock lock = new RLock(LockRank.ALLG);
        /** The most recently added G. Under lock. */
        G head;
        /** The list's length. Written under lock; read racily by size(). */
        volatile int n;
    }

    private Stripe stripe(G gp) {
        return stripes[(int) gp.goid & (NSTRIPES - 1)];
    }

    /** Links and counts gp (no-op if it is linked already). newproc1. Any thread. */
    void add(G gp) {
        Stripe s = stripe(gp);
        s.lock.lock();
        try {
            if (gp.inAllgs) {
                return;
            }
            link(s, gp);
            s.n = s.n + 1;
        } finally {
            s.lock.unlock();
        }
    }

    /**
     * Unlinks and uncounts gp (no-op if it is neither linked nor detached). Any thread. A G that a
     * leak scan detached is only uncounted: goexit's remove while the scan holds it.
     */
    void remove(G gp) {
        Stripe s = stripe(gp);
        s.lock.lock();
        try {
            if (gp.inAllgs) {
                unlink(s, gp);
            } else if (gp.leakDetached) {
                gp.leakDetached = false;
            } else {
                return;
            }
            s.n = s.n - 1;
        } finally {
            s.lock.unlock();
        }
    }

    /**
     * The leak scan's detach: unlinks gp but leaves it counted, so that numGoroutine does not
     * change during the scan. Returns false (and does nothing) if gp is not linked (it exited).
     */
    boolean detach(G gp) {
        Stripe s = stripe(gp);
        s.lock.lock();
        try {
            if (!gp.inAllgs) {
                return false;
            }
            unlink(s, gp);
            gp.leakDetached = true;
            return true;
        } finally {
            s.lock.unlock();
        }
    }

    /** The leak scan's re-attach of a survivor: links gp in again, unless it exited meanwhile. */
    void reattach(G gp) {
        Stripe s = stripe(gp);
        s.lock.lock();
        try {
            if (!gp.leakDetached) {
                return; // goexit's remove uncounted it
            }
            gp.leakDetached = false;
            link(s, gp);
        } finally {
            s.lock.unlock();
        }
    }

    /**
     * The leak scan's uncount of a detached G the GC collected without its exiting (a leaked
     * one): its stripe's count, by its goid, is one too high until now.
     */
    void forget(long goid) {
        Stripe s = stripes[(int) goid & (NSTRIPES - 1)];
        s.lock.lock();
        try {
            s.n = s.n - 1;
        } finally {
            s.lock.unlock();
        }
    }

    private static void link(Stripe s, G gp) {
        G h = s.head;
        gp.allnext = h;
        gp.allprev = null;
        if (h != null) {
            h.allprev = gp;
        }
        s.head = gp;
        gp.inAllgs = true;
    }

    private static void unlink(Stripe s, G gp) {
        G p = gp.allprev, nx = gp.allnext;
        if (p != null) {
            p.allnext = nx;
        } else {
            s.head = nx;
        }
        if (nx != null) {
            nx.allprev = p;
        }
        gp.allprev = null;
        gp.allnext = null;
        gp.inAllgs = false;
    }

    /** Whether gp is linked now. Any thread. */
    boolean contains(G gp) {
        Stripe s = stripe(gp);
        s.lock.lock();
        try {
            return gp.inAllgs;
        } finally {
            s.lock.unlock();
        }
    }

    /** The number of live goroutines (racy while goroutines come and go, as Go's gcount). */
    int size() {
        int n = 0;
        for (Stripe s : stripes) {
            n += s.n;
        }
        return n;
    }

    /** A snapshot of the live goroutines, stripe by stripe (see the protocol). */
    List<G> snapshot() {
        List<G> gs = new ArrayList<>(size() + 16);
        for (Stripe s : stripes) {
            copy(s, gs);
        }
        return gs;
    }

    private static void copy(Stripe s, List<G> into) {
        s.lock.lock();
        try {
            for (G gp = s.head; gp != null; gp = gp.allnext) {
                into.add(gp);
            }
        } finally {
            s.lock.unlock();
        }
    }

    /**
     * Iterates over a snapshot taken one stripe at a time as the iteration reaches it, so that a walk
     * that stops early (checkdead's search for an awake goroutine) copies little.
     */
    @Override
    public Iterator<G> iterator() {
        return new Iterator<>() {
            private final ArrayList<G> buf = new ArrayList<>();
            private int stripe, i;

            @Override
            public boolean hasNext() {
                while (i == buf.size()) {
                    if (stripe == NSTRIPES) {
                        return false;
                    }
                    buf.clear();
                    i = 0;
                    copy(stripes[stripe++], buf);
                }
                return true;
            }

            @Override
            public G next() {
                if (!hasNext()) {
                    throw new java.util.NoSuchElementException();
                }
                return buf.get(i++);
            }
        };
    }
}
