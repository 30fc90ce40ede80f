package dev.gort.examples.context;

import dev.gort.Go;
import dev.gort.chan.Chan;
import dev.gort.chan.Select;
import dev.gort.context.CancelContext;
import dev.gort.context.Context;
import dev.gort.errgroup.Group;
import dev.gort.time.Time;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Context cancellation across a pipeline (Go's "pipelines and cancellation" pattern): a generator,
 * a squaring stage and a sink, joined by unbuffered channels, run as an errgroup. Every stage
 * selects on its channel operation and on {@code ctx.done()}, so one cancellation, whether a
 * deadline or a failing stage, stops all of them and leaks no goroutine.
 */
public final class ContextPipeline {
    private ContextPipeline() {}

    /** Runs both scenarios (deadline, then a failing stage) and prints what happens. */
    public static void run() {
        Go.run(() -> {
            System.out.println("== context cancellation across a pipeline: gen -> square -> sink ==");
            int before = Go.numGoroutine();
            scenario("failure: the sink fails at its 20th value", Duration.ofSeconds(10), 20);
            scenario("deadline: the whole pipeline gets 50ms", Duration.ofMillis(50), -1);
            System.out.println("goroutines before: " + before + ", after: " + settledGoroutines(before)
                    + " (no stage leaked)");
        });
    }

    /**
     * Go.numGoroutine once it is back to before, or after a second if it is not. A stage that
     * has called done() on the group is still on its way out when await() returns (Go's
     * NumGoroutine has the same window), so a leak is what stays for a second, not a snapshot.
     */
    private static int settledGoroutines(int before) {
        for (int i = 0; i < 1000 && Go.numGoroutine() > before; i++) {
            Time.sleep(Duration.ofMillis(1));
        }
        return Go.numGoroutine();
    }

    private static void scenario(String title, Duration budget, int failAt) {
        System.out.println("-- " + title);
        AtomicLong sent = new AtomicLong(), squared = new AtomicLong(), got = new AtomicLong();
        long t0 = System.nanoTime();
        CancelContext ctx = Context.withTimeout(Context.background(), budget);
        Group g = Group.withContext(ctx);
        Context gctx = g.context();
        Chan<Long> nums = Chan.make();
        Chan<Long> squares = Chan.make();

        g.go(() -> { // gen: 1, 2, 3, ... one per millisecond until cancelled
            for (long i = 1; ; i++) {
                boolean[] stop = {false};
                new Select().send(nums, i, sent::incrementAndGet).recv(gctx.done(), x -> stop[0] = true).run();
                if (stop[0]) {
                    System.out.printf("   gen    stops after %d values: %s%n", sent.get(), gctx.err().getMessage());
                    throw gctx.err();
                }
                Time.sleep(Duration.ofMillis(1));
            }
        });
        g.go(() -> { // square
            for (;;) {
                long[] v = {0};
                boolean[] stop = {false};
                new Select().recv(nums, x -> v[0] = x).recv(gctx.done(), x -> stop[0] = true).run();
                if (!stop[0]) {
                    new Select().send(squares, v[0] * v[0], squared::incrementAndGet)
                            .recv(gctx.done(), x -> stop[0] = true).run();
                }
                if (stop[0]) {
                    System.out.printf("   square stops after %d values: %s%n", squared.get(), gctx.err().getMessage());
                    throw gctx.err();
                }
            }
        });
        g.go(() -> { // sink
            for (;;) {
                long[] v = {0};
                boolean[] stop = {false};
                new Select().recv(squares, x -> v[0] = x).recv(gctx.done(), x -> stop[0] = true).run();
                if (stop[0]) {
                    System.out.printf("   sink   stops after %d values: %s%n", got.get(), gctx.err().getMessage());
                    throw gctx.err();
                }
                long n = got.incrementAndGet();
                if (n <= 3) {
                    System.out.printf("   sink   got %d%n", v[0]);
                }
                if (n == failAt) {
                    System.out.printf("   sink   fails at value %d (%d)%n", n, v[0]);
                    throw new IllegalStateException("sink: cannot store " + v[0]);
                }
            }
        });
        Exception err = g.await();
        ctx.cancel();
        System.out.printf("   group error after %.1f ms: %s%n", (System.nanoTime() - t0) / 1e6, err);
        System.out.printf("   cause of the group's context: %s%n", Context.cause(gctx));
    }
}
