package dev.gort.runtime;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/*
 * Timers: the runtime's timers, after Go's src/runtime/time.go (Go >= 1.14 per-P heaps, with Go
 * 1.23's synchronous timer channels).
 *
 * Concepts
 * --------
 * A Timer (Go's runtime timer) is a deadline `when` (Timers.nanotime, > 0; 0 = inactive), an
 * optional `period`, and a function f(arg, seq, delay) to call when it expires. Timers live in
 * heaps: one Timers heap per P (P.timers, Go's p.timers) plus one global heap for timers set by
 * threads that hold no P (main, platform threads, the JDK's threads). Each heap is a 4-ary
 * min-heap on when, as Go's, with its own lock, so any thread may add to or remove from any heap.
 * No timer has a thread: 100,000 sleeping goroutines are 100,000 small objects in heaps.
 *
 * Who runs expired timers
 * -----------------------
 *  1. checkTimers(pp): every findRunnable round on an M runs its own P's expired timers and the
 *     global heap's (one volatile read each when nothing is due). f runs on the M, holding its P,
 *     so a goroutine it readies lands on this P's run queue (Proc.ready's "M itself" case).
 *  2. stealTimers(p2): in stealWork's last round, an M looking for work also runs the expired
 *     timers of the Ps it tries to steal from (Go's stealWork does the same).
 *  3. The timer sleeper ("Timers and idle Ms"): when an M gives up its P in findRunnable and
 *     timers are pending, instead of sleeping on its note for ever it becomes the one sleeper M
 *     and parks until the earliest deadline over ALL heaps (global, every P's, dead Ps' too). At
 *     the deadline it takes an idle P if there is one, runs every expired timer with it, and goes
 *     back into findRunnable to run what they readied; with no idle P (every P is busy, so each
 *     checks its own heap) it runs the expired idle-heap timers without a P (readied goroutines go
 *     to the global queue) and sleeps again. This is Go's "last M blocks in netpoll with a
 *     timeout" without a netpoller. An M that gives up its P while a timer is already due runs
 *     it itself the same way instead of waking the sleeper: the OS is running this M now, while
 *     a parked sleeper on a loaded machine waited up to 50ms for a CPU in testing.
 *  4. sysmonCheck: sysmon runs timers that are over 1ms overdue when no M sleeps for them (every
 *     P busy with goroutines that do not come back to the scheduler).
 * A P that goes idle without its M (handoffp after a syscall or retake) calls wakeNetPoller, so
 * its heap's timers get a sleeper too.
 *
 * Timers and idle Ms (the wake-up protocol)
 * ------------------------------------------
 * `sleeper` is the sleeping M or null; `sleepUntil` its deadline, 0 while it is computing one.
 *  - A setter adds the timer to a heap (a volatile write of that heap's minWhen), then reads
 *    sleeper/sleepUntil: if a sleeper exists and sleepUntil is 0 or later than the new when, it
 *    unparks the sleeper; if there is none, it calls wakep() so an idle P gets an M, which will
 *    give up and become the sleeper (unless busy Ps will see the timer: a goroutine's own P does).
 *  - The sleeper claims the role (CAS), writes sleepUntil = 0, reads every heap's minWhen, writes
 *    sleepUntil = deadline, parks. Before it gives the role up it writes sleeper = null and then
 *    re-reads the heaps, claiming again if a timer appeared.
 *  - stop of the very timer the sleeper sleeps for (its when == sleepUntil) unparks the sleeper,
 *    which recomputes or, with no timer left, stops: otherwise checkdead would count it busy until
 *    a deadline that no longer exists. (A stop that races the sleeper's own computation may miss
 *    it; the sleeper then wakes at the old deadline, finds nothing due, and sleeps on.)
 * Every access here is volatile (sequentially consistent), so in both pairs one side sees the
 * other's write (the same "Dekker" argument as Proc's delicate dance): no timer is left with
 * every P idle and no sleeper.
 *
 * Stop and reset
 * --------------
 * Each Timer has a lock, mu (an RLock of rank TIMER, taken before any heap's lock). mu guards the
 * timer's state (when, period, seq); its heap position (ts, idx, heapWhen) changes only under both
 * mu and the lock of the heap concerned, so a holder of either may read it. stop/reset take mu,
 * bump seq, remove the timer from its heap eagerly (O(log n)) and, for reset, add it back to the
 * caller's heap. A runner locks the first due timer before taking it out of the heap: under the
 * heap lock it may only tryLock mu (the order is mu first); if that fails it drops the heap lock,
 * takes mu and then the heap lock, and re-checks that the timer is still first and due. So a
 * timer in a heap is always armed (when == heapWhen), and a runner fires exactly what it removed.
 * (gort once popped timers under the heap lock alone: a reset that saw ts == null mid-pop re-added
 * the timer elsewhere, and the popper's late idx = -1 landed on it; a later stop then removed
 * index -1, or, with a stale positive index, silently removed another timer.)
 *
 * Timer channels (Go 1.23): for a timer with a channel (drain != null), f (a non-blocking send
 * into a 1-slot channel) runs while holding mu, and stop/reset drain the channel under mu too. So
 * once stop or reset has returned, no value sent for the old setting can be received, and stop
 * reports true if it drained an unreceived value, as Go's does.
 *
 * Synctest bubbles
 * ----------------
 * A timer made by a member of a bubble (Timer.bubble) lives in the bubble's own heap, on the bubble's
 * fake clock (Bubble.clock; Time.when and timeSleep use it): no M looks at that heap; the bubble fires
 * it (runShuffled, in a random order among timers due at once) when its members are all durably
 * blocked and the clock advances, or at once when a member sets it already due. reset and stop from
 * outside the bubble panic, as Go's.
 *
 * Invariants
 * ----------
 *  - A timer is in at most one heap; t.ts == the heap it is in, else null.
 *  - t.when == 0 iff the timer is not pending (never set, stopped, or fired without period).
 *  - A timer in a heap is pending and t.heapWhen == t.when (both written under mu).
 *  - heap minWhen == heap[0].heapWhen, or 0 when empty; written under the heap lock.
 *
 * Rejected alternatives
 * ---------------------
 *  - A ScheduledThreadPoolExecutor or one timer thread (Go before 1.14's timerproc): an extra
 *    thread hop per timer, and the scheduler would not know that a timer is pending.
 *  - LockSupport.parkNanos in each sleeping goroutine: the JDK's own timer machinery (one
 *    unparker thread for custom schedulers), invisible to the deadlock detector and to dumps.
 *  - Lazy deletion (Go marks stopped timers and cleans the heap later): eager removal is simpler
 *    with a per-heap lock and costs O(log n), which the per-P heaps keep small.
 *
 * Differences from Go
 * -------------------
 *  - Go's timers are moved off a P that is destroyed (moveTimers); gort leaves them in the dead
 *    P's heap, which the sleeper still scans.
 *  - A reset timer moves to the resetting thread's heap (Go's too), but timers set without a P go
 *    to one global heap.
 *  - Go's sysmon starts an M when timers are overdue on Ps that are all busy; gort's sysmon runs
 *    such timers itself (sysmonCheck), after a 1ms grace that leaves them to the schedulers first.
 *  - Timer channels keep a 1-slot buffer (Go 1.23 reports len and cap 0; gort's Chan reports 1).
 *  - No timer-channel garbage collection trick: a pending timer is referenced by its heap.
 */
