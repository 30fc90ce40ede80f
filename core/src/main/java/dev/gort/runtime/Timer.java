package dev.gort.runtime;

import java.util.function.BooleanSupplier;

/*
 * Timer: one runtime timer, after Go's src/runtime/time.go (type timer, its modify/reset/stop and
 * unlockAndRun, timeSleep; Go 1.23's synchronous timer channels) and time/sleep.go's goFunc.
 *
 * Concepts
 * --------
 * A Timer (Go's runtime timer) is a deadline `when` (Timers.nanotime, > 0; 0 = inactive), an
 * optional `period`, and a function f(arg, seq, delay) to call when it expires. A pending timer
 * sits in one heap (Timers: a P's, the global one, or a synctest bubble's); no timer has a thread:
 * 100,000 sleeping goroutines are 100,000 small objects in heaps. A sleeping goroutine (timeSleep)
 * parks with reason "sleep" on a timer whose f readies it; time.AfterFunc's timer
 * (newGoFuncTimer) starts a goroutine.
 *
 * Stop and reset
 * --------------
 * Each Timer has a lock, mu (an RLock of rank TIMER, taken before any heap's lock). mu guards the
 * timer's state (when, period, seq); its heap position (ts, idx, heapWhen) changes only under both
 * mu and the lock of the heap concerned (see "Locks" in Timers). stop/reset take mu, bump seq,
 * remove the timer from its heap eagerly (O(log n)) and, for reset, add it back to the caller's
 * heap (its P's, or the global one for a thread without a P) if it belongs in one (a channel
 * timer does only while a receiver waits: "Timer channels"). Then reset makes sure an M will
 * wake for the new deadline (TimerSleeper.wakeSleeper), and stop lets the sleeper M go if it slept
 * for this very timer (TimerSleeper.timerStopped). A runner fires a timer it took out of a heap
 * while holding mu (fireAndUnlock), so it fires exactly the setting it removed: a period moves
 * when on by whole periods and puts the timer back.
 *
 * Timer channels (Go 1.23): for a timer with a channel (drain != null), f (a non-blocking send
 * into a 1-slot channel) runs while holding mu, and stop/reset drain the channel under mu too. So
 * once stop or reset has returned, no value sent for the old setting can be received, and stop
 * reports true if it drained an unreceived value, as Go's does. A receiver fires a due timer
 * itself (maybeRunChan, called by HChan before a receive), so a receive after the deadline never
 * finds the channel empty; stop and reset's drain is such a receive, and finds the timer already
 * out of its heap or stopped.
 * Such a timer (outside bubbles) is in a heap only while some receiver waits on its channel, as
 * Go's needsAdd: reset leaves it out of the heaps; a receive or select about to park counts
 * itself in `blocked` and puts the pending timer into its heap (blockChan), and the last of them
 * to stop waiting takes it out (unblockChan); a ticker fired with nobody waiting is not put back.
 * Nothing then references a timer whose channel nobody waits on but its owner, so an
 * unreferenced Timer or Ticker is garbage at once, fired or not (Go 1.23's timer GC: TestTimerGC);
 * and a program whose goroutines all wait elsewhere is deadlocked, however many such timers are
 * pending, as in Go. A value is never lost by this: whoever receives fires the due timer itself.
 *
 * Synctest bubbles
 * ----------------
 * A timer made by a member of a bubble (Timer.bubble) lives in the bubble's own heap, on the bubble's
 * fake clock (Bubble.clock; Time.when and timeSleep use it): no M looks at that heap; the bubble fires
 * it (Timers.runShuffled, in a random order among timers due at once) when its members are all
 * durably blocked and the clock advances, or at once when a member sets it already due. reset and
 * stop from outside the bubble panic, as Go's.
 *
 * Invariants
 * ----------
 *  - t.when == 0 iff the timer is not pending (never set, stopped, or fired without period).
 *  - A timer is in at most one heap; t.ts == the heap it is in, else null.
 *  - A timer in a heap is pending and t.heapWhen == t.when (both written under mu).
 *  - A channel timer outside bubbles is in a heap iff it is pending and blocked > 0 (under mu).
 *
 * Rejected alternatives
 * ---------------------
 *  - LockSupport.parkNanos in each sleeping goroutine: the JDK's own timer machinery (one
 *    unparker thread for custom schedulers), invisible to the deadlock detector and to dumps.
 *  - Lazy deletion (Go marks stopped timers and cleans the heap later): eager removal is simpler
 *    with a per-heap lock and costs O(log n), which the per-P heaps keep small.
 *
 * Differences from Go
 * -------------------
 *  - A reset timer moves to the resetting thread's heap (Go's too), but a thread without a P
 *    puts it in the one global heap (Timers).
 *  - Go's stop does not wake the M sleeping in netpoll (it wakes at the old deadline and finds
 *    nothing); gort's stop wakes the timer sleeper, so checkdead does not count it busy until a
 *    deadline that is gone.
 *  - Timer channels keep a 1-slot buffer, as Go 1.23's do, and report len and cap 0 as Go's.
 *  - The last waiter's unblockChan takes a channel timer out of its heap at once; Go marks it a
 *    zombie, left for a heap runner to drop when it comes due or for a sweep once a quarter of
 *    the heap are zombies, and a new waiter revives it. Eager removal keeps the invariants above
 *    and gort's eager stop; it costs a heap removal and add per wait, and wakes the sleeper M
 *    when it sleeps for that very timer (TimerSleeper.timerStopped), where Go's zombie lets
 *    netpoll sleep on. In exchange a zombie never holds off the deadlock report, as Go's does
 *    (its checkdead counts every heap entry).
 */
