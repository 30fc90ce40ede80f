package dev.gort.runtime;

import dev.gort.FatalError;
import dev.gort.Panic;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiFunction;

/*
 * Bubble: a synctest bubble, after Go's src/runtime/synctest.go (synctestBubble, changegstatus,
 * maybeWakeLocked, synctestRun, synctestWait, synctestidle_c). The API is dev.gort.synctest.
 *
 * Concepts
 * --------
 * A bubble is a set of goroutines (its members: the root, started by Synctest.test, and every
 * goroutine started by a member or by one of the bubble's timers) with:
 *  - a fake clock `now` (Unix nanoseconds, starting at 2000-01-01T00:00:00Z as Go's), and its own
 *    timer heap (a Timers instance no M ever looks at): every timer set by a member goes there;
 *  - its own run queue `runq` and a token: at most one member runs at a time. The holder of the
 *    token is `token`: a member (dispatched to the GMP scheduler, running or about to run), or
 *    TIMERS while some thread fires the bubble's due timers. Members are therefore serialised
 *    whatever GOMAXPROCS is, and every choice among them is the bubble's own;
 *  - a PRNG (SplitMix64) that makes every choice: which queued member runs next, which ready case
 *    a member's select takes, and (seeded schedules) where a member's time slice ends. Each choice
 *    is folded into a 64-bit decision-log hash.
 *
 * A member is durably blocked when it is parked and only another member can wake it: parked (Go's
 * wait reasons) on a channel made in the bubble, a select whose channels were all made in the
 * bubble, a nil channel or select {}, Cond.await, a Mutex or RWMutex made in the bubble (beyond Go,
 * since gort owns them), a WaitGroup whose count was started in the bubble (Go's rule: the add that
 * starts its counter from 0 moves its Sema to the adder's bubble), a sleep on the bubble's clock, or
 * Synctest.await. Anything else (JDK code, I/O, channels or locks made outside) is not durable:
 * something outside may wake it. `why` records the reason for the dump.
 *
 * Protocol
 * --------
 *  - Proc.ready routes a member to ready() below (one field check on the hot path): the member
 *    leaves the durable set and joins runq (at most once), then schedule().
 *  - Proc.execute calls stopped() after a member's continuation returned (it parked, yielded or
 *    ended): the token is released; a DEAD member leaves the bubble; a parked one is classified
 *    durable or not. Then schedule().
 *  - schedule(), when nobody holds the token, in this order (maybeWakeLocked's order):
 *      1. a queued member: pick one (PRNG or PCT priority), give it the token, and hand it to the
 *         GMP scheduler (Proc.runqready, normally this M's runnext);
 *      2. timers due at `now`: take the token as TIMERS, fire them without the lock (they ready
 *         members, start afterFunc goroutines, send on timer channels), give the token back;
 *      3. no member left: the bubble is done (Synctest.test returns; its caller, when a goroutine,
 *         waits parked with Go's reason "synctest.Run", which the deadlock detector reads: a bubble
 *         stuck on something outside it, with nothing else left to run, is Go's "all goroutines
 *         are asleep", see Checkdead's "Bubbles");
 *      4. some member is not durably blocked (running outside the token's view, pinned, parked
 *         non-durably, or in transit between markRunnable and ready): wait for its ready;
 *      5. all durably blocked, a member in await: wake it;
 *      6. all durably blocked, the root alive and a timer pending: advance `now` to it (loop);
 *      7. otherwise: deadlock, with Go's message and the bubble's dump.
 *  - Seeded schedules (PCT, Burckhardt et al. 2010): every member gets a random priority; the
 *    queued member with the highest priority runs; a member that readies or starts a member of
 *    higher priority is asked to yield, and at a few random steps (change points) the running
 *    member drops below everyone and is asked to yield. A yield request is honoured at the next
 *    yield point (Proc.goready and Proc.newproc1: one static-volatile check when no seeded bubble
 *    is live) or when the member parks. Sysmon's time slices are ignored for seeded members.
 *
 * Invariants (under lock)
 * -----------------------
 *  - token != null iff a member is dispatched and has not stopped yet, or timers are being fired;
 *  - a member is in runq at most once (Member.queued); a queued member is not durable;
 *  - blocked == the number of members with durable set; blocked <= members.size();
 *  - the clock only moves forward, only in step 6, and never after the root has exited.
 *
 * Determinism. In a seeded bubble every event that changes the run queue comes from the token
 * holder (a member's goready or go statement, a timer fired by the bubble) and the choices come from
 * the PRNG, so the decision sequence is a function of the seed and the program. A wake-up from
 * elsewhere (a platform thread, the JDK's timed parks, monitor unblocker or poller, a channel made
 * outside) cannot be ordered: it is counted in `outside` and the dump and Schedule say so.
 *
 * Lock order (LockRank): a timer's lock, a channel's, a timer heap's -> Bubble.lock -> sched.lock.
 * Timers are fired without Bubble.lock.
 *
 * Rejected alternatives
 * ---------------------
 *  - Go's way: members run in parallel on all Ps and the bubble counts running goroutines in
 *    casgstatus. On the JVM the status word is CASed by any thread (see G), so the count would need
 *    a CAS protocol of its own, and seeded schedules need serialisation anyway. One token gives
 *    both; the cost is that a bubble uses one CPU, which suits tests.
 *  - A dedicated platform thread per bubble running continuations: currentG() and every runtime
 *    path assume the carrier is an M holding a P.
 *  - Rewriting a member's timers to real deadlines: the clock would still move during work.
 *
 * Differences from Go
 * -------------------
 *  - Members run one at a time (see above); Go runs them in parallel.
 *  - Mutex and RWMutex made in the bubble block durably (golang/go#77687).
 *  - A Mutex or RWMutex belongs to the bubble it was created in; one made outside never blocks
 *    durably. A WaitGroup belongs, as Go's, to the bubble of the add that started its count; an
 *    add from elsewhere while the count is above 0 is Go's fatal error (WaitGroup's essay), but
 *    two adds from 0 racing from two places are not caught.
 *  - A panic in a member fails the bubble (Synctest.test throws it); Go's crashes the program.
 *    So does a runtime throw (failAll): every live bubble fails with the FatalError, as every run.
 *  - Go fires a timer read after its deadline when its channel is read; here a member that sets a
 *    timer already due at `now` fires the bubble's due timers at once, which is what Go's tests see.
 */
