package dev.gort.bench;

import dev.gort.Go;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What {@link Goroutines#pingPongHog} measures: how the time is shared between the spinning hog and
 * the ping-pong pair. Its row divides the wall time by the round trips, so a scheduler that gives
 * the hog a fairer share of the CPU measures slower per round trip. This program runs the row's
 * shape and says, per side, the round trip's wall time, the share of the wall time the hog ran
 * (the sum of the gaps under 20 µs between its clock reads; a longer gap is time it was off its
 * carrier), and the pair's own time per round trip (wall time minus the hog's). On a loaded
 * machine the OS's preemption of the carrier also leaves such gaps, so the share reads low there:
 * run it on a quiet one.
 *
 * <pre>
 * java --add-opens java.base/java.lang=ALL-UNNAMED -Dgort.maxprocs=1 \
 *   -Djdk.virtualThreadScheduler.parallelism=1 -Djdk.virtualThreadScheduler.maxPoolSize=1 \
 *   -cp bench/target/benchmarks.jar dev.gort.bench.HogShare [--runs 8] gort jdk
 * </pre>
 */
public final class HogShare {
    private HogShare() {}

    private static final int N = 100_000;
    /** A longer gap between two of the hog's clock reads is time it did not run. */
    private static final long GAP_NS = 20_000;

    public static void main(String[] args) {
        int runs = 8;
        java.util.List<Rt> sides = new java.util.ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--runs")) {
                runs = Integer.parseInt(args[++i]);
            } else {
                sides.add(Rt.of(args[i]));
            }
        }
        if (sides.isEmpty()) {
            throw new IllegalArgumentException("HogShare: name the sides to run (gort, jdk, floor)");
        }
        int procs = Bench.procs();
        for (int r = 0; r < runs; r++) {
            for (Rt rt : sides) {
                long[] result = new long[2]; // wall, hog's running time
                rt.run(() -> once(rt, result));
                System.out.printf(Locale.ROOT, "%-5s P=%d run %d: %,.0f ns per round trip, hog ran %.0f%% of the time, pair %,.0f ns per round trip of its own time%n",
                        rt.name().toLowerCase(Locale.ROOT), procs, r + 1, result[0] / (double) N,
                        100.0 * result[1] / result[0], (result[0] - result[1]) / (double) N);
            }
        }
    }

    private static void once(Rt rt, long[] result) {
        boolean gort = rt == Rt.GORT;
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch done = new CountDownLatch(3);
        rt.go(() -> {
            long sliceEnd = System.nanoTime() + Goroutines.SLICE_NS;
            long last = System.nanoTime();
            long ran = 0;
            while (!stop.get()) {
                if (gort) {
                    Go.checkPreempt();
                }
                long now = System.nanoTime();
                if (now - last < GAP_NS) {
                    ran += now - last;
                }
                last = now;
                if (now > sliceEnd) { // as the row's hog: yield after each slice on every side
                    Thread.yield();
                    sliceEnd = System.nanoTime() + Goroutines.SLICE_NS;
                    last = System.nanoTime();
                }
            }
            result[1] = ran;
            done.countDown();
        });
        long t0 = System.nanoTime();
        Baton ping = Goroutines.hogPair(rt, N, stop, done);
        Bench.await(done);
        result[0] = System.nanoTime() - t0;
        Bench.check(ping.take() == Boolean.TRUE, "ping-pong lost its ball");
    }
}
