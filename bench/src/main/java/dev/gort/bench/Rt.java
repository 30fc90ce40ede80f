package dev.gort.bench;

import dev.gort.Go;

/**
 * One side of a row: where its goroutines run. {@link #GORT} runs them as gort goroutines on gort's
 * GMP scheduler ({@code -Dgort.maxprocs=P}); {@link #JDK} as plain virtual threads on the JDK's
 * default scheduler ({@code -Djdk.virtualThreadScheduler.parallelism=P}). Row code is written once
 * against this interface, so the two sides run the same instructions and differ only in the
 * scheduler (and in the primitive under test, when a row compares primitives).
 */
public enum Rt {
    GORT {
        @Override
        public void go(Runnable fn) {
            Go.go(fn);
        }

        @Override
        public void run(Runnable main) {
            Watchdog.guard(() -> Go.run(main));
        }
    },
    JDK {
        @Override
        public void go(Runnable fn) {
            VT.start(fn);
        }

        @Override
        public void run(Runnable main) {
            Watchdog.guard(() -> {
                Thread t = VT.start(main);
                try {
                    t.join();
                } catch (InterruptedException e) {
                    throw new IllegalStateException("benchmark thread interrupted", e);
                }
            });
        }
    };

    /** A virtual-thread builder whose uncaught exceptions end the fork: a broken row must not hang. */
    private static final class VT {
        static final Thread.Builder BUILDER = Thread.ofVirtual().uncaughtExceptionHandler((t, e) -> {
            System.err.println("benchmark goroutine failed: " + e);
            e.printStackTrace();
            Runtime.getRuntime().halt(3);
        });

        static Thread start(Runnable fn) {
            return BUILDER.start(fn);
        }
    }

    /** Starts a goroutine. */
    public abstract void go(Runnable fn);

    /** Runs main as the main goroutine and waits for it. */
    public abstract void run(Runnable main);

    /** The side for a benchmark's {@code impl} parameter: "gort" is GORT, every peer runs on JDK. */
    public static Rt of(String impl) {
        return "gort".equals(impl) ? GORT : JDK;
    }
}
