package dev.gort.bench;

import dev.gort.Go;

/**
 * One side of a row: where its goroutines run. {@link #GORT} runs them as gort goroutines on gort's
 * GMP scheduler ({@code -Dgort.maxprocs=P}); {@link #JDK} as plain virtual threads on the JDK's
 * default scheduler ({@code -Djdk.virtualThreadScheduler.parallelism=P}); {@link #FLOOR} as virtual
 * threads on {@link Floor}, the cheapest scheduler a virtual thread can have (P=1 only). Row code is
 * written once against this interface, so the sides run the same instructions and differ only in the
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
    },
    /** The floor (see {@link Floor}): one carrier draining a deque. Refuses a fork with P other than 1. */
    FLOOR {
        @Override
        public void go(Runnable fn) {
            Floor.INSTANCE.start(fn);
        }

        @Override
        public void run(Runnable main) {
            Watchdog.guard(() -> {
                Thread t = Floor.INSTANCE.start(main);
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

    /**
     * The side for a benchmark's {@code impl} parameter: "gort" is GORT, "floor" is FLOOR, every
     * other peer runs on JDK. An impl "CHAN/SCHED" runs channel CHAN ({@link BChan#maker}) on the
     * scheduler SCHED: "lock/floor" is {@link LockChan} on the floor.
     *
     * @throws IllegalStateException for "floor" in a fork whose parallelism is not 1: the floor has
     *     one carrier, so it is the floor of P=1 rows only (the fork fails and its cell stays empty)
     */
    public static Rt of(String impl) {
        return switch (impl.substring(impl.indexOf('/') + 1)) {
            case "gort" -> GORT;
            case "floor" -> {
                if (Bench.procs() != 1) {
                    throw new IllegalStateException("the floor scheduler has one carrier: it runs at parallelism 1 only, not "
                            + Bench.procs());
                }
                yield FLOOR;
            }
            default -> JDK;
        };
    }
}
