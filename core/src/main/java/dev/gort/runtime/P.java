package dev.gort.runtime;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.concurrent.locks.LockSupport;

/*
 * P: a processor, the right to run Go code (Go's runtime2.go type p, and the run-queue functions
 * of proc.go).
 *
 * Run queue. A P owns a bounded single-producer, multi-consumer ring of 256 Gs plus one runnext
 * slot, exactly Go's:
 *   - only the owner puts (runqput), writing the slot and then store-releasing tail;
 *   - the owner and stealers take by load-acquiring head and tail, reading the slots, and CASing
 *     head forward (runqget takes one, runqgrab takes half);
 *   - runnext holds the G readied most recently by this P's goroutine; it runs next and inherits
 *     the time slice. Only the owner may CAS it to a G; anyone may CAS it to null (stealers do).
 * A slot read by a stealer may be stale, but its CAS on head fails in exactly that case: the owner
 * writes slot t only when t - head < 256, so it never overwrites a slot in [head, tail).
 * The owner also clears the slots it took itself (runqget, runqputslow, runqdrain) once its CAS on
 * head has succeeded: Go's ring holds guintptrs that the GC ignores, but a Java reference in a
 * consumed slot would keep a finished goroutine (its thread, its closure) reachable. A stealer
 * that read a cleared slot loses its CAS on head, as above, so it never runs a null. Slots that
 * stealers took stay filled until the owner reuses them (at most 256 per P).
 *
 * Invariants:
 *   0 <= tail - head <= 256; head and tail only grow (head by CAS to a larger value, tail by the
 *   owner's release store of a larger value: no code path moves either back); and runnext is never
 *   also in the ring after a single put (the JDK may still queue one G twice; see G).
 * P.checkInvariants checks the first and the last on a quiescent P, for the run-queue tests.
 *
 * Who is "the owner": the M holding the P, while the P is SCHED; or that M's running goroutine
 * inside a runtime call, after CASing the P from RUNNING to SCHED. See PStatus and Proc.
 *
 * The runnext back-off. A stealer that finds only a runnext, on a P whose goroutine is running,
 * backs off before taking it, as Go's runqgrab does: that goroutine has just readied it and is
 * probably about to park, and its M would then run it at once. Like Go's usleep(3) on Linux, the
 * back-off sleeps (LockSupport.parkNanos(3us); with the OS's timer slack it lasts ~60us, 65us
 * median on the benchmark machine, as Go's nanosleep does), and gives the core away. It used to spin on nanoTime for 3us instead, so
 * as not to pay the slack; measured at GOMAXPROCS=2 (docs/benchmarks.md, issue 11, cut 6) that
 * was the costlier choice on every count: on a machine with more runnable threads than cores the
 * spinning stealer kept the very M it waited for off the CPU, so the runnext was still there after
 * 3us and was stolen, splitting a ping-pong pair across Ms, nearly every time an M was woken; and
 * a stealer that spins 3us finishes its rounds and parks soon, so the next ready finds no spinning
 * M and wakes one again (startm: sched.lock and a futex wake on the readier's path). A sleeping
 * stealer stays counted in nmspinning meanwhile, so readies see a spinning M and wake nobody, and
 * it still re-checks every queue before it parks (Proc, "Spinning and the delicate dance").
 *
 * Differences from Go
 *  - A P has no mcache, timers or GC state here: the JVM owns memory, and timers live in Timers.
 *  - runqputslow's batch is an array the P keeps, Go's lives on the stack; a fresh Java array would
 *    be a heap allocation of 129 references per overflow (about 2 B per goroutine when a spawning
 *    loop overflows the ring: docs/benchmarks.md, issue 11, cut 9).
 */
final class P {
    static final int RUNQ_SIZE = 256;
    /** The runnext back-off's requested sleep, Go's usleep(3); the OS's timer slack makes it ~60us. */
    private static final long RUNNEXT_BACKOFF_NS = 3_000;

    /** Index in allp. Immutable. */
    final int id;

    /**
     * Ownership status, see PStatus. Transitions out of RUNNING/SYSCALL are CASes; the owner's
     * SCHED to RUNNING on the switch path is a release store (setRunning).
     */
    volatile PStatus status = PStatus.IDLE;
    /**
     * The M holding it, or null. Written by the M that takes or drops it (acquirep, releasep,
     * exitsyscall's pidleget), and by whoever gives it away: handoffp (sysmon's retake, a
     * blocking syscall's hand-off, stoplockedm, droplockedp), pidleput, unstartm and killp.
     */
    volatile M m;

    /** Incremented by the owner on every schedule that does not inherit a time slice. Owner writes (opaque); sysmon reads (opaque). */
    long schedtick;
    /** Goroutines this P has run (every execute). Owner writes (opaque); sysmon and schedtrace read (opaque). */
    long runs;
    /** Incremented by the owner on every Go.syscall. Owner writes; sysmon reads. */
    volatile long syscalltick;
    /** Set by sysmon when the time slice is over; the owner clears it and ends the runnext chain. */
    volatile boolean preemptSlice;
    /** Sysmon's private view (Go's sysmontick): last values seen and when. Sysmon only. */
    long sysmonTick, sysmonWhen, sysmonRuns, sysmonRunsWhen, sysmonSyscallTick, sysmonSyscallWhen;
    /** Goroutines this P stole from others. Owner writes. */
    long steals;
    /** This P's timer heap (Go's p.timers); see Timers. Its own lock guards it. */
    final Timers timers = new Timers();

