package dev.gort.bench;

import dev.gort.Go;
import dev.gort.time.Time;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * What sysmon costs beside a goroutine that sleeps in a loop, and what its back-off costs a hog's
 * victim (docs/benchmarks.md, "Sysmon's back-off"). Two measures, gort only:
 * <ul>
 * <li><b>sleep</b>: a goroutine sleeps 1 ms, {@code --sleeps} times per run; the program prints the
 * {@code gort-sysmon} thread's CPU time per sleep ({@link ThreadMXBean}) and, on Linux, its
 * voluntary context switches per sleep (its wake-ups, from {@code /proc/self/task}).</li>
 * <li><b>hog</b>: after 100 such sleeps (so that sysmon has backed off), the goroutine starts
 * another and then spins with no safe point; the program prints how long the other waited for
 * its first instruction, which only sysmon's retake of the spinner's P can give it at
 * GOMAXPROCS 1.</li>
 * </ul>
 *
 * <pre>
 * java --add-opens java.base/java.lang=ALL-UNNAMED -Dgort.maxprocs=1 \
 *   -cp bench/target/benchmarks.jar dev.gort.bench.SysmonCost [--runs 3] [--sleeps 2000] [--hogs 15]
 * </pre>
 */
public final class SysmonCost {
    private SysmonCost() {}

    public static void main(String[] args) {
        int runs = 3, sleeps = 2000, hogs = 15;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--sleeps" -> sleeps = Integer.parseInt(args[++i]);
                case "--hogs" -> hogs = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException(
                        "SysmonCost: unknown argument '" + args[i] + "' (--runs N, --sleeps N, --hogs N)");
            }
        }
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        int n = sleeps;
        for (int r = 0; r < runs; r++) {
            int run = r + 1;
            Go.run(() -> {
                Thread sysmon = sysmonThread();
                long cpu0 = mx.getThreadCpuTime(sysmon.threadId()), wakes0 = sysmonWakeups();
                for (int i = 0; i < n; i++) {
                    Time.sleep(Duration.ofMillis(1));
                }
                long cpu = mx.getThreadCpuTime(sysmon.threadId()) - cpu0, wakes = sysmonWakeups() - wakes0;
                System.out.printf(Locale.ROOT, "sleep P=%d run %d: sysmon %.1f us of CPU and %s wake-ups per 1 ms sleep%n",
                        Go.gomaxprocs(0), run, cpu / 1e3 / n, wakes0 < 0 ? "?" : String.format(Locale.ROOT, "%.2f", wakes / (double) n));
            });
        }
        List<Double> waits = new ArrayList<>();
        for (int h = 0; h < hogs; h++) {
            AtomicLong ran = new AtomicLong();
            Go.run(() -> {
                for (int i = 0; i < 100; i++) {
                    Time.sleep(Duration.ofMillis(1));
                }
                long t0 = System.nanoTime();
                Go.go(() -> ran.set(System.nanoTime()));
                while (ran.get() == 0 && System.nanoTime() - t0 < 10_000_000_000L) {
                    Thread.onSpinWait(); // a hog with no safe point: only a retake lets the other run
                }
                waits.add((ran.get() - t0) / 1e6);
            });
        }
        int[] procs = new int[1];
        Go.run(() -> procs[0] = Go.gomaxprocs(0));
        Collections.sort(waits);
        System.out.printf(Locale.ROOT, "hog P=%d: the victim waited %.1f ms (median), %.1f–%.1f ms (range) of %d%n",
                procs[0], waits.get(waits.size() / 2), waits.get(0), waits.get(waits.size() - 1), waits.size());
    }

    private static Thread sysmonThread() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("gort-sysmon"))
                .findFirst().orElseThrow(() -> new IllegalStateException("SysmonCost: no gort-sysmon thread (-Dgort.sysmon=false?)"));
    }

    /** The sysmon thread's voluntary context switches (Linux), or -1 where /proc does not say. */
    private static long sysmonWakeups() {
        Path tasks = Path.of("/proc/self/task");
        if (!Files.isDirectory(tasks)) {
            return -1;
        }
        try (Stream<Path> ts = Files.list(tasks)) {
            for (Path t : (Iterable<Path>) ts::iterator) {
                try {
                    if (!Files.readString(t.resolve("comm")).trim().equals("gort-sysmon")) {
                        continue;
                    }
                    for (String line : Files.readAllLines(t.resolve("status"))) {
                        if (line.startsWith("voluntary_ctxt_switches:")) {
                            return Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                        }
                    }
                } catch (IOException e) {
                    // a thread that ended while we looked
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return -1;
    }
}
