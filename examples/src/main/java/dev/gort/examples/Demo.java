package dev.gort.examples;

import dev.gort.Go;
import dev.gort.examples.chan.Pipeline;
import dev.gort.examples.chan.PrimeSieve;
import dev.gort.examples.chan.SelectTimeout;
import dev.gort.examples.chan.WorkerPool;
import dev.gort.examples.context.ContextPipeline;
import dev.gort.examples.net.EchoSockets;
import dev.gort.examples.sched.CpuBound;
import dev.gort.examples.sched.Handoff;
import dev.gort.examples.sched.Hog;
import dev.gort.examples.sched.Spread;
import dev.gort.tools.trace.TraceFiles;
import dev.gort.tools.trace.TraceModel;

import java.nio.file.Files;
import java.nio.file.Path;

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
        Path dir = Files.createTempDirectory("gort-demo");
        Path trace = dir.resolve("demo.trace");
        Go.startTrace(trace); // scenarios 3 to 7 are traced, for the viewer
        scenario("3. Channels: the prime sieve, a chain of filter goroutines", PrimeSieve::demo);
        scenario("4. Channels: a pipeline with fan-out and fan-in", Pipeline::demo);
        scenario("5. Channels: a worker pool", WorkerPool::demo);
        scenario("6. select with a timeout", SelectTimeout::demo);
        scenario("7. Context cancellation across a pipeline", ContextPipeline::run);
        Go.stopTrace();
        Path html = dir.resolve("demo-trace.html"), json = dir.resolve("demo-trace.json");
        TraceModel model = TraceFiles.writeHtml(trace, html);
        TraceFiles.writeChromeJson(trace, json);
        System.out.printf("%n  execution trace of scenarios 3-7: %d goroutines on %d Ps%n", model.goroutines().size(), model.lanes().size());
        System.out.println("  open " + html.toUri() + " in a browser (timeline per P, goroutine table, latency)");
        System.out.println("  or load " + json + " into https://ui.perfetto.dev or chrome://tracing");
        scenario("8. A hog under GOMAXPROCS=1, without and with sysmon", Hog::show);
        scenario("9. A blocking call handed off (Go.syscall)", Handoff::show);
        scenario("10. 10,000 sockets on a few Ms", EchoSockets::show);
        System.out.println("\ndone.");
    }

    private static void scenario(String title, Scenario s) throws Exception {
        System.out.println("\n== " + title + " ==");
        long t0 = System.nanoTime();
        s.run();
        System.out.printf("  (%d ms)%n", (System.nanoTime() - t0) / 1_000_000);
    }
}
