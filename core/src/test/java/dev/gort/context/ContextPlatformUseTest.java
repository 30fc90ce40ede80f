package dev.gort.context;

import dev.gort.Go;
import dev.gort.chan.RecvChan;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The deadlock detector's view of a context a platform thread made (CancelContext's "Blocker"): it
 * may cancel it, so goroutines waiting on its done channel, or on a descendant's, are not Go's
 * deadlock, although the channel is made lazily by whoever asks for it first.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ContextPlatformUseTest {

    /** Long enough for several checks (a check fires about 10 ms after the Ms go idle). */
    private static final long QUIET_MS = 300;

    /**
     * Runs main in a Go.run on a platform thread of its own, waits until some goroutine's header
     * shows "chan receive", asserts that several deadlock checks pass without a report, then cancels
     * ctx on this (platform) thread and waits for the run.
     */
    private static void waitsForTheCancel(CancelContext ctx, Runnable main) throws Exception {
        CompletableFuture<Void> run = CompletableFuture.runAsync(() -> Go.run(main),
                r -> Thread.ofPlatform().daemon().start(r));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!Go.stack(true).contains("[chan receive]")) {
            assertTrue(System.nanoTime() < deadline, "no goroutine ever waited on a done channel");
            Thread.sleep(1);
        }
        assertThrows(TimeoutException.class, () -> run.get(QUIET_MS, TimeUnit.MILLISECONDS),
                "the run ended while its goroutine waited for a context this platform thread made");
        ctx.cancel();
        run.get(20, TimeUnit.SECONDS);
    }

    @Test
    void aContextAPlatformThreadMadeIsNotADeadlockToWaitOn() throws Exception {
        CancelContext ctx = Context.withCancel(Context.background()); // made here; done is made by the goroutine
        waitsForTheCancel(ctx, () -> ctx.done().recv());
    }

    @Test
    void aGoroutinesChildOfAContextAPlatformThreadMadeIsNotADeadlockToWaitOn() throws Exception {
        CancelContext ctx = Context.withCancel(Context.background());
        waitsForTheCancel(ctx, () -> {
            CancelContext child = Context.withCancel(Context.withValue(ctx, "k", "v"));
            CancelContext grandchild = Context.withCancel(child);
            grandchild.done().recv();
        });
    }

    /**
     * A watchdog: a platform thread that polls a goroutine's context's err, to cancel it later,
     * has used it; a child the goroutine made before the poll is cancelled with it.
     */
    @Test
    void aGoroutinesContextAPlatformThreadPolledIsNotADeadlockToWaitOn() throws Exception {
        AtomicReference<CancelContext> made = new AtomicReference<>();
        CountDownLatch polled = new CountDownLatch(1);
        CompletableFuture<Void> run = CompletableFuture.runAsync(() -> Go.run(() -> {
            CancelContext ctx = Context.withCancel(Context.background());
            CancelContext child = Context.withCancel(ctx);
            RecvChan<Void> done = child.done(); // made by this goroutine, before the poll
            made.set(ctx);
            try {
                polled.await(); // a JDK park: not asleep
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            done.recv();
        }), r -> Thread.ofPlatform().daemon().start(r));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (made.get() == null) {
            assertTrue(System.nanoTime() < deadline, "the goroutine never made its context");
            Thread.sleep(1);
        }
        assertNull(made.get().err()); // this platform thread's only use before its cancel
        polled.countDown();
        assertThrows(TimeoutException.class, () -> run.get(QUIET_MS, TimeUnit.MILLISECONDS),
                "the run ended while its goroutine waited for a context this platform thread used");
        made.get().cancel();
        run.get(20, TimeUnit.SECONDS);
    }
}
