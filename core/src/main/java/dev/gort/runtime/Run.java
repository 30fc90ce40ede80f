package dev.gort.runtime;

import dev.gort.FatalError;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.ToLongFunction;

/**
 * One {@code Go.run}: the main goroutine and every goroutine it (transitively) starts. It ends when
 * main returns, or with the first panic or fatal error in any of its goroutines, as Go's program
 * does. Several runs may be active at once (tests do this); each G belongs to at most one.
 *
 * A Go.run called from a run's main goroutine does not make a Run: Go.run calls its function inline
 * (callerIsMain). A second Run there would park the outer main in CountDownLatch.await, a JDK park
 * that checkdead must count as "may wake", so a deadlock inside would hang instead of being reported
 * (gort run's launcher runs the program's main as a main goroutine, and README's programs call
 * Go.run from main); its panics would be reported twice and dumps would show main in Go.run.
 *
 * Main returns while a goroutine panics. A goroutine's finally blocks run while its exception
 * unwinds, before the exception reaches gort (G's run, then Proc.panicked, which reports it and
 * fails the run). If one of them releases main (Go's TestPanicRace: `defer wg.Done()` and a panic),
 * main may return first, and the run would end as if nothing had happened. Go's main checks
 * runningPanicDefers, which gopanic raises before it runs the deferred calls, and waits for them.
 *
 * Differences from Go: the JVM says nothing about an exception until it has unwound, so no counter
 * can be raised where Go's is. gort raises its counter, panicking, where it first sees the panic
 * (Proc.panicked, before it prints the report, lowered once the run has failed), and await waits
 * for it without a bound, as Go's main parks while a panic is reported. For the finally blocks
 * before that, await waits where it can see the panic coming: when main has returned and nothing
 * has failed, it lets the run's goroutines that may still be unwinding go on, and ends the wait as
 * soon as one fails the run, or none is left on a CPU or in a queue and no panic is being
 * reported. Go's main bounds its wait by 1000 Goscheds, a measure of the scheduler's progress, not
 * of time; gort bounds it by what the goroutines could do meanwhile:
 *  - A goroutine that is queued, or running Java code, wants a core. While one does, the bound is
 *    PANIC_GRACE_NANOS of CPU time spent by gort's Ms (all of them, read from the OS's per-thread
 *    clocks). A machine that keeps the Ms off its cores (a loaded host, a nice'd JVM, a GC pause)
 *    stops that clock too, so it cannot make a panic late; a goroutine that keeps running (a loop
 *    that has nothing to do with a panic) delays Go.run's return by that much CPU.
 *  - A goroutine that is running but blocked in the kernel (a blocking read, in native code) or
 *    pinned in a JDK park burns no CPU, so the CPU bound would never end. The wait therefore also
 *    ends once no goroutine has wanted a core at any look for PANIC_GRACE_NANOS of wall-clock time.
 *    One look is not enough: Java code that calls native methods often (the interpreter calls
 *    System.nanoTime natively) is in native code at many looks, but not at all of them.
 *  - PANIC_WAIT_CAP_NANOS of wall-clock time ends the wait in any case: a goroutine that wants a
 *    core and gets none that long is starved beyond what the bound is for (or lost, which the
 *    scheduler's own checks report), and Go.run must not hang on it.
 * A finally block that blocks (on a lock, a channel, a sleep) after releasing main, or runs longer
 * than the grace, lets Go.run return first: the panic is printed but not seen by Go.run; so may one
 * the OS keeps off a core while it is inside native code (writing to a stream), which the JVM cannot
 * tell from a blocking read. The wait costs nothing when the run's other goroutines are blocked or
 * gone, as they are when a program ends normally. They are not stopped either way: Go.run's return
 * does not end them (the JVM does, at exit).
 *
 * Rejected: a wall-clock grace alone (gort's first): under a loaded host (a nice'd JVM on 0.1 of a
 * core) the OS kept the panicking goroutine's M off its core for longer than the grace, and the run
 * ended as if nothing had happened (GoTest.panicWhoseFinallyReleasesMainStillEndsTheRun, 1 in 50).
 * Waiting without a bound for every running goroutine: a goroutine blocked in a read would hang
 * Go.run.
 */