    private final G[] runq = new G[RUNQ_SIZE];
    /** Consumers CAS it forward (release); everyone load-acquires it. */
    private volatile int head;
    /** Written by the owner only, store-release; others load-acquire. */
    private volatile int tail;
    /** Owner CASes it to a G; anyone may CAS it to null. */
    private volatile G runnext;
    /**
     * runqputslow's batch for the global queue (Go's is an array on its stack): the owner's scratch,
     * empty between calls. Owner only.
     */
    private final G[] batch = new G[RUNQ_SIZE / 2 + 1];

    P(int id) {
        this.id = id;
    }

    // ------------------------------------------------------------------ put

    /**
     * Go's runqput. With next, gp goes to runnext and the G it displaces goes to the tail. When the
     * ring is full, half of it plus gp move to the global queue (runqputslow).
     * Owner only.
     */
    void runqput(G gp, boolean next) {
        if (next) {
            G old;
            do {
                old = runnext;
            } while (!RUNNEXT.compareAndSet(this, old, gp));
            if (old == null) {
                return;
            }
            gp = old; // kick the old runnext to the regular queue
        }
        for (;;) {
            int h = (int) HEAD.getAcquire(this);
            int t = (int) TAIL.get(this);
            if (t - h < RUNQ_SIZE) {
                runq[t & (RUNQ_SIZE - 1)] = gp;
                TAIL.setRelease(this, t + 1);
                return;
            }
            if (runqputslow(gp, h, t)) {
                return;
            }
            // the queue is no longer full: a stealer took some; retry the fast path
        }
    }