/** The runtime's timer heaps (Go's time.go). Internal: dev.gort.time is the API. */
public final class Timers {
    /** The function a timer calls: arg, the timer's seq when it fired, how late it fired (ns). */
    @FunctionalInterface
    public interface TimerFunc {
        void fire(Object arg, long seq, long delay);
    }

    /** Go's runtime timer. */
    public static final class Timer implements Blocker {
        private final TimerFunc f;
        private final Object arg;
        /** For a timer channel: drains it, returning whether a value was there. Null otherwise. */
        private final BooleanSupplier drain;
        /** The synctest bubble it was made in (its heap and clock are the bubble's), or null. Immutable. */
        final Bubble bubble;

        /** Guards when, period, seq, and (with the heap's lock) heap membership. LockRank.TIMER. */
        private final RLock mu = new RLock(LockRank.TIMER);

        // -- under mu
        /** Deadline (nanotime) while pending, else 0. */
        private long when;
        /** Repeat interval (ns), 0 for one-shot. */
        private long period;
        /** Bumped by every stop and reset. */
        private long seq;

        // -- written under mu and the lock of the heap the timer is in; read under either
        /** The heap holding the timer, or null. */
        private Timers ts;
        private int idx = -1;
        private long heapWhen;

        /** A stopped timer calling f(arg, seq, delay) when it fires; drain non-null for a timer channel. */
        public Timer(TimerFunc f, Object arg, BooleanSupplier drain) {
            if (f == null) {
                throw new NullPointerException("Timer: f is null");
            }
            this.f = f;
            this.arg = arg;
            this.drain = drain;
            this.bubble = Bubble.currentIfAny();
        }