public final class Bubble implements Blocker {
    /** Live bubbles: the one check outside bubbles (HChan, Sema, Timer). Written under LIVE_LOCK. */
    static volatile int live;
    /** Live seeded bubbles: the yield-point check in goready and newproc. Written under LIVE_LOCK. */
    static volatile int seededLive;
    private static final Object LIVE_LOCK = new Object();
    /** The live bubbles, for a runtime throw to end (failAll). Under LIVE_LOCK. */
    private static final List<Bubble> LIVE_BUBBLES = new ArrayList<>();
    private static long idgen;

    /** Go's synctestBaseTime: midnight UTC 2000-01-01, in Unix nanoseconds. */
    static final long BASE_TIME = 946_684_800_000_000_000L;

    /** The token value while the bubble's timers are being fired. */
    private static final Object TIMERS = new Object();
    /** Set on a thread while it fires this bubble's timers from outside a member. */
    private static final ThreadLocal<Bubble> FIRING = new ThreadLocal<>();

    /** One member's bookkeeping. Under lock. */
    private static final class Member {
        final int id;
        long prio;
        boolean queued;
        boolean durable;
        String why;

        Member(int id, long prio) {
            this.id = id;
            this.prio = prio;
        }
    }

    public final long id;
    /** The seed of the PRNG. Immutable. */
    final long seed;
    /** True for a seeded (PCT) schedule; false for Synctest.test(f). Immutable. */
    final boolean seeded;
    /**
     * The API's deadlock error (dev.gort.synctest.BubbleDeadlockError) from Go's message and the
     * bubble's dump: handed in by Synctest, so the runtime throws it without importing the package
     * above it (docs/design.md, "The house"). Immutable.
     */
    private final BiFunction<String, String, ? extends Throwable> deadlockError;

    final ReentrantLock lock = new RLock(LockRank.BUBBLE);
    /** The fake clock, Unix nanoseconds. Written under lock (step 6); read racily by members. */
    volatile long now = BASE_TIME;
    /** The bubble's timer heap. */
    final Timers timers = new Timers();

