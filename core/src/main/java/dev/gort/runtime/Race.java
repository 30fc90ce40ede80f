package dev.gort.runtime;

/*
 * Race: the happens-before hooks of the race detector, as Go's race.go (raceacquire,
 * racerelease, racereleasemerge, racegostart). gort's channels, locks and timers call them at the
 * points Go's chan.go, sema.go and time.go do; with the detector off (the default) each call is one
 * test of a static final boolean, which the JIT folds away.
 *
 * Go's raceacquireg/racereleaseg let a waker act for the goroutine it wakes. gort's detector acts
 * for the calling thread only, so a waiter releases its clock to an address of its own (the
 * channel's sudog) before it parks and acquires from it after; releaseMergeFrom then lets the
 * waker pass what the waiter released on to another address (a buffered channel's slot) without
 * taking it into its own clock, which is Go's racereleaseg for a waiter that has just acquired.
 *
 * The detector itself lives in the agent (agent/, mode race): `gort run -race` starts the JVM with
 * -javaagent:gort-agent.jar, whose premain sets -Dgort.race=true before this class initialises and
 * installs a Detector.
 *
 * Public, as Go's internal/race is importable by the standard library: package sync annotates its
 * Mutex, WaitGroup, Once and Cond with acquire/release/releaseMerge, and the agent (another jar)
 * implements Detector and calls install. It is the runtime's second door, beside Linkname, and
 * holds nothing else; goStart and releaseMergeFrom stay package-private (Proc.newproc and HChan
 * call them).
 */
public final class Race {
    private Race() {}

    /** Whether the race detector is on. Fixed at class initialisation from -Dgort.race. */
    public static final boolean ENABLED = Boolean.getBoolean("gort.race");

    /** The detector's side of the hooks. */
    public interface Detector {
        /** The calling goroutine/thread acquires what was released on addr (Go's raceacquire). */
        void acquire(Object addr);

        /** The calling goroutine/thread releases to addr, replacing what was there (Go's racerelease). */
        void release(Object addr);

        /** As release, but merging with what was there (Go's racereleasemerge). */
        void releaseMerge(Object addr);

        /** The calling goroutine/thread is about to start {@code child} (Go's racegostart). */
        void goStart(Thread child);

        /**
         * Merges what was released to {@code from} into {@code to}, leaving the calling thread's
         * clock alone: as if whoever released to {@code from} had release-merged to {@code to}
         * (Go's racereleaseg, by a waker for the goroutine it wakes).
         */
        void releaseMergeFrom(Object from, Object to);
    }

    private static volatile Detector detector;

    /** Installs the detector (the agent does, once, at premain). */
    public static void install(Detector d) {
        detector = d;
    }

    public static void acquire(Object addr) {
        if (ENABLED) {
            Detector d = detector;
            if (d != null) {
                d.acquire(addr);
            }
        }
    }

    public static void release(Object addr) {
        if (ENABLED) {
            Detector d = detector;
            if (d != null) {
                d.release(addr);
            }
        }
    }

    public static void releaseMerge(Object addr) {
        if (ENABLED) {
            Detector d = detector;
            if (d != null) {
                d.releaseMerge(addr);
            }
        }
    }

    static void releaseMergeFrom(Object from, Object to) {
        if (ENABLED) {
            Detector d = detector;
            if (d != null) {
                d.releaseMergeFrom(from, to);
            }
        }
    }

    static void goStart(Thread child) {
        if (ENABLED) {
            Detector d = detector;
            if (d != null) {
                d.goStart(child);
            }
        }
    }
}
