package dev.gort.runtime;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.locks.LockSupport;

/*
 * M: a machine, one platform carrier thread running Go's schedule() loop (Go's runtime2.go type m
 * and mstart/schedule in proc.go).
 *
 * An M needs a P to run goroutines. It gets one from startm (through nextp), runs
 * schedule -> findRunnable -> execute for ever, and when findRunnable finds nothing it gives its P
 * back to the idle list and sleeps on its note (stopm) until startm wakes it with a new P. An M
 * with a locked goroutine (lockedg) never does: it sleeps in stoplockedm until another M hands it
 * a P through lockedp (see Proc, "LockOSThread").
 *
 * The M is the virtual threads' carrier: execute() calls the G's runContinuation on this thread,
 * which mounts the goroutine until it parks, yields or ends. The M's own stack while it schedules
 * plays the part of Go's g0.
 *
 * Why an M is a ForkJoinWorkerThread ("the spin trap")
 * ---------------------------------------------------
 * (The JDK's side is in docs/jdk-virtual-thread-scheduling.md, "A performance trap".)
 * SynchronousQueue, LinkedTransferQueue and Exchanger spin 128 x Thread.onSpinWait before parking,
 * unless ForkJoinWorkerThread.hasKnownQueuedWork() says the carrier has other work queued. On a
 * carrier that is not a ForkJoinWorkerThread that is never true, so on one P every hand-off burned
 * ~7 us spinning while the partner could not run. An M is therefore a ForkJoinWorkerThread of a
 * pool that never runs anything (NO_WORK_POOL, whose thread factory makes no threads), and at start
 * it pushes one marker task, never run, onto its own work queue. hasKnownQueuedWork() is then true
 * on every M, and those queues park at once, which is what a goroutine scheduler wants: a spinning
 * goroutine holds the P its partner needs. The M never registers with the pool (run() is ours), so
 * no pool ever steals or runs the marker. -Dgort.spintrapfix=false turns this off for comparison.
 *
 * Differences from Go
 *  - There is no g0 goroutine: the M's own platform stack runs the scheduler.
 *  - M0 is the first M gort starts, not the process's main thread.
 *  - Ms never exit, and they are ForkJoinWorkerThreads (see "the spin trap").
 */
final class M extends ForkJoinWorkerThread {
    /** Sequential id; M0 is the first M the runtime starts. Immutable. */
    final long mid;

    /**
     * The P held, or null. Written by this M only (acquirep, releasep, exitsyscall, and reclaimp
     * when it finds the P retaken): a retake changes the P's m, and this M notices.
     */
    volatile P p;
    /**
     * The P handed over by startm for this M to acquire when it wakes from stopm, the only sleep
     * that reads it (a locked M gets its P through lockedp instead). Written under sched.lock before the wake.
     */
    volatile P nextp;
    /**
     * The goroutine mounted on this M, or null. Written by this M only, with release stores
     * (setCurg: no fence on the switch path); read by the goroutine mounted here (Proc.currentG,
     * after the mount), and racily by dumps, sysmon and checkdead's pre-check, none of which needs
     * more than a recent value.
     */
    volatile G curg;
    /** Whether this M is spinning (looking for work, counted in sched.nmspinning). This M only, except startm before the wake. */
    volatile boolean spinning;
    /** The goroutine locked to this M (Go.lockOSThread), or null. Written by that goroutine while mounted here. */
    volatile G lockedg;
    /**
     * The hand-off of a P that startlockedm makes this M to run its locked goroutine, or null (Proc,
     * "LockOSThread"). Set by the handing M with a CAS from null, so at most one hand-off is pending
     * and a second one (from a duplicate or stale queue entry of the goroutine) fails and keeps its
     * P; taken by this M with getAndSet(null). The hand-off is the note: stoplockedm sleeps until it
     * is there, so no wake-up meant for it can be spent by another sleep, nor one meant for another
     * sleep spent by it. Each offer is a new object, compared by identity: the handing M may take
     * back only its own offer, not the same P offered again by another M.
     */
    private volatile LockedHandoff lockedp;

