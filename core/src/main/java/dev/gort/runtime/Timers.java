package dev.gort.runtime;

import java.util.Arrays;
import java.util.concurrent.locks.ReentrantLock;

/*
 * Timers: the runtime's timer heaps, after Go's src/runtime/time.go (type timers, addHeap,
 * deleteMin, siftUp/siftDown, run, check; Go >= 1.14's per-P heaps). The timer itself is Timer;
 * the idle M that sleeps until the next timer is TimerSleeper.
 *
 * Concepts
 * --------
 * Timers live in heaps: one Timers heap per P (P.timers, Go's p.timers) plus one global heap for
 * timers set by threads that hold no P (main, platform threads, the JDK's threads), and one per
 * synctest bubble (Bubble.timers, which no M looks at). Each heap is a 4-ary min-heap on the
 * timers' heapWhen, as Go's, with its own lock, so any thread may add to or remove from any heap.
 * minWhen, the earliest deadline, is readable without the lock (Go's minWhenHeap), so a scheduler
 * round with nothing due costs one volatile read per heap.
 *
 * Who runs expired timers
 * -----------------------
 *  1. checkTimers(pp): every findRunnable round on an M runs its own P's expired timers and the
 *     global heap's (one volatile read each when nothing is due). f runs on the M, holding its P,
 *     so a goroutine it readies lands on this P's run queue (Proc.ready's "M itself" case).
 *  2. stealTimers(p2): in stealWork's last round, an M looking for work also runs the expired
 *     timers of the Ps it tries to steal from (Go's stealWork does the same).
 *  3. The timer sleeper (TimerSleeper): an M that gives up its P while timers are pending sleeps
 *     until the earliest deadline over every heap and runs them (runAll).
 *  4. sysmonCheck: sysmon runs timers that are over 1ms overdue when no M sleeps for them (every
 *     P busy with goroutines that do not come back to the scheduler; and, as a backstop for a
 *     lost sleeper, after its deep sleep with every P idle: Sysmon, "Timers with every P idle").
 * A bubble's heap is run by the bubble itself (runShuffled; see Bubble).
 *
 * Locks: a timer's, then its heap's
 * ---------------------------------
 * A Timer's lock, mu (rank TIMER), is taken before any heap's lock (rank TIMERS). A timer's heap
 * position (ts, idx, heapWhen) changes only under both mu and the lock of the heap concerned, so a
 * holder of either may read it; stop and reset (see Timer) take mu and then the heap's lock to
 * remove it. A runner locks the first due timer before taking it out of the heap: under the heap
 * lock it may only tryLock mu (the order is mu first); if that fails it drops the heap lock, takes
 * mu and then the heap lock, and re-checks that the timer is still first and due (lockFirstDue).
 * So a timer in a heap is always armed (when == heapWhen), and a runner fires exactly what it
 * removed (Timer.fireAndUnlock, with mu held). (gort once popped timers under the heap lock alone:
 * a reset that saw ts == null mid-pop re-added the timer elsewhere, and the popper's late idx = -1
 * landed on it; a later stop then removed index -1, or, with a stale positive index, silently
 * removed another timer.)
 *
 * Invariants
 * ----------
 *  - heap[0..len) is a 4-ary min-heap on heapWhen; heap[i].idx == i and heap[i].ts == this.
 *  - minWhen == heap[0].heapWhen, or 0 when empty; written under the heap lock.
 *
 * Rejected alternatives
 * ---------------------
 *  - A ScheduledThreadPoolExecutor or one timer thread (Go before 1.14's timerproc): an extra
 *    thread hop per timer, and the scheduler would not know that a timer is pending.
 *  - One global heap: every timer set and every scheduler round would contend on its lock.
 *
 * Differences from Go
 * -------------------
 *  - Go's timers are moved off a P that is destroyed (moveTimers); gort leaves them in the dead
 *    P's heap, which the sleeper still scans.
 *  - Timers set without a P go to one global heap (Go has no such thread).
 *  - Go's sysmon starts an M when timers are overdue on Ps that are all busy; gort's sysmon runs
 *    such timers itself (sysmonCheck), after a 1ms grace that leaves them to the schedulers first.
 */
/** A runtime timer heap (Go's time.go timers). Internal: dev.gort.time is the API. */
final class Timers {
    // ================================================================== the heap

    /** Go's timers.mu: guards the heap. LockRank.TIMERS: nothing but sched.lock is taken under it. */
    final ReentrantLock lock = new RLock(LockRank.TIMERS);
    /** 4-ary heap on heapWhen. Under lock. */
    private Timer[] heap = new Timer[8];
    private int len;
    /** heap[0].heapWhen, or 0 when empty. Written under lock, read without it (Go's minWhenHeap). */
    private volatile long minWhen;

    /** The global heap, for timers set by threads that hold no P. */
    static final Timers global = new Timers();

    Timers() {}

