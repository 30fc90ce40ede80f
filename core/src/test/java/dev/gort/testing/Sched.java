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
 * on a latch with a bound, failing the test instead of hanging it.
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

    /** Waits at most 30 s for l; a timeout fails the test. */
    public static void await(CountDownLatch l) {
        try {
            assertTrue(l.await(30, TimeUnit.SECONDS), "timed out");
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
