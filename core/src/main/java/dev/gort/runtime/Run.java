package dev.gort.runtime;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

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
 * has failed, it lets the run's goroutines that are still running or runnable go on for up to
 * PANIC_GRACE_NANOS, ending the wait as soon as one fails the run, or none is left on a CPU or in a
 * queue and no panic is being reported. A finally block that blocks (on a lock, a channel, a sleep)
 * after releasing main, or runs longer than the grace (or whose M the OS keeps off a core as
 * long), lets Go.run return first: the panic is printed but not seen by Go.run. The wait costs
 * nothing when the run's other goroutines are blocked or gone, as they are when a program ends
 * normally; goroutines that keep running delay Go.run's return by the grace. They are not stopped
 * either way: Go.run's return does not end them (the JVM does, at exit).
 */
final class Run {
    private static final Set<Run> active = ConcurrentHashMap.newKeySet();
    /** How long await gives a goroutine that may be unwinding a panic, once main has returned. */
    static final long PANIC_GRACE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

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
            active.remove(this);
        }
        return failure.get();
    }

    /** Main has returned: see "Main returns while a goroutine panics". */
    private void awaitUnwindingPanics() throws InterruptedException {
        long deadline = System.nanoTime() + PANIC_GRACE_NANOS;
        while (failure.get() == null
                && (panicking.get() > 0 || anyOnCpuOrQueued() && deadline - System.nanoTime() > 0)) {
            Thread.sleep(0, 100_000);
        }
    }

    /** Whether a goroutine of this run other than main is running or runnable. */
    private boolean anyOnCpuOrQueued() {
        for (G gp : Proc.allgs) {
            if (gp.run == this && gp != main) {
                GStatus st = gp.status();
                if (st == GStatus.RUNNING || st == GStatus.RUNNABLE) {
                    return true;
                }
            }
        }
        return false;
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

    /** Ends the run with t unless it has already failed. Any thread. */
    void fail(Throwable t) {
        failure.compareAndSet(null, t);
        done.countDown();
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
