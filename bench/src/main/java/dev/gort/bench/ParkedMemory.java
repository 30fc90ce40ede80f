package dev.gort.bench;

import com.softwaremill.jox.Channel;
import dev.gort.Go;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Memory per parked goroutine: starts N goroutines that all block, then reports the growth of the
 * heap after full GCs (a virtual thread's stack lives on the heap as stack chunks) and of the
 * process's resident set (VmRSS), divided by N. Run once per side, each in a fresh JVM with the
 * same flags (bench/run-bench memory does this):
 *
 * <pre>
 * java --add-opens java.base/java.lang=ALL-UNNAMED -Xms6g -Xmx6g -Xmn1g -Dgort.maxprocs=P \
 *   -Djdk.virtualThreadScheduler.parallelism=P -cp bench/target/benchmarks.jar dev.gort.bench.ParkedMemory SIDE [N]
 * </pre>
 * SIDE: {@code gort} (gort goroutines blocked in {@code CountDownLatch.await}), {@code jdk} (JDK
 * virtual threads blocked the same way), {@code gort-chan} (gort goroutines blocked receiving from
 * one gort channel), {@code jox} (JDK virtual threads blocked receiving from one
 * jox channel), {@code kotlin} (coroutines suspended receiving from one kotlinx channel).
 */
public final class ParkedMemory {
    private ParkedMemory() {}

    /** What the parked goroutines wait on, kept reachable for the whole measurement. */
    static Object keep;

    public static void main(String[] args) throws Exception {
        String side = args.length > 0 ? args[0] : "gort";
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 1_000_000;
        gc();
        long heap0 = heapUsed();
        long rss0 = rss();
        CountDownLatch never = new CountDownLatch(1);
        keep = never;
        AtomicInteger started = new AtomicInteger();
        Runnable park = () -> {
            started.incrementAndGet();
            Bench.await(never);
        };
        long t0 = System.nanoTime();
        switch (side) {
            case "gort" -> {
                for (int i = 0; i < n; i++) {
                    Go.go(park);
                }
            }
            case "jdk" -> {
                for (int i = 0; i < n; i++) {
                    Thread.startVirtualThread(park);
                }
            }
            case "gort-chan" -> {
                dev.gort.chan.Chan<Object> ch = dev.gort.chan.Chan.make();
                keep = ch;
                for (int i = 0; i < n; i++) {
                    Go.go(() -> {
                        started.incrementAndGet();
                        ch.recv();
                    });
                }
            }
            case "jox" -> {
                Channel<Object> ch = Channel.newRendezvousChannel();
                keep = ch;
                for (int i = 0; i < n; i++) {
                    Thread.startVirtualThread(() -> {
                        started.incrementAndGet();
                        try {
                            ch.receive();
                        } catch (InterruptedException e) {
                            throw new IllegalStateException(e);
                        }
                    });
                }
            }
            case "kotlin" -> dev.gort.bench.kt.KParked.park(Integer.getInteger("gort.maxprocs", 1), n, started);
            default -> throw new IllegalArgumentException("unknown side " + side + " (gort, jdk, gort-chan, jox, kotlin)");
        }
        while (started.get() < n) {
            Thread.sleep(10);
        }
        Thread.sleep(1000); // let the last ones reach their park
        gc();
        long heap1 = heapUsed();
        long rss1 = rss();
        System.out.printf(Locale.ROOT, "parked-memory side=%s n=%d procs=%s heap=%.0f B/goroutine rss=%.0f B/goroutine start=%d ms%n",
                side, n, System.getProperty("gort.maxprocs"), (heap1 - heap0) / (double) n, (rss1 - rss0) / (double) n,
                (System.nanoTime() - t0) / 1_000_000);
        System.out.flush();
        Runtime.getRuntime().halt(0);
    }

    private static void gc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
    }

    private static long heapUsed() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** VmRSS from /proc/self/status, in bytes (0 where there is no /proc). */
    private static long rss() throws java.io.IOException {
        Path status = Path.of("/proc/self/status");
        if (!Files.exists(status)) {
            return 0;
        }
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return 0;
    }
}
