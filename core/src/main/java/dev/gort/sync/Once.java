package dev.gort.sync;

import dev.gort.Panic;
import dev.gort.runtime.Linkname;
import dev.gort.runtime.Race;

import java.util.Objects;
import java.util.function.Supplier;

/*
 * Once: Go's sync.Once (src/sync/once.go).
 *
 * A volatile done flag for the fast path and a Mutex for the slow one. The slow path locks m,
 * re-checks done, runs f and sets done in a finally (Go's defer), so a panicking f still counts
 * as done and later callers return without running anything. done is set only after f returns:
 * a caller that sees done==true sees everything f wrote (Go's "if Do returns, f has finished").
 * A plain CAS of done before f would break that, which is why Go (and we) use the mutex.
 *
 * func and value (Go 1.21's OnceFunc and OnceValue) wrap f in a Once and keep its outcome: the
 * value, or the throwable f threw, which every later call throws again (Go re-panics with the same
 * value on every call). The outcome is written inside the Once's f, so the Once's own ordering (f's
 * effects before any return of run) publishes it; f is dropped once its call has ended, whether it
 * returned or threw, as Go's (a deferred d.f = nil). (It was dropped only when f returned, so an f
 * that threw stayed reachable with all it held: onceFuncDropsF.)
 *
 * Differences from Go: none in behaviour, except where Go leaves it unspecified: an f that calls
 * Go.goexit. Go's OnceFunc then panics with a nil value (a PanicNilError) in the first caller and
 * every later one; gort lets the first caller's goroutine exit as goexit asked, and later callers
 * throw a Panic saying f called goexit (rethrowing the goexit would end their goroutines, and
 * is meaningless on a platform thread). Go's OnceValues (two results) is value with a record.
 * Race edges: the setter releases, fast-path readers acquire.
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

    /**
     * Go's {@code sync.OnceFunc}: a Runnable that runs f only on its first call. It may be called
     * concurrently: later callers wait until f has returned. If f throws, every call throws that
     * same throwable. If f calls {@code Go.goexit}, the first caller's goroutine exits and every
     * later call throws a {@link Panic}. f is not kept once its call has ended.
     *
     * @throws NullPointerException if f is null
     */
    public static Runnable func(Runnable f) {
        Objects.requireNonNull(f, "Once.func: f is null");
        Outcome<Void> o = new Outcome<>(() -> {
            f.run();
            return null;
        });
        return o::get;
    }

    /**
     * Go's {@code sync.OnceValue}: a Supplier that calls f only on its first call and returns f's
     * value on every call. It may be called concurrently: later callers wait until f has returned.
     * If f throws, every call throws that same throwable. If f calls {@code Go.goexit}, the first
     * caller's goroutine exits and every later call throws a {@link Panic}. For Go's
     * {@code OnceValues}, let f return a record of the two values. f is not kept once its call
     * has ended.
     *
     * @throws NullPointerException if f is null
     */
    public static <T> Supplier<T> value(Supplier<T> f) {
        Objects.requireNonNull(f, "Once.value: f is null");
        return new Outcome<>(f)::get;
    }

    /** The state behind func and value: a Once and the outcome of its one call of f. */
    private static final class Outcome<T> {
        private final Once once = new Once();
        /**
         * Until f's call ends (returned or threw); then null, so that f and what it holds can be
         * collected. Under once.
         */
        private Supplier<T> f;
        /** f's value, valid once f returned. Written under once (published by it). */
        private T value;
        /** Whether f returned. Written under once. */
        private boolean valid;
        /** What f threw, if it did not return. Written under once. */
        private Throwable thrown;

        Outcome(Supplier<T> f) {
            this.f = f;
        }

        T get() {
            once.run(this::call);
            if (valid) {
                return value;
            }
            if (Linkname.isGoexit(thrown)) {
                throw new Panic("sync: the function of a OnceFunc or OnceValue called Go.goexit");
            }
            throw Outcome.<RuntimeException>sneaky(thrown);
        }

        private void call() {
            try {
                value = f.get();
                valid = true;
            } catch (Throwable t) {
                thrown = t;
                throw t; // the first caller sees it unwrapped, its own stack complete (as Go re-panics)
            } finally {
                f = null; // returned or threw: never called again (Go's deferred d.f = nil)
            }
        }

        @SuppressWarnings("unchecked")
        private static <E extends Throwable> E sneaky(Throwable t) throws E {
            throw (E) t;
        }
    }

    /** Whether f has run (racy snapshot). */
    boolean isDone() {
        return done;
    }
}