final class Run {
    private static final Set<Run> active = ConcurrentHashMap.newKeySet();
    /** The CPU (or wall-clock) time await gives goroutines that may be unwinding a panic: the essay. */
    static final long PANIC_GRACE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    /** The wall-clock bound on that wait in any case. */
    static final long PANIC_WAIT_CAP_NANOS = TimeUnit.SECONDS.toNanos(10);
    /**
     * Null: await reads the Ms' CPU time from the OS (Mx). Tests (Exports) set a clock here to play
     * an OS that runs no M. Read by await only.
     */
    static volatile ToLongFunction<Thread> cpuClock;

    private final CountDownLatch done = new CountDownLatch(1);
    /** The first failure; set once. */
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    /** Goroutines of this run between Proc.panicked's start and the run's failure (see the essay). */
    final AtomicInteger panicking = new AtomicInteger();
    /** The main goroutine; written once by started(), from newproc, before it can run. */
    private volatile G main;
    /** Main ended through Go.goexit: the run goes on until checkdead ends it. Written by main itself. */
    private volatile boolean mainGoexited;

    /** Starts fn as this run's main goroutine. */
    G start(Runnable fn) {
        active.add(this);
        FatalError dead = Proc.refusal(); // after the add: a throw either fails this run or is seen here
        if (dead != null) {
            fail(dead);
            return null;
        }
        Proc.newproc(fn, this); // publishes main through started() before the goroutine can run
        Checkdead.poke(); // start polling: a main pinned in a class initialiser never idles its M
        return main;
    }

    /** Waits for main to return or for the run to fail; returns the failure, or null. */
    Throwable await() throws InterruptedException {
        try {
            done.await();
            if (failure.get() == null) {
                awaitUnwindingPanics();
            }
            Race.acquire(this); // main's return happens before Go.run returns (the latch's edge, for -race)
        } finally {
            failure.compareAndSet(null, CLOSED); // a later fail is not this run's: Proc.panicked's orphan
            active.remove(this);
        }
        Throwable f = failure.get();
        return f == CLOSED ? null : f;
    }

    /** The failure of a run whose Go.run returned normally: a later panic no longer reaches it. */
    private static final Throwable CLOSED = new Throwable("run closed", null, false, false) {};

    /** Main has returned: see "Main returns while a goroutine panics". */
    private void awaitUnwindingPanics() throws InterruptedException {
        long start = System.nanoTime();
        long offCoreSince = start; // since when no goroutine has wanted a core
        MsCpu cpu = null; // made when a goroutine first wants a core
        while (failure.get() == null) {
            if (panicking.get() == 0) {
                long now = System.nanoTime();
                Unwinding u = unwinding();
                if (u == Unwinding.NONE || now - start >= PANIC_WAIT_CAP_NANOS) {
                    return;
                }
                if (u == Unwinding.WANTS_CORE) {
                    offCoreSince = now;
                    if (cpu == null) {
                        ToLongFunction<Thread> clock = cpuClock;
                        cpu = new MsCpu(clock != null ? clock : Mx.CPU_CLOCK);
                    }
                    if (cpu.spent() >= PANIC_GRACE_NANOS) {
                        return;
                    }
                } else if (now - offCoreSince >= PANIC_GRACE_NANOS) {
                    return; // OFF_CORE at every look for the whole grace
                }
            }
            Thread.sleep(0, 100_000);
        }
    }

    /** What the run's goroutines other than main may be doing about a panic: see the essay. */
    private enum Unwinding {
        /** None is running or runnable: none can still fail the run by itself. */
        NONE,
        /** Some are running, but each is blocked in native code or pinned in a JDK park. */
        OFF_CORE,
        /** Some are queued, or running Java code. */
        WANTS_CORE
    }

    private Unwinding unwinding() {
        Unwinding u = Unwinding.NONE;
        for (G gp : Proc.allgs) {
            if (gp.run == this && gp != main) {
                GStatus st = gp.status();
                if (st == GStatus.RUNNABLE) {
                    return Unwinding.WANTS_CORE;
                }
                if (st == GStatus.RUNNING) {
                    M mp = gp.m;
                    if (gp.thread.getState() == Thread.State.RUNNABLE && (mp == null || !inNative(mp))) {
                        return Unwinding.WANTS_CORE;
                    }
                    u = Unwinding.OFF_CORE;
                }
            }
        }
        return u;
    }

