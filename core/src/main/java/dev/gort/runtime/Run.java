package dev.gort.runtime;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One {@code Go.run}: the main goroutine and every goroutine it (transitively) starts. It ends when
 * main returns, or with the first panic or fatal error in any of its goroutines, as Go's program
 * does. Several runs may be active at once (tests do this); each G belongs to at most one.
 */
public final class Run {
    private static final Set<Run> active = ConcurrentHashMap.newKeySet();

    private final CountDownLatch done = new CountDownLatch(1);
    /** The first failure; set once. */
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    /** The main goroutine; written once by start, before it can end. */
    private volatile G main;

    /** Starts fn as this run's main goroutine. */
    public G start(Runnable fn) {
        active.add(this);
        main = Proc.newproc(fn, this);
        return main;
    }

    /** Waits for main to return or for the run to fail; returns the failure, or null. */
    public Throwable await() throws InterruptedException {
        try {
            done.await();
        } finally {
            active.remove(this);
        }
        return failure.get();
    }

    void goexit(G gp) {
        if (gp.runMain) {
            done.countDown();
        }
    }

    /** Ends the run with t unless it has already failed. Any thread. */
    void fail(Throwable t) {
        failure.compareAndSet(null, t);
        done.countDown();
    }

    /** The main goroutine. */
    public G main() {
        return main;
    }

    static void failAll(Throwable t) {
        for (Run r : active) {
            r.fail(t);
        }
    }
}
