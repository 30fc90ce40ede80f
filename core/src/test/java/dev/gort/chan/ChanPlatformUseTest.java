package dev.gort.chan;

import dev.gort.Go;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The deadlock detector's view of a goroutine's channel that a platform thread used (HChan's
 * "Blocker"): a goroutine that then waits for that thread's next operation is not Go's deadlock.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ChanPlatformUseTest {

    /** Long enough for several checks (a check fires about 10 ms after the Ms go idle). */
    private static final long QUIET_MS = 300;

    private static CompletableFuture<Void> runAsync(Runnable main) {
        return CompletableFuture.runAsync(() -> Go.run(main), r -> Thread.ofPlatform().daemon().start(r));
    }

    /**
     * len is a use: a platform thread that polls a goroutine's buffered channel for a value before
     * it receives (a test's wait-until) holds it, and the goroutine blocked sending the next value
     * waits for that receive.
     */
    @Test
    void aChannelAPlatformThreadOnlyAskedTheLengthOfIsNotADeadlockToWaitOn() throws Exception {
        AtomicReference<Chan<Integer>> made = new AtomicReference<>();
        CountDownLatch looked = new CountDownLatch(1);
        CompletableFuture<Void> run = runAsync(() -> {
            Chan<Integer> c = Chan.make(1);
            made.set(c);
            c.send(1); // buffered
            try {
                looked.await(); // a JDK park: not asleep
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            c.send(2); // blocks until this test's platform thread receives
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (made.get() == null || made.get().len() != 1) { // the platform thread's only use: len
            assertTrue(System.nanoTime() < deadline, "the goroutine never buffered its value");
            Thread.sleep(1);
        }
        looked.countDown();
        assertThrows(TimeoutException.class, () -> run.get(QUIET_MS, TimeUnit.MILLISECONDS),
                "the run ended while its goroutine waited for a platform thread that had used the channel");
        assertEquals(1, made.get().recv());
        assertEquals(2, made.get().recv());
        run.get(20, TimeUnit.SECONDS);
    }

    /**
     * A virtual thread of the JDK's own scheduler is outside the goroutines too: one that sent into a
     * goroutine's channel without parking (room in the buffer) and will send again holds it. The
     * marks tested Thread.isVirtual alone, which took such a thread for a goroutine, and the
     * goroutine waiting for its second send was reported as Go's deadlock.
     */
    @Test
    void aChannelAJdkVirtualThreadSentOnIsNotADeadlockToWaitOn() throws Exception {
        AtomicReference<Chan<Integer>> made = new AtomicReference<>();
        CountDownLatch sendAgain = new CountDownLatch(1);
        CountDownLatch sentOnce = new CountDownLatch(1);
        CompletableFuture<Void> run = runAsync(() -> {
            Chan<Integer> c = Chan.make(1); // made by a goroutine: unmarked
            made.set(c);
            try {
                // A JDK park, not asleep: waiting in recv on the still unmarked channel would be
                // Go's deadlock if the virtual thread were slow to start (it was, once, under load).
                sentOnce.await();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            assertEquals(1, c.recv()); // buffered
            assertEquals(2, c.recv()); // waits for the JDK virtual thread's second send
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (made.get() == null) {
            assertTrue(System.nanoTime() < deadline, "the goroutine never made its channel");
            Thread.sleep(1);
        }
        Thread jdkVirtual = Thread.ofVirtual().start(() -> { // from a platform thread: the JDK's scheduler
            made.get().send(1); // never parks: the buffer has room
            sentOnce.countDown();
            try {
                sendAgain.await(); // a JDK park, on the JDK's scheduler: invisible to the detector
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            made.get().send(2);
        });
        assertTrue(sentOnce.await(20, TimeUnit.SECONDS), "the JDK virtual thread never sent");
        assertThrows(TimeoutException.class, () -> run.get(QUIET_MS, TimeUnit.MILLISECONDS),
                "the run ended while its goroutine waited for a JDK virtual thread that had used the channel");
        sendAgain.countDown();
        run.get(20, TimeUnit.SECONDS);
        jdkVirtual.join();
    }
}