        /**
         * Go's timer.reset: (re)arm the timer to fire at when (nanotime) and then every period ns
         * if period > 0. Returns whether it was pending (or, for a channel, held an unreceived
         * value). when must be > 0. Any thread.
         */
        public boolean reset(long when, long period) {
            if (when <= 0) {
                throw new IllegalArgumentException("Timer.reset: when must be positive, got " + when);
            }
            if (period < 0) {
                throw new IllegalArgumentException("Timer.reset: negative period " + period);
            }
            boolean pending;
            Timers h;
            if (bubble != null) {
                bubble.checkTimer("reset");
            }
            Race.releaseMerge(this); // setting the timer happens before f runs (Go's racerelease in resettimer)
            mu.lock();
            try {
                seq++;
                pending = this.when != 0;
                removeFromHeap();
                if (drain != null && drain.getAsBoolean()) {
                    pending = true;
                }
                this.when = when;
                this.period = period;
                h = bubble != null ? bubble.timers : target();
                h.add(this, when);
            } finally {
                mu.unlock();
            }
            if (bubble != null) {
                if (when <= bubble.now) {
                    bubble.timerSetDue(); // already due on the fake clock: fire it now (see Bubble)
                }
                return pending; // the bubble fires its own timers
            }
            wakeSleeper(h, when);
            return pending;
        }

        /** Go's timer.stop: returns whether the call prevented the timer from firing (or drained its value). Any thread. */
        public boolean stop() {
            if (bubble != null) {
                bubble.checkTimer("stop");
            }
            long was;
            boolean pending;
            mu.lock();
            try {
                seq++;
                was = when;
                pending = was != 0;
                when = 0;
                removeFromHeap();
                if (drain != null && drain.getAsBoolean()) {
                    pending = true;
                }
            } finally {
                mu.unlock();
            }
            if (was != 0 && was == sleepUntil) {
                // The sleeper M sleeps for this very timer: let it recompute, or stop sleeping if
                // no timer is left, so checkdead does not count it busy until a deadline that is
                // gone (Go removes a stopped timer from the netpoller's wait the same way).
                M s = sleeper;
                if (s != null) {
                    LockSupport.unpark(s);
                }
            }
            return pending;
        }

        /** Whether the timer is pending (a racy snapshot for tests). */
        public boolean pending() {
            mu.lock();
            try {
                return when != 0;
            } finally {
                mu.unlock();
            }
        }

        /** mu must be held. */
        private void removeFromHeap() {
            assert mu.isHeldByCurrentThread() : "removeFromHeap: timer lock not held";
            Timers h = ts; // stable: only a holder of mu changes it
            if (h != null) {
                h.lock.lock();
                try {
                    h.removeAt(idx);
                } finally {
                    h.lock.unlock();
                }
            }
        }