    // ---- under lock
    private final IdentityHashMap<G, Member> members = new IdentityHashMap<>();
    private final ArrayList<G> runq = new ArrayList<>();
    private Object token;
    private int blocked;
    private int nextId;
    private G root;
    private boolean rootDone;
    private G waiter;
    /** Step 5 woke waiter: its wake is under way, or it is queued or running (see stalled()); await's end clears it. */
    private boolean waiterWoken;
    private volatile boolean finished; // also read by checkdead (abandoned)
    private volatile Throwable failure;
    private G yieldRequested;
    // PRNG and decision log
    private long rng;
    private long hash = 0xcbf29ce484222325L;
    private long decisions;
    private long outside;
    private String firstOutside;
    // PCT
    private long steps;
    private long[] changePoints = new long[0];
    private long lowPrio;

    private final CountDownLatch done = new CountDownLatch(1);
    /** A goroutine parked in awaitEnd, or null. Written (volatile) by it before it checks done; read by release. */
    private volatile Thread endWaiter;

    /**
     * A bubble with this PRNG seed (seeded: a PCT schedule); deadlockError makes the error a
     * deadlock ends it with, from Go's message and the bubble's dump.
     */
    public Bubble(long seed, boolean seeded, BiFunction<String, String, ? extends Throwable> deadlockError) {
        this.seed = seed;
        this.seeded = seeded;
        this.deadlockError = deadlockError;
        this.rng = seed;
        synchronized (LIVE_LOCK) {
            this.id = ++idgen;
        }
        if (seeded) {
            // PCT with depth 2..4: 1..3 change points uniform over an estimated 8..8192 steps.
            long k = 1L << (3 + nextInt(11));
            int d = 1 + nextInt(3);
            changePoints = new long[d];
            for (int i = 0; i < d; i++) {
                changePoints[i] = 1 + (Long.remainderUnsigned(nextLong(), k));
            }
        }
    }

    // ================================================================== the PRNG (SplitMix64)

