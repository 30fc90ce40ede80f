package dev.gort.examples.sched;

import dev.gort.Go;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A hog under GOMAXPROCS=1: one goroutine spins for a second with no safe point, and a victim
 * goroutine is started behind it. Without sysmon the victim waits for the whole second (the JVM
 * cannot preempt a running virtual thread); with sysmon the hog's P is retaken after about 20ms and
 * the victim runs. Sysmon is fixed per JVM, so the demo runs each case in its own JVM.
 */
public final class Hog {
    private Hog() {}

    /** The victim's latency, in ms, behind a 1-second hog at GOMAXPROCS=1. */
    static long victimLatencyMs() {
        Go.gomaxprocs(1);
        AtomicBoolean hogRunning = new AtomicBoolean();
        AtomicLong ran = new AtomicLong();
        CountDownLatch done = new CountDownLatch(2);
        Go.go(() -> {
            hogRunning.set(true);
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
            while (System.nanoTime() < end) {
                Thread.onSpinWait(); // no safe point
            }
            done.countDown();
        });
        while (!hogRunning.get()) {
            Thread.onSpinWait();
        }
        long t0 = System.nanoTime();
        Go.go(() -> {
            ran.set(System.nanoTime());
            done.countDown();
        });
        try {
            done.await();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
        return (ran.get() - t0) / 1_000_000;
    }

    /** Child-JVM entry point: prints the latency. */
    public static void main(String[] args) {
        System.out.println(victimLatencyMs());
    }

    public static void show() throws Exception {
        for (boolean sysmon : new boolean[] {false, true}) {
            List<String> cmd = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--add-opens", "java.base/java.lang=ALL-UNNAMED",
                    "-Dgort.sysmon=" + sysmon, "-cp", System.getProperty("java.class.path"), Hog.class.getName()));
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            p.waitFor();
            System.out.printf("  sysmon %-3s: the victim started %5s ms after it was made runnable%n",
                    sysmon ? "on" : "off", out);
        }
        System.out.println("  (without sysmon it waits for the hog to finish; with it, the P is retaken)");
    }
}
