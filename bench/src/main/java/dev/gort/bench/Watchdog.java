package dev.gort.bench;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Ends a fork whose benchmark invocation hangs: a lost wake-up must cost one row's samples, not
 * the whole run. After {@link #LIMIT_S} seconds it writes a thread dump that includes every
 * virtual thread (goroutine) to {@code gort-bench-hang-PID.txt} in the working directory, names it
 * on stderr, and halts the fork; the runner then goes on with the next row. Both sides run under
 * the same guard (one schedule and one cancel per invocation).
 */
final class Watchdog {
    private Watchdog() {}

    static final long LIMIT_S = 60;

    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "bench-watchdog");
        t.setDaemon(true);
        return t;
    });

    static void guard(Runnable invocation) {
        ScheduledFuture<?> f = TIMER.schedule(Watchdog::fire, LIMIT_S, TimeUnit.SECONDS);
        try {
            invocation.run();
        } finally {
            f.cancel(false);
        }
    }

    private static void fire() {
        Path out = Path.of("gort-bench-hang-" + ProcessHandle.current().pid() + ".txt").toAbsolutePath();
        try {
            Files.deleteIfExists(out);
            ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                    .dumpThreads(out.toString(), HotSpotDiagnosticMXBean.ThreadDumpFormat.TEXT_PLAIN);
            System.err.println("bench: an invocation ran over " + LIMIT_S + " s (hang?); threads dumped to " + out);
        } catch (Exception e) {
            System.err.println("bench: an invocation ran over " + LIMIT_S + " s (hang?); thread dump failed: " + e);
        }
        System.err.flush();
        Runtime.getRuntime().halt(4);
    }
}