    private long nextLong() {
        long z = (rng += 0x9e3779b97f4a7c15L);
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    private int nextInt(int bound) {
        return (int) Long.remainderUnsigned(nextLong(), bound);
    }

    /** Folds one decision into the log hash (FNV-1a over 64-bit words). Under lock. */
    private void log(int kind, long v) {
        decisions++;
        hash = (hash ^ kind) * 0x100000001b3L;
        hash = (hash ^ v) * 0x100000001b3L;
    }

    // ================================================================== lifetime

    /** Starts fn as the bubble's root goroutine. Called by Synctest.test from outside any bubble. */
    public void start(Runnable fn) {
        synchronized (LIVE_LOCK) {
            live++;
            if (seeded) {
                seededLive++;
            }
            LIVE_BUBBLES.add(this);
        }
        FatalError dead = Proc.crashed(); // after the add: a throw misses neither (see failAll)
        if (dead != null) {
            fail(dead);
            return;
        }
        Bubble prev = FIRING.get();
        FIRING.set(this); // the root's first ready is the bubble's own doing
        try {
            Proc.newproc1(fn, null, false, this);
        } finally {
            restore(prev);
        }
    }

    private static void restore(Bubble prev) {
        if (prev == null) {
            FIRING.remove();
        } else {
            FIRING.set(prev);
        }
    }

    /**
     * Waits until every member has exited or the bubble failed; returns the failure or null. A
     * goroutine waits through gopark with Go's reason "synctest.Run" on this bubble, so that the
     * deadlock detector counts it asleep while the bubble's members are (see Checkdead, "Bubbles").
     */
    public Throwable awaitEnd() throws InterruptedException {
        G gp = Proc.currentG();
        if (gp == null) {
            done.await();
            return failure;
        }
        endWaiter = Thread.currentThread(); // Dekker with release(): done is counted down, then endWaiter read
        try {
            while (done.getCount() != 0) {
                Proc.gopark(gp, WaitReason.SYNCTEST_RUN, this);
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
            }
        } finally {
            endWaiter = null;
        }
        return failure;
    }

    /** Only the bubble's members end it, and they are goroutines: a Synctest.test caller parks on it (Checkdead). */
    @Override
    public boolean touchedByPlatformThread() {
        return false;
    }

    /**
     * Whether the bubble waits, with nothing to do, for a member that is not durably blocked (step 4
     * of the protocol): its clock cannot move and its awaiting member cannot be woken until something
     * outside the bubble wakes that member. Checkdead's question for a member asleep on the fake clock
     * (see Checkdead, "Bubbles"). Not while step 5's wake of the awaiting member is under way
     * (waiterWoken): from the unlock to the unpark's ready that member is neither durable nor
     * queued, and still parked, yet it is about to run. Any thread holding no runtime lock.
     */
    boolean stalled() {
        lock.lock();
        try {
            return token == null && !finished && runq.isEmpty() && !timerDue() && !members.isEmpty()
                    && blocked != members.size() && !waiterWoken;
        } finally {
            lock.unlock();
        }
    }

    /** Ends the bubble. Under lock. */
    private void finish(Throwable t) {
        if (finished) {
            return;
        }
        finished = true;
        failure = t;
        release();
    }

    /** The bubble has ended (finished is set): update the live counts and wake Synctest.test. */
    private void release() {
        synchronized (LIVE_LOCK) {
            live--;
            if (seeded) {
                seededLive--;
            }
            LIVE_BUBBLES.remove(this);
        }
        done.countDown();
        Thread w = endWaiter;
        if (w != null) {
            LockSupport.unpark(w); // under lock: a bare unpark, never a seeded yield point
        }
    }

    /** A member's exception ended it: the bubble fails with it. Called by Proc.panicked. */
    void fail(Throwable t) {
        lock.lock();
        try {
            finish(t);
        } finally {
            lock.unlock();
        }
    }

    /**
     * A runtime throw ends every live bubble with its error, as it ends every run (Proc's "A runtime
     * throw"): the members may never run again. A bubble that starts meanwhile adds itself to the
     * live list and then reads the crash, and this reads the list after the crash was set, so one
     * of them sees the other. Called by Proc.crashed, holding no runtime lock.
     */
    static void failAll(Throwable t) {
        Bubble[] bs;
        synchronized (LIVE_LOCK) {
            bs = LIVE_BUBBLES.toArray(new Bubble[0]);
        }
        for (Bubble b : bs) {
            b.fail(t);
        }
    }

    /** True once the bubble failed: its remaining members are abandoned (checkdead ignores them). */
    boolean abandoned() {
        return finished && failure != null;
    }

    /** newproc made gp in this bubble (before starting it). */
    void add(G gp) {
        lock.lock();
        try {
            Member m = new Member(++nextId, seeded ? (nextLong() >>> 1) : 0);
            if (seeded) {
                log(1, m.prio);
            }
            members.put(gp, m);
            if (root == null) {
                root = gp;
            }
        } finally {
            lock.unlock();
        }
    }

    // ================================================================== who is calling

    /** The bubble of the calling goroutine (or of the timers the calling thread fires), or null. */
    static Bubble current() {
        G g = Proc.currentG();
        return g != null ? g.bubble : FIRING.get();
    }

    /** current(), or null at the cost of one volatile read when no bubble is live. */
    static Bubble currentIfAny() {
        return live == 0 ? null : current();
    }

    /** Whether the ready of gp comes from inside the bubble (see Determinism). */
    private boolean internalReady(G gp) {
        if (FIRING.get() == this) {
            return true;
        }
        G cur = Proc.currentG();
        if (cur != null) {
            return cur.bubble == this;
        }
        return Thread.currentThread() instanceof M && gp == token;
    }

    // ================================================================== the scheduler hooks

    /** Proc.ready for a member (gp marked runnable). Any thread. */
    void ready(G gp) {
        boolean internal = internalReady(gp);
        G cur = internal ? Proc.currentG() : null;
        // Thread.yield (Go.gosched, Go.checkPreempt) or a park that raced with an unpark: the JDK
        // resubmits the token holder from its M.
        boolean selfYield = internal && cur == null && gp == token && Thread.currentThread() instanceof M;
        boolean exited = false;
        lock.lock();
        try {
            Member m = members.get(gp);
            if (m == null || finished) {
                // exited (a DEAD thread's last steps): not ours to serialise any more; or the
                // bubble failed and its members are abandoned
                exited = m == null;
                return;
            }
            if (m.durable) {
                m.durable = false;
                blocked--;
            }
            if (!m.queued) {
                m.queued = true;
                runq.add(gp);
            }
            if (selfYield && seeded) {
                m.prio = --lowPrio; // a yield is a priority change point, or a spin loop would livelock
                log(8, m.id);
            }
            if (!internal) {
                outside++;
                if (firstOutside == null) {
                    firstOutside = "thread \"" + Thread.currentThread().getName() + "\" readied goroutine " + gp.goid;
                }
            }
            if (seeded && cur != null && cur == token && cur != gp) {
                Member mc = members.get(cur);
                long step = ++steps;
                boolean preempt = false;
                for (long cp : changePoints) {
                    if (cp == step) {
                        mc.prio = --lowPrio;
                        preempt = true;
                    }
                }
                preempt |= m.prio > mc.prio;
                log(2, preempt ? 1 : 0);
                if (preempt) {
                    yieldRequested = cur;
                }
            }
        } finally {
            lock.unlock();
            if (exited) {
                Proc.runqready(gp);
            }
        }
        schedule();
    }

    /** Proc.execute, after a member's continuation returned. The M that ran it. */
    void stopped(G gp) {
        lock.lock();
        try {
            if (token == gp) {
                token = null;
            }
            if (yieldRequested == gp) {
                yieldRequested = null;
            }
            Member m = members.get(gp);
            if (m != null) {
                GStatus st = gp.status();
                if (st == GStatus.DEAD) {
                    members.remove(gp);
                    if (m.queued) {
                        runq.remove(gp);
                    }
                    if (m.durable) {
                        blocked--;
                    }
                    if (gp == root) {
                        rootDone = true;
                    }
                } else if (!m.queued && st == GStatus.WAITING) {
                    String why = nonDurable(gp);
                    m.why = why;
                    if (why == null && !m.durable) {
                        m.durable = true;
                        blocked++;
                    }
                }
            }
        } finally {
            lock.unlock();
        }
        schedule();
    }

    /** See the essay's steps 1-7. Any thread, without lock. */
    private void schedule() {
        for (;;) {
            G next = null;
            G wake = null;
            DumpSnapshot dead = null;
            lock.lock();
            try {
                if (token != null || finished) {
                    return;
                }
                if (!runq.isEmpty()) {
                    next = pick();
                    token = next;
                } else if (timerDue()) {
                    token = TIMERS;
                } else if (members.isEmpty()) {
                    finish(null);
                    return;
                } else if (blocked != members.size()) {
                    return;
                } else if (waiter != null && !waiterWoken) {
                    wake = waiter;
                    waiterWoken = true;
                    Member m = members.get(wake);
                    if (m != null && m.durable) {
                        m.durable = false; // no longer blocked: nothing else may wake anyone now
                        blocked--;
                    }
                    log(3, 0);
                } else if (!rootDone && timers.minWhen() != 0) {
                    long w = timers.minWhen();
                    if (w < now) {
                        throw new IllegalStateException("synctest: time went backwards");
                    }
                    now = w;
                    log(4, w - BASE_TIME);
                    continue;
                } else {
                    finished = true; // stop scheduling; the dump is rendered without the lock
                    dead = snapshotLocked();
                }
            } finally {
                lock.unlock();
            }
            if (dead != null) {
                deadlock(dead);
                return;
            }
            if (next != null) {
                Proc.runqready(next);
                return;
            }
            if (wake != null) {
                Bubble prev = FIRING.get();
                FIRING.set(this);
                try {
                    LockSupport.unpark(wake.thread);
                } finally {
                    restore(prev);
                }
                return;
            }
            fireTimers();
        }
    }

    private boolean timerDue() {
        long w = timers.minWhen();
        return w != 0 && w <= now;
    }

    /** Fires the due timers holding the token as TIMERS, then gives the token back. */
    private void fireTimers() {
        try {
            runDueTimers();
        } finally {
            lock.lock();
            try {
                if (token == TIMERS) {
                    token = null;
                }
            } finally {
                lock.unlock();
            }
        }
    }

    /**
     * A member set a timer already due at `now` (Go's NewTimer(0), AfterFunc(0)): fire the due
     * timers at once if nobody else is, so the effect is visible before the member goes on. A
     * member of this bubble only; without any lock.
     */
    void timerSetDue() {
        lock.lock();
        try {
            if (finished || !timerDue()) {
                return;
            }
        } finally {
            lock.unlock();
        }
        runDueTimers();
    }

    /** Runs the timers due at `now`, in the seeded order, with this bubble as the firing one. */
    private void runDueTimers() {
        Bubble prev = FIRING.get();
        FIRING.set(this);
        try {
            timers.runShuffled(now, this::timerIndex);
        } finally {
            restore(prev);
        }
    }

    /** Which of n timers due at the same time fires next (Go fires them in random order too). */
    private int timerIndex(int n) {
        lock.lock();
        try {
            int i = n == 1 ? 0 : nextInt(n);
            log(7, i);
            return i;
        } finally {
            lock.unlock();
        }
    }

    /** Picks and removes the next member to run from runq. Under lock, runq not empty. */
    private G pick() {
        int n = runq.size();
        int i = 0;
        if (seeded) {
            long best = Long.MIN_VALUE;
            for (int k = 0; k < n; k++) {
                long p = members.get(runq.get(k)).prio;
                if (p > best) {
                    best = p;
                    i = k;
                }
            }
            steps++;
            for (long cp : changePoints) {
                if (cp == steps) {
                    // a change point at a pick: the chosen member starts below everyone
                    members.get(runq.get(i)).prio = --lowPrio;
                }
            }
        } else if (n > 1) {
            i = nextInt(n);
        }
        G gp = runq.remove(i);
        Member m = members.get(gp);
        m.queued = false;
        m.why = null;
        log(5, m.id);
        return gp;
    }

    /** Go's deadlock panic, with the bubble's dump. finished is set; without the lock. */
    private void deadlock(DumpSnapshot s) {
        String reason = rootDone
                ? "deadlock: main bubble goroutine has exited but blocked goroutines remain"
                : "deadlock: all goroutines in bubble are blocked";
        failure = deadlockError.apply(reason, s.render());
        release();
    }

    // ================================================================== durability

    /** Null if gp (parked through gopark, status WAITING) is durably blocked, else why not. */
    private String nonDurable(G gp) {
        WaitReason r = gp.waitreason;
        if (r == null) {
            return "parked in JDK code (a JDK lock, monitor, socket or Thread.sleep)";
        }
        Object b = LockSupport.getBlocker(gp.thread);
        return switch (r) {
            case SYNCTEST_WAIT, CHAN_RECEIVE_NIL_CHAN, CHAN_SEND_NIL_CHAN, SELECT_NO_CASES, SYNC_COND_WAIT -> null;
            case SLEEP -> b instanceof Timer t && t.bubble == this ? null : "sleeping on the real clock";
            case CHAN_RECEIVE, CHAN_SEND -> b instanceof HChan c && c.bubble == this ? null
                    : "on a channel made outside the bubble";
            case SELECT -> b == HChan.FOREVER || b instanceof SelectGo s && s.allInBubble(this) ? null
                    : "select on a channel made outside the bubble";
            case SYNC_MUTEX_LOCK, SYNC_RWMUTEX_RLOCK, SYNC_RWMUTEX_LOCK, SYNC_WAITGROUP_WAIT, SEMACQUIRE ->
                    b instanceof Sema s && s.bubble == this ? null
                            : r == WaitReason.SYNC_WAITGROUP_WAIT ? "on a WaitGroup counted outside the bubble"
                            : "on a sync primitive made outside the bubble";
            default -> r.goName + " is never durable";
        };
    }

    // ================================================================== await (Go's synctest.Wait)

    /**
     * Go's synctestWait: blocks the calling member until every other member is durably blocked.
     *
     * @throws Panic "goroutine is not in a bubble" outside a bubble, "wait already in progress" if
     *     another member is in await
     */
    static void await() {
        G gp = Proc.currentG();
        Bubble b = gp != null ? gp.bubble : null;
        if (b == null) {
            throw new Panic("goroutine is not in a bubble");
        }
        b.lock.lock();
        try {
            if (b.waiter != null) {
                throw new Panic("wait already in progress");
            }
            b.waiter = gp;
            b.waiterWoken = false;
        } finally {
            b.lock.unlock();
        }
        boolean interrupted = false;
        try {
            for (;;) {
                Proc.gopark(gp, WaitReason.SYNCTEST_WAIT, b);
                b.lock.lock();
                try {
                    if (b.waiterWoken) {
                        return;
                    }
                } finally {
                    b.lock.unlock();
                }
                if (Thread.interrupted()) {
                    interrupted = true;
                }
            }
        } finally {
            b.lock.lock();
            try {
                b.waiter = null;
                b.waiterWoken = false;
            } finally {
                b.lock.unlock();
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            Race.acquire(b);
        }
    }

    // ================================================================== isolation checks (Go's panics)

    /** Panics unless the caller belongs to this bubble. op: "send", "receive", "close", "select". */
    void checkChan(String op) {
        if (current() != this) {
            throw ChanErrors.panic(op + (op.equals("close") ? " of" : " on") + " synctest channel from outside bubble");
        }
    }

    /** Panics unless the caller belongs to this bubble. op: "reset", "stop". */
    void checkTimer(String op) {
        if (current() != this) {
            throw new Panic(op + " of synctest timer from outside bubble");
        }
    }

    // ================================================================== seeded yield points

    /** Proc.goready and newproc1 call this while a seeded bubble is live: honour a yield request. */
    static void yieldPoint() {
        G gp = Proc.currentG();
        Bubble b = gp != null ? gp.bubble : null;
        if (b == null || !b.seeded || FIRING.get() != null) {
            return; // not in a seeded bubble, or firing timers (maybe holding a timer's lock)
        }
        boolean yield;
        b.lock.lock();
        try {
            yield = b.yieldRequested == gp;
            if (yield) {
                b.yieldRequested = null;
            }
        } finally {
            b.lock.unlock();
        }
        if (yield) {
            Thread.yield();
        }
    }

    /** The PRNG index for a select's poll order in [0, bound). The calling member's bubble. */
    int selectIndex(int bound) {
        lock.lock();
        try {
            int j = nextInt(bound);
            log(6, j);
            return j;
        } finally {
            lock.unlock();
        }
    }

    /** For SelectGo: the bubble of the caller when it must choose, or null (use ThreadLocalRandom). */
    static Bubble chooser() {
        return live == 0 ? null : current();
    }

    // ================================================================== the clock

    /** The calling goroutine's timer clock: the bubble's fake one, or Timers.nanotime(). */
    static long clock() {
        if (live != 0) {
            Bubble b = current();
            if (b != null) {
                return b.now;
            }
        }
        return Timers.nanotime();
    }

    /** The bubble's time as Unix nanoseconds (for Time.now). */
    public long nowUnixNanos() {
        return now;
    }

    // ================================================================== reports

    /** The decision-log hash so far. */
    public long hash() {
        return underLock(() -> hash);
    }

    /** The number of decisions logged so far. */
    public long decisions() {
        return underLock(() -> decisions);
    }

    /** Wake-ups that came from outside the bubble (see Determinism). */
    public long outsideEvents() {
        return underLock(() -> outside);
    }

    /** One of the counters above, read under the bubble's lock. */
    private long underLock(java.util.function.LongSupplier read) {
        lock.lock();
        try {
            return read.getAsLong();
        } finally {
            lock.unlock();
        }
    }

    /** The bubble's goroutine dump, Go's format with "synctest bubble N" and durability marks. */
    public String dump() {
        DumpSnapshot s;
        lock.lock();
        try {
            s = snapshotLocked();
        } finally {
            lock.unlock();
        }
        return s.render();
    }

    /** What a dump shows, read under the lock; rendered (stack traces read) without it. */
    private record DumpSnapshot(String head, List<G> gs, List<String> suffixes) {
        String render() {
            StringBuilder sb = new StringBuilder(head);
            for (int i = 0; i < gs.size(); i++) {
                sb.append('\n');
                Traceback.goroutine(sb, gs.get(i), suffixes.get(i));
            }
            return sb.toString();
        }
    }

    private DumpSnapshot snapshotLocked() {
        StringBuilder sb = new StringBuilder();
        sb.append("synctest bubble ").append(id).append(": ");
        if (seeded) {
            sb.append("seed ").append(String.format("0x%016x", seed)).append(", ");
        }
        sb.append(decisions).append(" decisions, log hash ").append(String.format("0x%016x", hash))
                .append(", clock ").append(java.time.Instant.ofEpochSecond(0, now)).append('\n');
        if (outside > 0) {
            sb.append("not reproducible: ").append(outside)
                    .append(" wake-up(s) came from outside the bubble (first: ").append(firstOutside).append(")\n");
        }
        List<G> gs = new ArrayList<>(members.keySet());
        gs.sort((a, c) -> Long.compare(a.goid, c.goid));
        List<String> suffixes = new ArrayList<>();
        for (G gp : gs) {
            suffixes.add(describeLocked(gp));
        }
        return new DumpSnapshot(sb.toString(), gs, suffixes);
    }

    /** The suffix Traceback puts in a member's header. Any thread. */
    String describe(G gp) {
        lock.lock();
        try {
            return describeLocked(gp);
        } finally {
            lock.unlock();
        }
    }

    private String describeLocked(G gp) {
        Member m = members.get(gp);
        if (m == null) {
            return ", synctest bubble " + id;
        }
        if (m.durable) {
            return " (durable), synctest bubble " + id;
        }
        return ", synctest bubble " + id + (m.why != null ? ", not durable: " + m.why : "");
    }
}