/** Go's runtime timer (time.go's timer). Internal: dev.gort.time is the API. */
public final class Timer implements Blocker {
    /** The function a timer calls: arg, the timer's seq when it fired, how late it fired (ns). */
    @FunctionalInterface
    public interface Func {
        void fire(Object arg, long seq, long delay);
    }

    private final Func f;
    private final Object arg;
    /** For a timer channel: drains it, returning whether a value was there. Null otherwise. */
    private final BooleanSupplier drain;
    /** The synctest bubble it was made in (its heap and clock are the bubble's), or null. Immutable. */
    final Bubble bubble;

    /** Guards when, period, seq, and (with the heap's lock) heap membership. LockRank.TIMER. */
    final RLock mu = new RLock(LockRank.TIMER);

    // -- under mu
    /** Deadline (nanotime) while pending, else 0. */
    long when;
    /** Repeat interval (ns), 0 for one-shot. */
    private long period;
    /** Bumped by every stop and reset. */
    long seq;
    /**
     * Go's blocked: receivers between blockChan and unblockChan on this timer's channel (a
     * channel timer outside bubbles only; see "Timer channels").
     */
    private int blocked;

    // -- written under mu and the lock of the heap the timer is in; read under either (Timers)
    /** The heap holding the timer, or null. */
    Timers ts;
    /** Its index in ts's heap, -1 when in none. */
    int idx = -1;
    /** The deadline the heap orders it by (== when while in a heap). */
    long heapWhen;