    /**
     * Whether mp's thread is in native code (a JNI call: a blocking read, a write). A ThreadInfo
     * without a stack is read without a safepoint.
     */
    private static boolean inNative(M mp) {
        ThreadInfo ti = Mx.BEAN.getThreadInfo(mp.threadId(), 0);
        return ti != null && ti.isInNative();
    }

    /** The JVM's thread management, loaded only by a run that waits for a panic (see the essay). */
    private static final class Mx {
        static final ThreadMXBean BEAN = ManagementFactory.getThreadMXBean();
        /** A thread's CPU time in ns (-1 once it has ended), or null where the JVM cannot read it. */
        static final ToLongFunction<Thread> CPU_CLOCK =
                BEAN.isThreadCpuTimeSupported() && BEAN.isThreadCpuTimeEnabled()
                        ? t -> BEAN.getThreadCpuTime(t.threadId()) : null;
    }

    /**
     * The CPU time gort's Ms have spent since this was made: the sum over Proc.allm (which only
     * grows) of each M's CPU time since then; an M started since counts from 0. On a JVM that cannot
     * read thread CPU time, the wall-clock time since then.
     */
    private static final class MsCpu {
        private final ToLongFunction<Thread> clock;
        private final Map<M, Long> base = new IdentityHashMap<>();
        private final Map<M, Long> last = new IdentityHashMap<>();
        private final long wallBase = System.nanoTime();

        MsCpu(ToLongFunction<Thread> clock) {
            this.clock = clock;
            if (clock != null) {
                for (M mp : Proc.allm) {
                    long t = Math.max(clock.applyAsLong(mp), 0);
                    base.put(mp, t);
                    last.put(mp, t);
                }
            }
        }

        long spent() {
            if (clock == null) {
                return System.nanoTime() - wallBase;
            }
            long sum = 0;
            for (M mp : Proc.allm) {
                long t = clock.applyAsLong(mp); // -1 once an M has ended: keep its last reading
                if (t >= 0) {
                    last.put(mp, t);
                }
                sum += last.getOrDefault(mp, 0L) - base.getOrDefault(mp, 0L);
            }
            return sum;
        }
    }

    void goexit(G gp) {
        if (gp == main && !mainGoexited) {
            Race.releaseMerge(this);
            done.countDown();
        }
    }

    /** gp ended through Go.goexit (called before goexit(gp)). If gp is main the run goes on, as Go's. */
    void goexitCalled(G gp) {
        if (gp == main) {
            mainGoexited = true;
        }
    }

    /** newproc made main, not yet started: publish it, so that goexit can recognise it. Once. */
    void started(G mainG) {
        assert main == null : "Run.started: main already set";
        main = mainG;
    }

    /** True while some run has neither ended nor failed: checkdead has someone to report to. */
    static boolean anyLive() {
        for (Run r : active) {
            if (r.done.getCount() > 0) {
                return true;
            }
        }
        return false;
    }

    /** Whether every live run's main has ended through Go.goexit (and at least one run is live). */
    static boolean allLiveMainsGoexited() {
        boolean any = false;
        for (Run r : active) {
            if (r.done.getCount() > 0) {
                if (!r.mainGoexited) {
                    return false;
                }
                any = true;
            }
        }
        return any;
    }

    /**
     * Ends the run with t unless it has already failed. Returns false if its Go.run had returned
     * normally first (t reaches nobody), true if the run failed, with t or before. Any thread.
     */
    boolean fail(Throwable t) {
        boolean failed = failure.compareAndSet(null, t) || failure.get() != CLOSED;
        done.countDown();
        return failed;
    }

    /** Whether the caller is the main goroutine of a run: Go.run then runs its function inline. */
    static boolean callerIsMain() {
        G gp = Proc.currentG();
        return gp != null && gp.run != null && gp.run.main == gp;
    }

    /** The main goroutine. */
    G main() {
        return main;
    }

    static void failAll(Throwable t) {
        for (Run r : active) {
            r.fail(t);
        }
    }
}