        /**
         * Called by a runner that has just taken this due timer out of heap h at now, holding mu:
         * fires it and releases mu. With a channel, f runs under mu (see "Timer channels").
         */
        private void fireAndUnlock(Timers h, long now) {
            TimerFunc fn;
            long s, delay;
            try {
                delay = now - when;
                s = seq;
                Race.acquire(this);
                if (period > 0) {
                    when += period * (1 + delay / period); // skip missed ticks, as Go
                    h.add(this, when);
                } else {
                    when = 0;
                }
                if (drain != null) {
                    // Go 1.23: send while holding the timer, so stop/reset can drain what we sent.
                    callSafely(f, arg, s, delay);
                    return;
                }
                fn = f;
            } finally {
                mu.unlock();
            }
            callSafely(fn, arg, s, delay);
        }

        @Override
        public boolean touchedByPlatformThread() {
            return false; // a pending timer is reported through Timers.pending()
        }
    }

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
    public static long nanotime() {
        return System.nanoTime() - Proc.startNanos + 1;
    }

    /** The heap a timer set by the calling thread goes to: its P's, or the global one. */
    private static Timers target() {
        M mp = M.current();
        P pp = mp != null ? mp.p : null;
        return pp != null ? pp.timers : global;
    }

    /** Adds t, in no heap, with deadline when. t.mu must be held; takes lock. */
    private void add(Timer t, long when) {
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

    /** Removes heap[i]. lock and heap[i].mu must be held. */
    private void removeAt(int i) {
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
     * both locks and stop/reset, holding its lock, always see where it is (see "Stop and reset").
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

    private static void callSafely(TimerFunc f, Object arg, long seq, long delay) {
        try {
            f.fire(arg, seq, delay);
        } catch (Throwable e) {
            // Timer functions are the runtime's own (goready, a non-blocking send, newproc); one
            // that throws must not take the M down with it.
            System.err.println("gort: timer function threw " + e);
        }
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
    public static boolean pending() {
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
    private static void runAll(long now) {
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
     * "start an M to run overdue timers"): if a timer is over 1ms overdue and no M sleeps for it,
     * every P is busy with goroutines that do not reach the scheduler; run the due timers from
     * sysmon's thread (readied goroutines go to the global queue, which sysmon's retake serves).
     * Returns whether it ran any. Sysmon only.
     */
    static boolean sysmonCheck() {
        long e = earliest();
        if (e == 0 || e > nanotime() - SYSMON_GRACE_NS || sleeper != null) {
            return false;
        }
        runAll(nanotime());
        return true;
    }

    // ================================================================== sleep and afterFunc

    /** A sleeping goroutine's wake-up: set by the timer, then goready. */
    private static final class SleepWait {
        final Thread thread;
        volatile boolean fired;

        SleepWait(Thread thread) {
            this.thread = thread;
        }
    }

    private static final TimerFunc GOREADY = (arg, seq, delay) -> {
        SleepWait w = (SleepWait) arg;
        w.fired = true;
        Proc.goready(w.thread);
    };

    /**
     * Go's timeSleep: park the calling goroutine (reason "sleep") on a runtime timer for ns
     * nanoseconds; a platform thread parks the same way. Not interruptible (the flag is kept).
     * Any thread.
     */
    public static void timeSleep(long ns) {
        if (ns <= 0) {
            return;
        }
        G gp = Proc.currentG();
        SleepWait w = new SleepWait(Thread.currentThread());
        Timer t = new Timer(GOREADY, w, null);
        long when = Bubble.clock() + ns; // the bubble's fake clock inside a synctest bubble
        if (when <= 0) {
            when = Long.MAX_VALUE; // overflow: sleep for ever, as Go's maxWhen
        }
        t.reset(when, 0);
        boolean interrupted = false;
        while (!w.fired) {
            Proc.gopark(gp, WaitReason.SLEEP, t);
            if (Thread.interrupted()) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * A stopped timer that, each time it fires, starts f as a new goroutine of the caller's run
     * (Go's goFunc for time.AfterFunc). Any thread.
     */
    public static Timer newGoFuncTimer(Runnable f) {
        if (f == null) {
            throw new NullPointerException("afterFunc: f is null");
        }
        G gp = Proc.currentG();
        Run run = gp != null ? gp.run : null;
        Bubble b = gp != null ? gp.bubble : null;
        return new Timer((arg, seq, delay) -> Proc.newproc1(f, run, false, b), null, null);
    }

    // ================================================================== the sleeper (see the essay)

    /** The M sleeping until the earliest deadline, or null. CAS by Ms in findRunnable. */
    private static volatile M sleeper;
    /** The sleeper's deadline (nanotime), 0 while it computes one. Written by the sleeper. */
    private static volatile long sleepUntil;

    /** After adding a timer due at when to heap h: make sure some M will wake for it. Any thread. */
    private static void wakeSleeper(Timers h, long when) {
        M s = sleeper;
        if (s != null) {
            long u = sleepUntil;
            if (u == 0 || when < u) {
                LockSupport.unpark(s);
            }
            return;
        }
        if (h != global && M.current() != null) {
            return; // a goroutine's own P checks its heap at its next schedule
        }
        Proc.schedinit(); // a timer set before any goroutine starts the runtime, so an M can run it
        Proc.wakep();
    }

    /**
     * Go's wakeNetPoller for a P that just went idle without an M (handoffp): if its heap holds
     * timers, make sure the sleeper knows or an M comes to sleep for them. Any thread.
     */
    static void wakeNetPoller(P pp) {
        long w = pp.timers.minWhen;
        if (w != 0) {
            wakeSleeper(global, w);
        }
    }

    /**
     * Called by findRunnable after this M gave up its P, in place of stopm while timers are
     * pending: run the timers that are already due, or become the sleeper and sleep until the
     * earliest deadline. Returns true when it has acquired a P for mp (findRunnable then starts a
     * new round), false when no timer is pending any more or another M is the sleeper
     * (findRunnable then calls stopm). This M only, holding no P.
     */
    static boolean timerSleep(M mp) {
        assert mp.p == null : "timerSleep: holding a P";
        for (;;) {
            long e = earliest();
            if (e == 0) {
                return false;
            }
            if (e <= nanotime()) {
                // Due now: run them on this M, which the OS is running, rather than hand them to a
                // sleeper that first has to be scheduled (on a loaded machine that took 50ms).
                if (runDue(mp)) {
                    return true;
                }
                continue;
            }
            if (!SLEEPER.compareAndSet(null, mp)) {
                M s = sleeper;
                if (s != null) {
                    LockSupport.unpark(s); // let it recompute: our P's timers may be earlier
                    return false;
                }
                continue; // the sleeper just left; try to take its place
            }
            try {
                for (;;) {
                    sleepUntil = 0;
                    long next = earliest();
                    if (next == 0) {
                        break;
                    }
                    long now = nanotime();
                    if (next <= now) {
                        SLEEPER.set(null);
                        if (runDue(mp)) {
                            return true;
                        }
                        break; // no idle P: ran them without one; go round (reclaim the role)
                    }
                    sleepUntil = next;
                    LockSupport.parkNanos(Timers.class, next - now);
                    Thread.interrupted(); // an M is never interrupted on purpose; do not spin if it is
                }
            } finally {
                if (sleeper == mp) {
                    sleepUntil = 0;
                    SLEEPER.set(null);
                }
            }
            // Gave up the role: a setter may have seen us and not called wakep. Re-check (loop top).
        }
    }

    /**
     * Runs every due timer from this M. With an idle P it acquires the P first, so the goroutines
     * the timers ready land on it, and returns true (findRunnable then runs them); otherwise it
     * runs them without a P (they go to the global queue) and returns false. If timers remain
     * pending, another M is woken to sleep for them. This M only, holding no P.
     */
    private static boolean runDue(M mp) {
        P pp = Proc.pidlegetLocked();
        if (pp == null) {
            runAll(nanotime()); // every P is busy: readied goroutines go to the global queue
            return false;
        }
        Proc.acquirep(mp, pp);
        runAll(nanotime());
        if (earliest() != 0 && sleeper == null) {
            Proc.wakep(); // another M takes over sleeping for the rest
        }
        return true;
    }

    private static final VarHandle SLEEPER;

    static {
        try {
            SLEEPER = MethodHandles.lookup().findStaticVarHandle(Timers.class, "sleeper", M.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
