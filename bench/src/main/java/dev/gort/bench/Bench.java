package dev.gort.bench;

import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;

/**
 * Settings and small helpers shared by the benchmarks.
 *
 * <p>The parallelism P of a fork is {@code -Dgort.maxprocs}; the runner ({@link BenchRunner},
 * {@code bench/run-bench}) passes the same P to the JDK's scheduler and to Kotlin's dispatcher, so
 * every row compares sides at the same parallelism. {@link #procs()} refuses a fork whose settings
 * disagree.
 */
public final class Bench {
    private Bench() {}

    /**
     * The JVM arguments every fork gets, besides the parallelism: gort's flag and one fixed heap for
     * all sides, touched at start-up, so that no side's measurement pays the kernel's first-touch page
     * faults of a fresh young generation (see "Method" in docs/benchmarks.md).
     */
    public static final String[] JVM_ARGS = {
        "--add-opens", "java.base/java.lang=ALL-UNNAMED", "-Xms2g", "-Xmx2g", "-Xmn1g", "-XX:+AlwaysPreTouch",
    };

    /** The arguments that set parallelism P for gort, the JDK's virtual-thread scheduler and Kotlin. */
    public static String[] procsArgs(int p) {
        return new String[] {
            "-Dgort.maxprocs=" + p,
            "-Djdk.virtualThreadScheduler.parallelism=" + p,
            "-Djdk.virtualThreadScheduler.maxPoolSize=" + p,
        };
    }

    /**
     * This fork's parallelism P.
     *
     * @throws IllegalStateException if gort's and the JDK's parallelism are not both set to the same P
     */
    public static int procs() {
        String g = System.getProperty("gort.maxprocs");
        String j = System.getProperty("jdk.virtualThreadScheduler.parallelism");
        if (g == null || !g.equals(j)) {
            throw new IllegalStateException("benchmarks need the same parallelism for every side: run them with "
                    + "bench/run-bench, or pass -jvmArgsAppend \"-Dgort.maxprocs=P -Djdk.virtualThreadScheduler.parallelism=P"
                    + " -Djdk.virtualThreadScheduler.maxPoolSize=P\" (got gort.maxprocs=" + g + ", parallelism=" + j + ")");
        }
        return Integer.parseInt(g);
    }

    /** Waits for the latch; a benchmark goroutine is never interrupted, so interruption is a bug. */
    public static void await(CountDownLatch l) {
        try {
            l.await();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Waits at the barrier. */
    public static void await(CyclicBarrier b) {
        try {
            b.await();
        } catch (InterruptedException | BrokenBarrierException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Checks a row's result: a row that computed the wrong answer must not report a time. */
    public static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError("benchmark computed a wrong result: " + what);
        }
    }
}
