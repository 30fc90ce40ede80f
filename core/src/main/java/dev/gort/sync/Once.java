package dev.gort.sync;

import dev.gort.runtime.Race;

/*
 * Once: Go's sync.Once (src/sync/once.go).
 *
 * A volatile done flag for the fast path and a Mutex for the slow one. The slow path locks m,
 * re-checks done, runs f and sets done in a finally (Go's defer), so a panicking f still counts
 * as done and later callers return without running anything. done is set only after f returns:
 * a caller that sees done==true sees everything f wrote (Go's "if Do returns, f has finished").
 * A plain CAS of done before f would break that, which is why Go (and we) use the mutex.
 *
 * Differences from Go: none in behaviour. Race edges: the setter releases, fast-path readers acquire.
 */
/**
 * Go's {@code sync.Once}: performs exactly one action. {@link #run} calls f only on its first call
 * for this Once, even if f throws; concurrent callers wait until f has returned.
 */
public final class Once {
    /** Written once, under m, after f returned or threw. */
    private volatile boolean done;
    private final Mutex m = new Mutex();

    /** A fresh Once. */
    public Once() {}

    /**
     * Calls f if and only if run is being called for the first time on this Once. No call returns
     * until f has returned (or thrown); if f throws, the exception propagates to this caller and
     * the Once still counts as done. Calling run from f deadlocks, as in Go.
     */
    public void run(Runnable f) {
        if (done) {
            Race.acquire(this);
            return;
        }
        doSlow(f);
    }

    private void doSlow(Runnable f) {
        m.lock();
        try {
            if (!done) {
                try {
                    f.run();
                } finally {
                    Race.release(this);
                    done = true;
                }
            }
        } finally {
            m.unlock();
        }
    }

    /** Whether f has run (racy snapshot). */
    boolean isDone() {
        return done;
    }
}
