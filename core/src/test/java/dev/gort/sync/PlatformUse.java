package dev.gort.sync;

import dev.gort.Go;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Tests of the deadlock detector's view of sync types that a platform thread used (see Blocker). */
final class PlatformUse {
    private PlatformUse() {}

    /**
     * Runs main in a Go.run on a platform thread of its own, waits until some goroutine's header shows
     * reason, asserts that several deadlock checks (one fires about 10 ms after the Ms go idle) pass
     * without a report, then calls release on the calling (platform) thread and waits for the run.
     */
    static void waitsForAPlatformThread(String reason, Runnable main, Runnable release) throws Exception {
        CompletableFuture<Void> run = CompletableFuture.runAsync(() -> Go.run(main),
                r -> Thread.ofPlatform().daemon().start(r));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!Go.stack(true).contains("[" + reason + "]")) {
            assertTrue(System.nanoTime() < deadline, "no goroutine ever parked in " + reason);
            Thread.sleep(1);
        }
        assertThrows(TimeoutException.class, () -> run.get(300, TimeUnit.MILLISECONDS),
                "the run ended while its goroutine waited for a platform thread that had used the primitive");
        release.run();
        run.get(20, TimeUnit.SECONDS);
    }
}