    /** Go's runqputslow: move half the ring plus gp to the global queue. Owner only. */
    private boolean runqputslow(G gp, int h, int t) {
        int n = (t - h) / 2;
        assert n == RUNQ_SIZE / 2 : "runqputslow: queue is not full";
        G[] batch = this.batch;
        for (int i = 0; i < n; i++) {
            batch[i] = runq[(h + i) & (RUNQ_SIZE - 1)];
        }
        if (!HEAD.compareAndSet(this, h, h + n)) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            runq[(h + i) & (RUNQ_SIZE - 1)] = null;
        }
        batch[n] = gp;
        try {
            Proc.globrunqputbatch(batch, n + 1);
        } finally {
            Arrays.fill(batch, 0, n + 1, null); // hold no finished goroutine, as the ring's slots
        }
        return true;
    }

    // ------------------------------------------------------------------ get

    /** Go's runqget: runnext first (inherits the time slice, reported through {@code m.inheritTime}), then the ring. Owner only. */
    G runqget(M mp) {
        G next = runnext;
        if (next != null && RUNNEXT.compareAndSet(this, next, null)) {
            mp.inheritTime = true;
            return next;
        }
        mp.inheritTime = false;
        for (;;) {
            int h = (int) HEAD.getAcquire(this);
            int t = (int) TAIL.get(this);
            if (t == h) {
                return null;
            }
            G gp = runq[h & (RUNQ_SIZE - 1)];
            if (HEAD.compareAndSet(this, h, h + 1)) {
                runq[h & (RUNQ_SIZE - 1)] = null;
                return gp;
            }
        }
    }

    /** Go's runqempty: true when the ring and runnext are both empty. Any thread; a racy snapshot that is never falsely empty while the P's owner is not taking. */
    boolean runqempty() {
        for (;;) {
            int h = (int) HEAD.getAcquire(this);
            int t = (int) TAIL.getAcquire(this);
            G next = runnext;
            if ((int) TAIL.getAcquire(this) == t) {
                return h == t && next == null;
            }
        }
    }

    /** Queue length including runnext; a racy snapshot. Any thread. */
    int runqsize() {
        int n = (int) TAIL.getAcquire(this) - (int) HEAD.getAcquire(this);
        return Math.max(0, Math.min(n, RUNQ_SIZE)) + (runnext != null ? 1 : 0);
    }

    /**
     * Go's runqgrab: take half of this P's queue into batch[batchHead...], or its runnext when the
     * queue is empty and stealRunNextG. Returns how many were taken. Any thread (stealers).
     */
    int runqgrab(G[] batch, int batchHead, boolean stealRunNextG) {
        for (;;) {
            int h = (int) HEAD.getAcquire(this);
            int t = (int) TAIL.getAcquire(this);
            int n = t - h;
            n = n - n / 2;
            if (n == 0) {
                if (stealRunNextG) {
                    G next = runnext;
                    if (next != null) {
                        if (status == PStatus.RUNNING) {
                            // The P's goroutine is running and just readied next; it is probably
                            // about to park and run next. Back off off the CPU first, as Go's
                            // usleep(3) (see "The runnext back-off"). The M's park permit is shared
                            // (notewakeup, timers, locks): an early return only shortens the back-off,
                            // and a stray permit taken here is missed by no one, since every other
                            // park of an M loops on its own condition.
                            LockSupport.parkNanos(this, RUNNEXT_BACKOFF_NS);
                        }
                        if (!RUNNEXT.compareAndSet(this, next, null)) {
                            continue;
                        }
                        batch[batchHead & (RUNQ_SIZE - 1)] = next;
                        return 1;
                    }
                }
                return 0;
            }
            if (n > RUNQ_SIZE / 2) {
                continue; // read inconsistent h and t
            }
            for (int i = 0; i < n; i++) {
                batch[(batchHead + i) & (RUNQ_SIZE - 1)] = runq[(h + i) & (RUNQ_SIZE - 1)];
            }
            if (HEAD.compareAndSet(this, h, h + n)) {
                return n;
            }
        }
    }

    /**
     * Go's runqsteal: steal half of p2's queue into this P's ring; return one of the stolen Gs.
     * Owner of this P only.
     */
    G runqsteal(P p2, boolean stealRunNextG) {
        int t = tail;
        int n = p2.runqgrab(runq, t, stealRunNextG);
        if (n == 0) {
            return null;
        }
        n--;
        G gp = runq[(t + n) & (RUNQ_SIZE - 1)];
        runq[(t + n) & (RUNQ_SIZE - 1)] = null;
        if (n == 0) {
            return gp;
        }
        int h = (int) HEAD.getAcquire(this);
        if (t - h + n >= RUNQ_SIZE) {
            throw Proc.throwRuntime("runqsteal: runq overflow", null);
        }
        TAIL.setRelease(this, t + n);
        return gp;
    }

    /** Moves every queued G (runnext first) out of this P, for procresize or a dying P. Owner only. */
    int runqdrain(G[] out) {
        int k = 0;
        G next = runnext;
        if (next != null && RUNNEXT.compareAndSet(this, next, null)) {
            out[k++] = next;
        }
        for (;;) {
            int h = (int) HEAD.getAcquire(this);
            int t = (int) TAIL.get(this);
            if (t == h) {
                return k;
            }
            G gp = runq[h & (RUNQ_SIZE - 1)];
            if (HEAD.compareAndSet(this, h, h + 1)) {
                runq[h & (RUNQ_SIZE - 1)] = null;
                out[k++] = gp;
            }
        }
    }

    /**
     * Throws if a run-queue invariant is broken: the ring's bound, or runnext also in the ring
     * (see the essay). For tests, on a quiescent P whose Gs were each put once.
     */
    void checkInvariants() {
        int h = head, t = tail;
        if (t - h < 0 || t - h > RUNQ_SIZE) {
            throw new AssertionError("P" + id + ": head=" + h + " tail=" + t);
        }
        G next = runnext;
        for (int i = h; next != null && i != t; i++) {
            if (runq[i & (RUNQ_SIZE - 1)] == next) {
                throw new AssertionError("P" + id + ": runnext " + next + " is also in the ring at " + i);
            }
        }
    }

    long schedtickOpaque() {
        return (long) SCHEDTICK.getOpaque(this);
    }

    long runsOpaque() {
        return (long) RUNS.getOpaque(this);
    }

    /** Counts one schedule: runs always, schedtick unless the G inherits the time slice. Owner only. */
    void countSchedule(boolean inheritTime) {
        if (!inheritTime) {
            SCHEDTICK.setOpaque(this, schedtick + 1);
        }
        RUNS.setOpaque(this, runs + 1);
    }

    /** Takes runnext out, or null. Any thread: a CAS to null, as stealers make. */
    G takeRunnext() {
        G next = runnext;
        return next != null && RUNNEXT.compareAndSet(this, next, null) ? next : null;
    }

    /**
     * The owner's SCHED to RUNNING before it runs a goroutine, or as a runtime call inside one
     * ends. A release store, not a volatile one: nobody else may change a SCHED P, so there is no
     * update to lose, and whoever reads the status to act on it (sysmon's retake, a stealer's
     * runnext back-off) reads racily and decides again at its next look. Owner only.
     */
    void setRunning() {
        STATUS.setRelease(this, PStatus.RUNNING);
    }

    boolean casStatus(PStatus from, PStatus to) {
        return STATUS.compareAndSet(this, from, to);
    }

    @Override
    public String toString() {
        return "P" + id;
    }

    private static final VarHandle HEAD, TAIL, RUNNEXT, STATUS, SCHEDTICK, RUNS;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            HEAD = l.findVarHandle(P.class, "head", int.class);
            TAIL = l.findVarHandle(P.class, "tail", int.class);
            RUNNEXT = l.findVarHandle(P.class, "runnext", G.class);
            STATUS = l.findVarHandle(P.class, "status", PStatus.class);
            SCHEDTICK = l.findVarHandle(P.class, "schedtick", long.class);
            RUNS = l.findVarHandle(P.class, "runs", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