    /** Go's nanotime: monotonic ns since the runtime's start, always > 0. */
    static long nanotime() {
        return System.nanoTime() - Proc.startNanos + 1;
    }

    /** The heap a timer set by the calling thread goes to: its P's, or the global one. */
    static Timers target() {
        M mp = M.current();
        P pp = mp != null ? mp.p : null;
        return pp != null ? pp.timers : global;
    }

    /** Go's addHeap: adds t, in no heap, with deadline when. t.mu must be held; takes lock. */
    void add(Timer t, long when) {
        assert t.mu.isHeldByCurrentThread() && t.ts == null : "add: timer not locked, or in a heap";
        lock.lock();
        try {
            if (len == heap.length) {
                heap = Arrays.copyOf(heap, len * 2);
            }
            t.ts = this;
            t.heapWhen = when;
            heap[len] = t;
            t.idx = len;
            siftUp(len++);
            minWhen = heap[0].heapWhen;
        } finally {
            lock.unlock();
        }
    }

    /** Removes heap[i] (Go's deleteMin for i = 0). lock and heap[i].mu must be held. */
    void removeAt(int i) {
        assert lock.isHeldByCurrentThread() : "removeAt: heap lock not held";
        Timer t = heap[i];
        assert t.mu.isHeldByCurrentThread() : "removeAt: timer lock not held";
        t.ts = null;
        t.idx = -1;
        int last = --len;
        if (i != last) {
            heap[i] = heap[last];
            heap[i].idx = i;
            heap[last] = null;
            siftDown(i);
            siftUp(i);
        } else {
            heap[last] = null;
        }
        minWhen = len == 0 ? 0 : heap[0].heapWhen;
        if (heap.length > 64 && len < heap.length / 4) {
            heap = Arrays.copyOf(heap, heap.length / 2);
        }
    }

    private void siftUp(int i) {
        Timer t = heap[i];
        long w = t.heapWhen;
        while (i > 0) {
            int p = (i - 1) / 4;
            if (w >= heap[p].heapWhen) {
                break;
            }
            heap[i] = heap[p];
            heap[i].idx = i;
            i = p;
        }
        heap[i] = t;
        t.idx = i;
    }

    private void siftDown(int i) {
        Timer t = heap[i];
        long w = t.heapWhen;
        for (;;) {
            int c = 4 * i + 1;
            if (c >= len) {
                break;
            }
            int best = c;
            long bw = heap[c].heapWhen;
            for (int k = c + 1; k < Math.min(c + 4, len); k++) {
                if (heap[k].heapWhen < bw) {
                    best = k;
                    bw = heap[k].heapWhen;
                }
            }
            if (w <= bw) {
                break;
            }
            heap[i] = heap[best];
            heap[i].idx = i;
            i = best;
        }
        heap[i] = t;
        t.idx = i;
    }

    /** The earliest deadline in this heap, or 0 (Go's wakeTime). Any thread. */
    long minWhen() {
        return minWhen;
    }

    /** Go's timers.run loop: fire every timer due at now. Any thread; takes lock per timer. */
    private int run(long now) {
        int n = 0;
        while (runOne(now)) {
            n++;
        }
        return n;
    }

    /**
     * Fires every timer due at now in the order pick chooses (pick(n) returns an index below n),
     * for a synctest bubble, whose timers due at one instant fire in a random order as Go's do.
     * Timers that come due while they fire (a period, a reset to now) are fired in a next round.
     * Each timer is taken out of the heap under its own lock (as runOne), which is released while
     * the round is gathered; a timer stopped or reset meanwhile (seq moved) is skipped.
     */
    void runShuffled(long now, java.util.function.IntUnaryOperator pick) {
        for (;;) {
            java.util.ArrayList<Timer> due = new java.util.ArrayList<>();
            java.util.ArrayList<Long> seqs = new java.util.ArrayList<>();
            lock.lock();
            try {
                while (len > 0 && heap[0].heapWhen <= now && heap[0].mu.tryLock()) {
                    Timer t = heap[0];
                    try {
                        removeAt(0);
                        due.add(t);
                        seqs.add(t.seq);
                    } finally {
                        t.mu.unlock();
                    }
                }
            } finally {
                lock.unlock();
            }
            if (due.isEmpty()) {
                if (minWhen != 0 && minWhen <= now) {
                    runOne(now); // its lock was busy: take it the slow way
                    continue;
                }
                return;
            }
            while (!due.isEmpty()) {
                int i = pick.applyAsInt(due.size());
                Timer t = due.remove(i);
                long sq = seqs.remove(i);
                t.mu.lock();
                if (t.seq == sq && t.ts == null && t.when != 0) {
                    t.fireAndUnlock(this, now);
                } else {
                    t.mu.unlock(); // stopped or reset since it was gathered
                }
            }
        }
    }

