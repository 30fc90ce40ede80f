package dev.gort.examples;

import dev.gort.Go;
import dev.gort.examples.sched.CpuBound;
import dev.gort.examples.sched.Spread;

/**
 * {@code ./gort demo}: gort's scheduler at work, scenario by scenario, each printing what it shows.
 * The scenarios follow the seed notes on Go's GMP scheduler.
 */
public final class Demo {
    private Demo() {}

    interface Scenario {
        void run() throws Exception;
    }

    public static void main(String[] args) throws Exception {
        System.out.printf("gort demo: Go's GMP scheduler on JDK %s, %d CPUs, GOMAXPROCS=%d%n",
                Runtime.version(), Go.numCPU(), Go.gomaxprocs(0));
        scenario("1. CPU-bound goroutines under GOMAXPROCS=1 and GOMAXPROCS=2", CpuBound::show);
        scenario("2. 100,000 goroutines from one goroutine, spread over the Ps by work stealing", Spread::show);
        System.out.println("\ndone.");
    }

    private static void scenario(String title, Scenario s) throws Exception {
        System.out.println("\n== " + title + " ==");
        long t0 = System.nanoTime();
        s.run();
        System.out.printf("  (%d ms)%n", (System.nanoTime() - t0) / 1_000_000);
    }
}
