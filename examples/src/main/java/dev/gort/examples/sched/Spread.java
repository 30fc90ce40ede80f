package dev.gort.examples.sched;

import dev.gort.Go;

import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * 100,000 goroutines started from ONE goroutine: each new goroutine goes to its creator's P
 * (runnext, then the local queue, overflowing half to the global queue), and idle Ps steal half of
 * a busy P's queue. The per-P run counts show the work spread over every P; schedtrace lines
 * (Go's GODEBUG=schedtrace format) are printed while it runs. Both come from Go.schedtrace: the
 * counts from its detail report's P lines (runs=, steals=).
 */
public final class Spread {
    private Spread() {}

    public static void main(String[] args) throws Exception {
        show();
    }

    public static void show() throws Exception {
        long[] runs0 = perP("runs"), steals0 = perP("steals");
        int n = 100_000;
        CountDownLatch done = new CountDownLatch(n);
        Thread printer = Thread.ofPlatform().daemon().start(() -> {
            try {
                for (;;) {
                    Thread.sleep(100);
                    System.out.print(Go.schedtrace(false));
                }
            } catch (InterruptedException e) {
                // done
            }
        });
        try {
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
        } finally {
            printer.interrupt();
            printer.join();
        }
        long[] runs = perP("runs"), steals = perP("steals");
        for (int p = 0; p < runs.length; p++) {
            long r = runs[p] - (p < runs0.length ? runs0[p] : 0);
            long s = steals[p] - (p < steals0.length ? steals0[p] : 0);
            System.out.printf("  P%d ran %6d goroutines (stole work %d times)%n", p, r, s);
        }
        System.out.println("  per-P run counts: " + Arrays.toString(runs));
    }

    /** Each P's count of key (runs or steals since start-up), from schedtrace's detail P lines. */
    private static long[] perP(String key) {
        Pattern line = Pattern.compile("^  P(\\d+): .*\\b" + key + "=(\\d+)", Pattern.MULTILINE);
        Matcher m = line.matcher(Go.schedtrace(true));
        long[] counts = new long[Go.gomaxprocs(0)];
        while (m.find()) {
            int p = Integer.parseInt(m.group(1));
            if (p < counts.length) {
                counts[p] = Long.parseLong(m.group(2));
            }
        }
        return counts;
    }

    private static long i() {
        return System.nanoTime() | 1;
    }
}
