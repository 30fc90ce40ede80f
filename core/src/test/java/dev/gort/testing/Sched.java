package dev.gort.testing;

import dev.gort.Go;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Shared test support for scheduler tests: as an extension ({@code @ExtendWith(Sched.class)}) it
 * restores GOMAXPROCS after each test, so a test may set whatever it needs; {@link #await} waits
 * on a latch with a bound on its stalls, failing the test instead of hanging it.
 */
public final class Sched implements BeforeEachCallback, AfterEachCallback {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(Sched.class);

    @Override
    public void beforeEach(ExtensionContext ctx) {
        ctx.getStore(NS).put("procs", Go.gomaxprocs(0));
    }

    @Override
    public void afterEach(ExtensionContext ctx) {
        Go.gomaxprocs(ctx.getStore(NS).get("procs", Integer.class));
    }

    /**
     * Waits for l; fails the test ("timed out", with HangDump's evidence) when its count has not
     * moved for 30 s. The bound is on a stall, not on the whole wait: a latch counted down by a
     * million goroutines takes minutes on a machine that gives the JVM a tenth of a core, and only
     * a count that stops moving is a hang.
     */
    public static void await(CountDownLatch l) {
        try {
            long last = l.getCount();
            while (!l.await(30, TimeUnit.SECONDS)) {
                long now = l.getCount();
                assertTrue(now < last, "timed out: the count stayed at " + now + " for 30 s");
                last = now;
            }
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
