package dev.gort.examples.sched;

import dev.gort.Go;
import dev.gort.runtime.SchedTrace;

import java.util.Arrays;
import java.util.concurrent.CountDownLatch;

/**
 * 100,000 goroutines started from ONE goroutine: each new goroutine goes to its creator's P
 * (runnext, then the local queue, overflowing half to the global queue), and idle Ps steal half of
 * a busy P's queue. The per-P run counts show the work spread over every P; schedtrace lines
 * (Go's GODEBUG=schedtrace format) are printed while it runs.
 */
public final class Spread {
    private Spread() {}

    public static void main(String[] args) throws Exception {
        show();
    }

    public static void show() throws Exception {
        long[] runs0 = SchedTrace.runsPerP();
        long[] steals0 = SchedTrace.stealsPerP();
        int n = 100_000;
        CountDownLatch done = new CountDownLatch(n);
        try (AutoCloseable trace = SchedTrace.start(100, false, System.out)) {
            Go.run(() -> {
                for (int i = 0; i < n; i++) {
                    Go.go(() -> {
                        CpuBound.spin(i(), 2_000); // a little work, so queues build up
                        done.countDown();
                    });
                }
                try {
                    done.await();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
        }
        long[] runs = SchedTrace.runsPerP(), steals = SchedTrace.stealsPerP();
        for (int p = 0; p < runs.length; p++) {
            long r = runs[p] - (p < runs0.length ? runs0[p] : 0);
            long s = steals[p] - (p < steals0.length ? steals0[p] : 0);
            System.out.printf("  P%d ran %6d goroutines (stole work %d times)%n", p, r, s);
        }
        System.out.println("  per-P run counts: " + Arrays.toString(runs));
    }

    private static long i() {
        return System.nanoTime() | 1;
    }
}