    /** One offer of a P to a locked M; its identity tells offers of the same P apart. */
    static final class LockedHandoff {
        final P pp;

        LockedHandoff(P pp) {
            this.pp = pp;
        }
    }
    /** Whether the G from the last runqget came from runnext (inherits the time slice). This M only. */
    boolean inheritTime;
    /**
     * A goroutine on this M asked for Go's goyield (Proc.goyield): its next yield goes to the tail of
     * this M's P, not the global queue. Plain: written by that goroutine before and after its yield
     * and by this M's ready of the yield (runqready), all on this carrier, ordered by the yield's
     * state transitions.
     */
    boolean goyield;
    /** Go's m.park note: set by the waker, cleared by this M. */
    private volatile boolean notified;

    /** A pool that has no threads and makes none; Ms only borrow its type. See "the spin trap". */
    private static final ForkJoinPool NO_WORK_POOL = new ForkJoinPool(1, pool -> null, null, false);
    private static final boolean SPIN_TRAP_FIX =
            !"false".equalsIgnoreCase(System.getProperty("gort.spintrapfix"));

    M(long mid) {
        super(null, NO_WORK_POOL, true);
        this.mid = mid;
        setName("gort-m" + mid);
        setDaemon(true);
    }

    @Override
    public void run() {
        if (SPIN_TRAP_FIX) {
            ForkJoinTask.adapt(() -> { }).fork(); // the marker: pushed on this M's own queue, never run
        }
        try {
            Proc.mstart(this);
        } catch (Throwable t) {
            Proc.threadDied(this, t); // Go's throw: see Proc's "A runtime throw"
        }
    }

    /** Go's notesleep on m.park: sleep until notewakeup. This M only. */
    void notesleep() {
        while (!notified) {
            LockSupport.park(this);
        }
        notified = false;
    }

    /** Go's notewakeup on m.park. Any thread. */
    void notewakeup() {
        notified = true;
        LockSupport.unpark(this);
    }

    /**
     * startlockedm: offer pp for the locked goroutine. Returns the offer, for withdrawLockedp, or
     * null if a hand-off is already pending. Any M.
     */
    LockedHandoff offerLockedp(P pp) {
        LockedHandoff h = new LockedHandoff(pp);
        if (!LOCKEDP.compareAndSet(this, (LockedHandoff) null, h)) {
            return null;
        }
        LockSupport.unpark(this);
        return h;
    }

    /** startlockedm: take back offer h if this M has not taken it yet. Any M. */
    boolean withdrawLockedp(LockedHandoff h) {
        return LOCKEDP.compareAndSet(this, h, (LockedHandoff) null);
    }

    /** The P of the pending hand-off, taken, or null. This M only. */
    P takeLockedp() {
        LockedHandoff h = (LockedHandoff) LOCKEDP.getAndSet(this, (LockedHandoff) null);
        return h != null ? h.pp : null;
    }

    /** Whether a hand-off is pending. This M only. */
    boolean hasLockedp() {
        return lockedp != null;
    }

    /** stoplockedm's sleep: until a P is handed over, then take it. This M only. */
    P waitLockedp() {
        P pp;
        while ((pp = takeLockedp()) == null) {
            LockSupport.park(this); // the permit is shared (notewakeup, timers): spurious returns loop
        }
        return pp;
    }

    /** The M carrying the calling thread, or null if the caller is not on an M. */
    static M current() {
        return VThreads.currentCarrier() instanceof M m ? m : null;
    }

    @Override
    public String toString() {
        return "M" + mid;
    }

    /** Sets curg: see there. This M only. */
    void setCurg(G gp) {
        CURG.setRelease(this, gp);
    }

    private static final VarHandle LOCKEDP, CURG;

    static {
        try {
            LOCKEDP = MethodHandles.lookup().findVarHandle(M.class, "lockedp", LockedHandoff.class);
            CURG = MethodHandles.lookup().findVarHandle(M.class, "curg", G.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
