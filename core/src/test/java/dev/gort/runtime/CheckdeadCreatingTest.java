package dev.gort.runtime;

import dev.gort.DeadlockError;
import dev.gort.Go;
import dev.gort.chan.Chan;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.*;

/**
 * checkdead and a goroutine half-made by a thread outside the runtime (Proc.creating). Found by
 * the ported-Go-tests campaign: under heavy load Go.run's caller was descheduled between taking
 * main's goid and adding main to allgs, and checkdead reported the live run, which had no
 * goroutine yet, as deadlocked (GoChanProgramsTest.nonblock at GOMAXPROCS=1, once in 50).
 */
@Timeout(60)
class CheckdeadCreatingTest {
    @Test
    void aGoroutineBeingMadeOutsideTheRuntimeHoldsTheReportBack() throws Exception {
        // what Go.run's caller holds between goidgen and allgs.add: the window widened to 300 ms
        Proc.creating.incrementAndGet();
        boolean held = true;
        try {
            CompletableFuture<Throwable> run = CompletableFuture.supplyAsync(() -> {
                try {
                    Go.run(() -> Chan.<Integer>make().recv()); // asleep for ever: a real deadlock
                    return null;
                } catch (Throwable t) {
                    return t;
                }
            });
            // checkdead polls every 10 ms at first: without Proc.creating it reports within ~20 ms
            assertThrows(TimeoutException.class, () -> run.get(300, TimeUnit.MILLISECONDS),
                    "checkdead reported while a goroutine was being made");
            Proc.creating.decrementAndGet();
            held = false;
            Throwable t = run.get(30, TimeUnit.SECONDS); // now it is a deadlock, and reported
            assertInstanceOf(DeadlockError.class, t);
        } finally {
            if (held) {
                Proc.creating.decrementAndGet();
            }
        }
    }

    @Test
    void goFromAPlatformThreadLeavesNoCreationCounted() throws Exception {
        Go.run(() -> { });
        Thread t = Thread.ofPlatform().start(() -> Go.go(() -> { }));
        t.join();
        assertEquals(0, Proc.creating.get());
    }
}