    /**
     * Takes the first timer out of the heap and fires it if it is due at now; returns whether there
     * was one. The timer is locked before it leaves the heap, so its membership changes only under
     * both locks and stop/reset, holding its lock, always see where it is (see "Locks").
     * Any thread.
     */
    private boolean runOne(long now) {
        Timer t;
        lock.lock();
        try {
            if (len == 0 || heap[0].heapWhen > now) {
                return false;
            }
            t = heap[0];
            if (!t.mu.tryLock()) { // lock order is TIMER before TIMERS: only try it under lock
                t = null;
            } else {
                removeAt(0);
            }
        } finally {
            lock.unlock();
        }
        if (t == null) {
            t = lockFirstDue(now);
            if (t == null) {
                return true; // it moved or was stopped meanwhile: look again
            }
        }
        t.fireAndUnlock(this, now);
        return true;
    }

    /**
     * The slow path of runOne, when the first timer's lock was busy: take that lock in order, then
     * the heap's, and take the timer out if it is still first and due. Returns it locked, or null.
     */
    private Timer lockFirstDue(long now) {
        Timer t;
        lock.lock();
        try {
            if (len == 0 || heap[0].heapWhen > now) {
                return null;
            }
            t = heap[0];
        } finally {
            lock.unlock();
        }
        t.mu.lock();
        lock.lock();
        try {
            if (t.ts == this && t.idx == 0 && t.heapWhen <= now) {
                removeAt(0);
                return t;
            }
        } finally {
            lock.unlock();
        }
        t.mu.unlock();
        return null;
    }

    /** Number of timers in this heap (racy snapshot). */
    int size() {
        return len;
    }

    // ================================================================== called by the scheduler

    /**
     * Go's checkTimers: run pp's and the global heap's expired timers. Called by findRunnable at
     * the top of each round. The M holding pp only.
     */
    static void checkTimers(P pp) {
        long a = pp.timers.minWhen, b = global.minWhen;
        if (a == 0 && b == 0) {
            return;
        }
        long now = nanotime();
        if (b == 0 || b > now) {
            if (a != 0 && a <= now) {
                pp.timers.run(now);
            }
            return;
        }
        // Both may have expired timers: fire them merged in deadline order.
        for (;;) {
            long x = pp.timers.minWhen, y = global.minWhen;
            Timers h = x != 0 && x <= now && (y == 0 || x <= y) ? pp.timers
                    : y != 0 && y <= now ? global : null;
            if (h == null || !h.runOne(now)) {
                return;
            }
        }
    }

    /**
     * Go's stealWork timer check: run p2's expired timers on behalf of pp (readied goroutines
     * land on pp). Returns whether any fired. The M holding pp only.
     */
    static boolean stealTimers(P p2) {
        long w = p2.timers.minWhen;
        return w != 0 && w <= nanotime() && p2.timers.run(nanotime()) > 0;
    }

    /** Whether any timer is pending anywhere (the deadlock detector's question). Any thread. */
    static boolean pending() {
        return earliest() != 0;
    }

    /** The earliest deadline over every heap, or 0 if no timer is pending. Any thread. */
    static long earliest() {
        long e = global.minWhen;
        for (P p : Proc.allp) {
            long w = p.timers.minWhen;
            if (w != 0 && (e == 0 || w < e)) {
                e = w;
            }
        }
        return e;
    }

    /**
     * Runs every expired timer in every heap, merged in deadline order (a late wake-up must not
     * fire one heap's whole backlog before another's earlier timers). Any thread.
     */
    static void runAll(long now) {
        for (;;) {
            Timers best = global.minWhen != 0 && global.minWhen <= now ? global : null;
            long bw = best != null ? global.minWhen : 0;
            for (P p : Proc.allp) {
                long w = p.timers.minWhen;
                if (w != 0 && w <= now && (best == null || w < bw)) {
                    best = p.timers;
                    bw = w;
                }
            }
            if (best == null) {
                return;
            }
            best.runOne(now);
        }
    }

    /** How overdue a timer must be before sysmon runs it itself. */
    private static final long SYSMON_GRACE_NS = 1_000_000;

    /**
     * Sysmon's timer check (Go's sysmon: "poll network if not polled for more than 10ms" and
     * "start an M to run overdue timers"): if a timer is over 1ms overdue and no M sleeps for it
     * (no sleeper, or one whose deadline is later: it read the heaps while the timer was out of
     * them), every P is busy with goroutines that do not reach the scheduler (or, after sysmon's
     * deep sleep, the sleeper was lost); run the due timers from sysmon's thread (readied
     * goroutines go to the global queue, which sysmon's retake serves, or an idle P's M that
     * wakep starts). Returns whether it ran any. Sysmon only.
     */
    static boolean sysmonCheck() {
        long e = earliest();
        if (e == 0 || e > nanotime() - SYSMON_GRACE_NS || TimerSleeper.sleepsFor(e)) {
            return false;
        }
        runAll(nanotime());
        return true;
    }
}