    /** A stopped timer calling f(arg, seq, delay) when it fires; drain non-null for a timer channel. */
    public Timer(Func f, Object arg, BooleanSupplier drain) {
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
        boolean pending, added;
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
            added = needsHeap();
            if (added) {
                (bubble != null ? bubble.timers : Timers.target()).add(this, when);
            }
        } finally {
            mu.unlock();
        }
        if (bubble != null) {
            if (when <= bubble.now) {
                bubble.timerSetDue(); // already due on the fake clock: fire it now (see Bubble)
            }
            return pending; // the bubble fires its own timers
        }
        if (added) {
            TimerSleeper.wakeSleeper(when);
        }
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
        if (was != 0 && bubble == null) {
            TimerSleeper.timerStopped(was); // (a bubble's deadline is on its fake clock: no M sleeps for it)
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
     * Go's unlockAndRun. Called holding mu by a runner that has just taken this due timer out of
     * heap h at now, or by a receiver firing a channel timer that was in no heap (h null):
     * fires it and releases mu. With a channel, f runs under mu (see "Timer channels").
     */
    void fireAndUnlock(Timers h, long now) {
        Func fn;
        long s, delay, next = 0;
        boolean again = period > 0;
        try {
            delay = now - when;
            s = seq;
            Race.acquire(this);
            if (again) {
                long w = when + period * (1 + delay / period); // skip missed ticks, as Go
                when = w < 0 ? Long.MAX_VALUE : w; // overflow: never again (Go's maxWhen)
                if (needsHeap()) { // a ticker's channel nobody waits on stays out (Go's needsAdd)
                    next = when;
                    (h != null ? h : Timers.target()).add(this, when);
                }
            } else {
                when = 0;
            }
            if (drain != null) {
                // Go 1.23: send while holding the timer, so stop/reset can drain what we sent.
                callSafely(f, arg, s, delay);
                fn = null;
            } else {
                fn = f;
            }
        } finally {
            mu.unlock();
        }
        if (next != 0 && bubble == null) {
            // A re-add is an add: the sleeper may have read the heaps while this timer was out of
            // its heap and be sleeping past its next tick (see TimerSleeper's protocol). A bubble's
            // ticker is the bubble's to fire, on its fake clock, which no M sleeps for.
            TimerSleeper.wakeSleeper(next);
        }
        if (fn != null) {
            callSafely(fn, arg, s, delay);
        }
    }

    private static void callSafely(Func f, Object arg, long seq, long delay) {
        try {
            f.fire(arg, seq, delay);
        } catch (Throwable e) {
            if (Proc.isCrash(e)) {
                Proc.crashed(); // the runtime threw on the ready path: report it (Proc's "A runtime throw")
                return;
            }
            // Timer functions are the runtime's own (goready, a non-blocking send, newproc); one
            // that throws must not take the M down with it.
            System.err.println("gort: timer function threw " + e);
        }
    }

    /**
     * Go 1.23's maybeRunChan: a receiver on this timer's channel fires the timer itself if it is
     * due, as a heap runner would (take it out of its heap if it is in one, then fireAndUnlock),
     * so that a receive after the deadline finds the value though no M has run a heap: the timer
     * is in none while nobody waits on its channel, or its P is busy. A bubble's timers are the
     * bubble's to fire. Called by HChan and SelectGo before they lock the channel.
     */
    void maybeRunChan() {
        if (bubble != null) {
            return;
        }
        // No racy look at when first: a heap runner sets when (to 0, or to a ticker's next tick)
        // under mu before it sends, so a receiver that read when without mu could return while
        // the value it waits for is being sent, and find the channel empty. Under mu, a firing in
        // progress has finished: its value is in the channel.
        Timers h = null;
        long now = 0;
        boolean fire = false;
        mu.lock();
        try {
            now = Timers.nanotime();
            h = ts;
            if (when != 0 && when <= now) {
                removeFromHeap();
                fire = true;
            }
        } finally {
            if (!fire) {
                mu.unlock();
            }
        }
        if (fire) {
            fireAndUnlock(h, now); // releases mu
        }
    }

    /**
     * Go's needsAdd: whether this pending timer belongs in a heap. A channel timer outside
     * bubbles does only while a receiver is blocked on its channel ("Timer channels"). mu held.
     */
    private boolean needsHeap() {
        return when != 0 && ts == null && (drain == null || bubble != null || blocked > 0);
    }

    /**
     * Go's blockTimerChan: a receiver (a blocking receive, or a select with a receive case on this
     * timer's channel) is about to park: the timer goes into a heap if pending, so that some M
     * fires it. Called after the receiver's sudog is queued and the channel lock released, before
     * the park; unblockChan must follow, in a finally. Any thread.
     */
    void blockChan() {
        if (bubble != null) {
            return; // a bubble's timers are always in its heap (Go's isFake)
        }
        long w = 0;
        mu.lock();
        try {
            blocked++;
            if (needsHeap()) {
                w = when;
                Timers.target().add(this, w);
            }
        } finally {
            mu.unlock();
        }
        if (w != 0) {
            TimerSleeper.wakeSleeper(w);
        }
    }

    /**
     * Go's unblockTimerChan: the receiver blockChan counted is done waiting. With no receiver left
     * the timer leaves its heap, eagerly (Go marks it a zombie and cleans the heap later), so an
     * unreferenced timer is garbage at once. Any thread.
     */
    void unblockChan() {
        if (bubble != null) {
            return;
        }
        long was = 0;
        mu.lock();
        try {
            if (--blocked == 0 && ts != null) {
                was = when;
                removeFromHeap();
            }
        } finally {
            mu.unlock();
        }
        if (was != 0) {
            TimerSleeper.timerStopped(was);
        }
    }

    @Override
    public boolean touchedByPlatformThread() {
        return false; // a pending timer is reported through Timers.pending()
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

    private static final Func GOREADY = (arg, seq, delay) -> {
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
}
