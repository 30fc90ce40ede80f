package dev.gort.examples.sched;

import dev.gort.Go;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * CPU-bound goroutines under GOMAXPROCS=1 and 2 (the seeds' parallelism example): the same work
 * takes about half as long with two Ps on a two-core machine. Each goroutine calls
 * {@link Go#checkPreempt()} in its loop, a cooperative safe point, so sysmon's 10ms time slice
 * keeps at most GOMAXPROCS of them running.
 */
public final class CpuBound {
    private CpuBound() {}

    /** Runs {@code goroutines} CPU-bound goroutines at GOMAXPROCS=procs; returns the elapsed nanoseconds. */
    public static long timeAt(int procs, int goroutines, long workPerGoroutine) {
        int old = Go.gomaxprocs(procs);
        try {
            AtomicLong sink = new AtomicLong();
            long t0 = System.nanoTime();
            Go.run(() -> {
                CountDownLatch done = new CountDownLatch(goroutines);
                for (int g = 0; g < goroutines; g++) {
                    long seed = g + 1;
                    Go.go(() -> {
                        sink.addAndGet(spin(seed, workPerGoroutine));
                        done.countDown();
                    });
                }
                try {
                    done.await();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            long t = System.nanoTime() - t0;
            if (sink.get() == 42) {
                System.out.print(""); // keeps the work observable to the JIT
            }
            return t;
        } finally {
            Go.gomaxprocs(old);
        }
    }

    /** A xorshift loop: pure CPU, with a safe point every 4096 steps. */
    static long spin(long x, long n) {
        for (long i = 0; i < n; i++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            if ((i & 4095) == 0) {
                Go.checkPreempt();
            }
        }
        return x;
    }

    public static void main(String[] args) {
        show();
    }

    /** Prints the timings and the speed-up. */
    public static void show() {
        int gs = 4;
        long work = 150_000_000L;
        timeAt(2, gs, work / 10); // warm-up: let the JIT compile the loop
        long t1 = timeAt(1, gs, work);
        long t2 = timeAt(2, gs, work);
        System.out.printf("  %d CPU-bound goroutines, GOMAXPROCS=1: %4d ms%n", gs, t1 / 1_000_000);
        System.out.printf("  %d CPU-bound goroutines, GOMAXPROCS=2: %4d ms%n", gs, t2 / 1_000_000);
        System.out.printf("  speed-up with 2 Ps: %.2fx (this machine has %d CPUs)%n", (double) t1 / t2, Go.numCPU());
    }
}
