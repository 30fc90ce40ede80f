package dev.gort.runtime;

import java.util.function.ToLongFunction;

/**
 * Go's export_test.go: the runtime's internals that tests outside this package reach, on the test
 * side so that production code keeps them package-private.
 */
public final class Exports {
    private Exports() {}

    /** The calling bubble member's bubble dump (Bubble.dump); throws outside a bubble. */
    public static String bubbleDump() {
        Bubble b = Bubble.current();
        if (b == null) {
            throw new IllegalStateException("bubbleDump: not called in a synctest bubble");
        }
        return b.dump();
    }

    /** Whether the runtime's event hooks are on (Trace.on): a tracer, JFR or the metrics observe. */
    public static boolean traceHooksOn() {
        return Trace.on;
    }

    /**
     * Plays the OS for Go.run's wait on unwinding panics (Run.cpuClock): clock gives a thread's CPU
     * time in ns. Null restores the OS's clock.
     */
    public static void runCpuClock(ToLongFunction<Thread> clock) {
        Run.cpuClock = clock;
    }

    /**
     * Whether the scheduler is quiet around the caller: every P but one idle, no M spinning, the
     * global queue empty. Racy, for a test that waits for it before a step whose wake-ups it checks.
     */
    public static boolean othersIdle() {
        return Proc.npidle.get() == Proc.gomaxprocs - 1 && Proc.nmspinning.get() == 0 && Proc.runqsize == 0;
    }

    /** The id of the P the caller's M holds, or -1. */
    public static int currentPid() {
        M mp = M.current();
        P pp = mp != null ? mp.p : null;
        return pp != null ? pp.id : -1;
    }

    /** The calling goroutine's G, as an opaque handle for {@link #askToYield}; null if not a goroutine. */
    public static Object currentG() {
        return Proc.currentG();
    }

    /**
     * Plays sysmon's preemptone on the goroutine g (a {@link #currentG} handle) alone: marks it and
     * raises the flag the safe points read, so that it yields at its next safe point. Any thread.
     */
    public static void askToYield(Object g) {
        ((G) g).preempt = true;
        Proc.preemptRequested = true;
    }

    /** Whether the global run queue holds the goroutine g (a {@link #currentG} handle). */
    public static boolean inGlobalQueue(Object g) {
        Proc.lock.lock();
        try {
            return Proc.runq.contains((G) g);
        } finally {
            Proc.lock.unlock();
        }
    }

    /** The length of the caller's P's local queue, runnext included (racy), or -1 without a P. */
    public static int localQueueSize() {
        M mp = M.current();
        P pp = mp != null ? mp.p : null;
        return pp != null ? pp.runqsize() : -1;
    }

    /** Whether an M sleeps for the timers (TimerSleeper). */
    public static boolean timerSleeperExists() {
        return TimerSleeper.sleepsFor(Long.MAX_VALUE);
    }

    /** Whether any heap holds a pending timer. */
    public static boolean timersPending() {
        return Timers.earliest() != 0;
    }

    /**
     * Breaks a scheduler invariant on purpose: nmspinning becomes negative, so the next M that
     * stops spinning finds the count below zero, Go's throw. For a child JVM only: the runtime is
     * dead after it (Proc's "A runtime throw").
     */
    public static void breakSpinningCount() {
        Proc.nmspinning.addAndGet(-1_000_000);
    }

    /**
     * Parks the calling goroutine for good, as in a semacquire that nothing releases, on a Blocker
     * whose touchedByPlatformThread() throws: the next deadlock check that looks at it fails. For a
     * child JVM only: that failure is Go's throw (Checkdead's "What happens then").
     */
    public static void parkOnABrokenBlocker() {
        Blocker broken = () -> {
            throw new IllegalStateException("broken blocker");
        };
        for (;;) { // gopark may return spuriously
            Proc.gopark(Proc.currentG(), WaitReason.SEMACQUIRE, broken);
        }
    }

    /**
     * Readies, from the calling goroutine, a G whose continuation throws t when an M runs it: an
     * exception escaping an M's scheduling loop, as a JDK failure inside runContinuation would be.
     */
    public static void readyThrowingG(RuntimeException t) {
        Proc.ready(new G(() -> {
            throw t;
        }, Proc.currentG()));
    }

    /**
     * Go's LockOSCounts, for the calling goroutine: its lockOSThread nesting depth (Go's
     * lockedExt; gort has no internal count), or -1 outside a goroutine.
     */
    public static int lockOSCount() {
        G gp = Proc.currentG();
        return gp != null ? gp.lockedExt : -1;
    }

    /** Whether the calling goroutine is wired to the M it runs on (Go's g.lockedm == g.m). */
    public static boolean lockedToCurrentM() {
        G gp = Proc.currentG();
        M mp = M.current();
        return gp != null && mp != null && gp.lockedm == mp && mp.lockedg == gp;
    }

    /** Whether the calling goroutine is wired to any M. */
    public static boolean locked() {
        G gp = Proc.currentG();
        return gp != null && gp.lockedm != null;
    }

    /**
     * Runs hook in the middle of each Go.leakedGoroutines scan, on the scanning goroutine: after
     * the candidates left allgs, before the GCs (GoroutineLeak.scanHook). Null removes it.
     */
    public static void onLeakScan(Runnable hook) {
        GoroutineLeak.scanHook = hook;
    }

    /**
     * Runs hook in each WaitGroup add from 0 that associates the group with a bubble (or none),
     * on the adding goroutine, after the association and before the add's count is published
     * (Sema.associateHook). Null removes it.
     */
    public static void onWaitGroupAssociate(Runnable hook) {
        Sema.associateHook = hook;
    }
}
