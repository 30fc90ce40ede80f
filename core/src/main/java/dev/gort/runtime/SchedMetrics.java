package dev.gort.runtime;

import java.util.concurrent.atomic.AtomicLongArray;

/*
 * SchedMetrics: the scheduler's numbers, as Go's runtime/metrics names them (/sched/...), for
 * dev.gort.metrics.Metrics, its MBean and the Micrometer binder.
 *
 * Two kinds
 * ---------
 *  - Read on demand, at no cost to the scheduler: goroutines by state (a walk over allgs, as Go's
 *    /sched/goroutines/... which Go computes from its own counters), goroutines created (goidgen),
 *    threads (Ms), GOMAXPROCS.
 *  - Accumulated by the event hooks (Trace.on): the scheduling-latency histogram (ready to running,
 *    Go's /sched/latencies:seconds) and the time spent blocked per wait reason. Go accumulates both
 *    always, sampling every 8th goroutine; gort accumulates them only once accounting is on
 *    (enable(): the first Metrics.read, the MBean, the Micrometer binder, or -Dgort.metrics=true at
 *    start-up), so a program that never asks pays nothing. Once on it stays on: 2 nanoTime reads
 *    and an atomic add per park and per run, about 40 ns.
 *
 * Histogram buckets: bucket 0 is [0, 2^6 ns), bucket i (1..NBUCKETS-2) is [2^(i+5), 2^(i+6)) ns, the
 * last is [2^(NBUCKETS+4) ns, +inf): 64 ns to about 69 s in powers of two, as Go's time histograms
 * are exponential.
 *
 * Differences from Go
 * -------------------
 *  - Latency and blocked time cover the time since accounting was enabled, not since start-up.
 *  - Blocked time counts parks through gort's runtime (channels, select, sync, sleep) only; parks in
 *    JDK code are invisible to gort (the JDK's JFR events cover them). Go has no per-reason metric;
 *    gort's are named /gort/sched/blocked/REASON:seconds.
 *  - /sched/threads/total:threads counts gort's Ms, not every JVM thread (GC, JIT, ...).
 */
final class SchedMetrics {
    private SchedMetrics() {}

    static final int NBUCKETS = 32;
    private static final AtomicLongArray LATENCY = new AtomicLongArray(NBUCKETS);
    private static final int NREASONS = WaitReason.values().length;
    private static final AtomicLongArray BLOCKED_NANOS = new AtomicLongArray(NREASONS);

    /** Turns the accumulating metrics on (idempotent). */
    static void enable() {
        if (!Trace.metrics) {
            Trace.setMetrics(true);
        }
    }

    /** -Dgort.metrics=true: accounting from start-up. Proc.schedinit. */
    static void enableIfConfigured() {
        if (Boolean.getBoolean("gort.metrics")) {
            enable();
        }
    }

    static void latency(long ns) {
        LATENCY.incrementAndGet(bucket(ns));
    }

    static void blocked(WaitReason r, long ns) {
        if (ns > 0) {
            BLOCKED_NANOS.addAndGet(r.ordinal(), ns);
        }
    }

    static int bucket(long ns) {
        int b = 63 - Long.numberOfLeadingZeros(Math.max(ns, 1)) - 5;
        return Math.max(0, Math.min(NBUCKETS - 1, b));
    }

    /** The lower bound of bucket i in nanoseconds (bucket 0: 0). */
    static long bucketLowNanos(int i) {
        return i == 0 ? 0 : 1L << (i + 5);
    }

    /** A copy of the latency histogram's counts. */
    static long[] latencyCounts() {
        long[] c = new long[NBUCKETS];
        for (int i = 0; i < NBUCKETS; i++) {
            c[i] = LATENCY.get(i);
        }
        return c;
    }

    /** Nanoseconds blocked for reason r, since accounting was enabled. */
    static long blockedNanos(WaitReason r) {
        return BLOCKED_NANOS.get(r.ordinal());
    }

    /** Live goroutines by status (index: GStatus ordinal), from one walk over allgs. Racy, as Go's. */
    static long[] goroutinesByStatus() {
        long[] n = new long[GStatus.values().length];
        for (G gp : Proc.allgs) {
            n[gp.status().ordinal()]++;
        }
        return n;
    }

    static long goroutinesCreated() {
        return Proc.goidgen.get();
    }

    static int threads() {
        return Proc.mcount;
    }

    static int gomaxprocs() {
        return Proc.gomaxprocs;
    }

    /** Whether the runtime has started (before, every count is 0 and gomaxprocs is its default). */
    static boolean started() {
        return Proc.started;
    }
}
