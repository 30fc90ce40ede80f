package dev.gort;

import dev.gort.chan.Chan;
import dev.gort.chan.ChanInterruptedException;
import dev.gort.chan.Select;
import dev.gort.runtime.TestChan;
import dev.gort.sync.WaitGroup;
import dev.gort.synctest.Synctest;
import dev.gort.time.Time;
import dev.gort.time.Timer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Deadlock detection in-process, with the test-only TestChan as the runtime Blocker. The crash
 * programs that end a JVM (SimpleDeadlock and friends) are in tools' DeadlockProgramsTest.
 */
@Timeout(30) // above failure()'s 20 s wait: a loaded machine may take seconds to run the check
class CheckdeadTest {
    /** The channels a test deadlocked on; released after it so that no goroutine stays parked. */
    private final List<TestChan> made = Collections.synchronizedList(new ArrayList<>());

    private TestChan chan() {
        TestChan c = new TestChan();
        made.add(c);
        return c;
    }

    /** Other ways to release a test's deadlocked goroutines, run after it. */
    private final List<Runnable> releases = Collections.synchronizedList(new ArrayList<>());

    @AfterEach
    void releaseDeadlockedGoroutines() {
        synchronized (made) {
            for (int i = 0; i < 3; i++) {
                made.forEach(TestChan::send);
            }
        }
        releases.forEach(Runnable::run);
    }
    /** Long enough for several checks (a check fires about 10 ms after the Ms go idle). */
    private static final long QUIET_MS = 300;

    private static CompletableFuture<Void> runAsync(Runnable main) {
        return CompletableFuture.runAsync(() -> Go.run(main), r -> Thread.ofPlatform().daemon().start(r));
    }

    private static Throwable failure(CompletableFuture<Void> f) throws Exception {
        try {
            f.get(20, TimeUnit.SECONDS);
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        }
    }

    private static void assertQuiet(CompletableFuture<Void> f) throws Exception {
        assertThrows(TimeoutException.class, () -> f.get(QUIET_MS, TimeUnit.MILLISECONDS),
                "the run ended although something outside the goroutines could still wake them");
    }

    @Test
    void simpleDeadlockIsReportedWithTheDump() throws Exception {
        try (StdErr err = new StdErr()) {
            DeadlockError e = assertThrows(DeadlockError.class, () -> Go.run(() -> chan().recv()));
            assertEquals("all goroutines are asleep - deadlock!", e.getMessage());
            String out = err.text();
            int at = out.indexOf("fatal error: all goroutines are asleep - deadlock!\n\ngoroutine ");
            assertTrue(at >= 0, out);
            String report = out.substring(at);
            assertTrue(report.matches("(?s).*goroutine \\d+ \\[chan receive\\]:\n"
                    + "dev\\.gort\\.CheckdeadTest\\.lambda\\$simpleDeadlockIsReportedWithTheDump\\$\\d+\\(\\.\\.\\.\\)\n.*"),
                    report);
        }
    }

    @Test
    void crossedGoroutinesAreAllDumped() throws Exception {
        try (StdErr err = new StdErr()) {
            assertThrows(DeadlockError.class, () -> Go.run(() -> {
                TestChan a = chan(), b = chan(), done = chan();
                Go.go(() -> { a.recv(); b.send(); done.send(); });
                Go.go(() -> { b.recv(); a.send(); done.send(); });
                done.recv();
            }));
            String out = err.text();
            String report = out.substring(out.lastIndexOf("fatal error: all goroutines are asleep"));
            // earlier tests' deadlocked goroutines stay parked and are dumped too, as in Go
            assertEquals(3, report.split("\ngoroutine \\d+ \\[chan receive\\]:\ndev\\.gort\\.CheckdeadTest\\.lambda\\$crossed", -1).length - 1, report);
            assertEquals(2, report.split("\ncreated by dev\\.gort\\.CheckdeadTest\\.lambda\\$crossed\\S* in goroutine \\d+\n", -1).length - 1, report);
        }
    }

    /**
     * A stopped timer no longer holds the report back: the sleeper M slept for its deadline (an
     * hour) and counted as busy until stop woke it.
     */
    @Test
    void stoppedTimerDoesNotHoldTheReportBack() {
        assertThrows(DeadlockError.class, () -> Go.run(() -> {
            Timer t = Time.afterFunc(Duration.ofHours(1), () -> { });
            Time.sleep(Duration.ofMillis(20)); // every P idle: an M sleeps for the hour
            assertTrue(t.stop());
            selectForeverUntilReleased();
        }));
    }

    /**
     * A timer's channel is not a platform thread's once the timer has fired from its heap (on an
     * M or the sleeper): a second receive waits for a value nothing can send, which Go reports.
     * Before the fix the M's send marked the channel, and the run hung.
     */
    @Test
    void receiveFromAFiredTimersChannelAgainIsADeadlock() {
        assertThrows(DeadlockError.class, () -> Go.run(() -> {
            Timer t = Time.newTimer(Duration.ofMillis(5));
            releases.add(() -> t.reset(Duration.ZERO)); // its next value ends the second receive
            t.c().recv();
            t.c().recv();
        }));
    }

    /** The same for a stopped ticker in a select: its past ticks were the runtime's sends. */
    @Test
    void selectOnAStoppedTickerIsADeadlock() {
        assertThrows(DeadlockError.class, () -> Go.run(() -> {
            dev.gort.time.Ticker tk = Time.newTicker(Duration.ofMillis(1));
            releases.add(() -> tk.reset(Duration.ofMillis(1))); // its next tick ends the select
            tk.c().recv();
            tk.c().recv();
            tk.stop();
            Chan<Integer> quiet = Chan.make(0);
            try {
                new dev.gort.chan.Select().recv(quiet, v -> { }).recv(tk.c(), v -> { }).run();
            } finally {
                tk.stop(); // released: a ticker left ticking would hold back the next tests' reports
            }
        }));
    }

    /**
     * A platform thread that stopped a goroutine's timer may reset it later, as it may send on a
     * channel it used: the goroutine receiving from the timer's channel is not reported.
     */
    @Test
    void aTimerAPlatformThreadStoppedIsNeverReported() throws Exception {
        AtomicReference<Timer> timer = new AtomicReference<>();
        CountDownLatch made = new CountDownLatch(1);
        CompletableFuture<Void> f = runAsync(() -> {
            Timer t = Time.newTimer(Duration.ofHours(1));
            timer.set(t);
            made.countDown();
            t.c().recv();
        });
        assertTrue(made.await(20, TimeUnit.SECONDS));
        assertTrue(timer.get().stop(), "stopped here, on the test's platform thread");
        assertQuiet(f);
        timer.get().reset(Duration.ZERO);
        assertEquals(null, failure(f));
    }

    @Test
    void selectWithNoCasesCounts() {
        assertThrows(DeadlockError.class, () -> Go.run(this::selectForeverUntilReleased));
    }

    /**
     * Go's select {}, which the test's release (after it) interrupts: a goroutine parked for ever
     * would outlive the test, and the later runs' deadlock reports would count it (Go's
     * "no goroutines (main called runtime.Goexit)" becomes "all goroutines are asleep"), so their
     * verdicts would depend on the order JUnit runs the tests in.
     */
    private void selectForeverUntilReleased() {
        releases.add(Thread.currentThread()::interrupt);
        try {
            new Select().run();
        } catch (ChanInterruptedException released) {
            // released after the test, its run long over
        }
    }

    @Test
    void goroutineParkedInJdkCodeIsNeverReported() throws Exception {
        CountDownLatch latch = new CountDownLatch(1);
        CompletableFuture<Void> f = runAsync(() -> {
            TestChan c = new TestChan();
            Go.go(() -> {
                try {
                    latch.await(); // a JDK park: a platform thread may end it
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                c.send();
            });
            c.recv();
        });
        assertQuiet(f);
        latch.countDown();
        assertEquals(null, failure(f));
    }

    @Test
    void channelMadeByAPlatformThreadIsNeverReported() throws Exception {
        TestChan c = new TestChan(); // made here, on the test's platform thread
        CompletableFuture<Void> f = runAsync(c::recv);
        assertQuiet(f);
        c.send();
        assertEquals(null, failure(f));
    }

    @Test
    void pendingTimerHoldsTheReportBack() throws Exception {
        // Go's checkdead: while any timer is pending, a goroutine may still be woken by it. Once
        // the last timer has fired, nothing can: the deadlock is reported.
        AtomicBoolean fired = new AtomicBoolean();
        Timer t = Time.afterFunc(Duration.ofHours(1), () -> fired.set(true));
        CompletableFuture<Void> f = runAsync(() -> chan().recv());
        assertQuiet(f);
        assertTrue(t.reset(Duration.ofMillis(1)), "the timer was pending");
        assertInstanceOf(DeadlockError.class, failure(f));
        assertTrue(fired.get(), "reported before the timer fired");
    }

    /**
     * Go 1.23: a channel timer is in a heap only while a receiver waits on its channel, so a Timer
     * and a Ticker nobody waits on do not hold the report back; Go reports this program at once,
     * and gort waited for the hour. A select that waits on a timer's channel beside a channel
     * nobody will send on is not deadlocked: its wait puts the timer into a heap.
     */
    @Test
    void channelTimersNobodyWaitsOnDoNotHoldTheReportBack() throws Exception {
        AtomicBoolean timedOut = new AtomicBoolean();
        CompletableFuture<Void> f = runAsync(() -> {
            Timer t = Time.newTimer(Duration.ofHours(1));
            dev.gort.time.Ticker k = Time.newTicker(Duration.ofHours(1));
            Chan<Integer> never = Chan.make();
            new Select().recv(never, v -> { })
                    .recv(Time.after(Duration.ofMillis(30)), v -> timedOut.set(true)).run();
            chan().recv();
            t.stop(); // not reached: keeps both reachable until the report
            k.stop();
        });
        assertInstanceOf(DeadlockError.class, failure(f));
        assertTrue(timedOut.get(), "the select on a timer's channel was reported as deadlocked");
    }

    @Test
    void goexitInMainLetsTheOthersFinishThenDeadlocks() throws Exception {
        AtomicBoolean finallyRan = new AtomicBoolean();
        AtomicBoolean otherRan = new AtomicBoolean();
        DeadlockError e = assertThrows(DeadlockError.class, () -> Go.run(() -> {
            TestChan c = new TestChan();
            Go.go(() -> { c.recv(); otherRan.set(true); });
            try {
                c.send();
                Go.goexit();
            } finally {
                finallyRan.set(true);
            }
        }));
        assertEquals("no goroutines (main called runtime.Goexit) - deadlock!", e.getMessage());
        assertTrue(finallyRan.get());
        assertTrue(otherRan.get());
    }

    @Test
    void goexitInAGoroutineEndsOnlyIt() {
        AtomicBoolean after = new AtomicBoolean();
        Go.run(() -> {
            TestChan c = new TestChan();
            Go.go(() -> {
                try {
                    Go.goexit();
                    after.set(true);
                } finally {
                    c.send();
                }
            });
            c.recv();
        });
        assertFalse(after.get());
        assertThrows(IllegalStateException.class, Go::goexit);
    }

    // ------------------------------------------------------------------ synctest bubbles (Checkdead, "Bubbles")

    /** Channels made outside a stuck bubble; after the test, a send on each lets the bubble end. */
    private final List<Chan<Integer>> outsideChans = Collections.synchronizedList(new ArrayList<>());
    /** The mains of those runs, parked in Synctest.test: joined after the release, so none outlives the test. */
    private final List<Thread> stuckMains = Collections.synchronizedList(new ArrayList<>());

    /** A channel made outside the bubble by the run's main (so no platform thread has touched it yet). */
    private Chan<Integer> outside() {
        Chan<Integer> c = Chan.make();
        outsideChans.add(c);
        stuckMains.add(Thread.currentThread());
        return c;
    }

    @AfterEach
    void releaseStuckBubbles() throws InterruptedException {
        synchronized (outsideChans) {
            outsideChans.forEach(c -> c.send(0));
        }
        synchronized (stuckMains) {
            for (Thread t : stuckMains) {
                assertTrue(t.join(Duration.ofSeconds(5)), "the released bubble's run did not end: " + t);
            }
        }
    }

    @Test
    void aBubbleStuckOnAChannelMadeOutsideItIsGosDeadlock() throws Exception {
        try (StdErr err = new StdErr()) {
            DeadlockError e = assertThrows(DeadlockError.class, () -> Go.run(() -> {
                Chan<Integer> outside = outside();
                Synctest.test(() -> outside.recv());
            }));
            assertEquals("all goroutines are asleep - deadlock!", e.getMessage());
            String out = err.text();
            String report = out.substring(out.lastIndexOf("fatal error: all goroutines are asleep"));
            assertTrue(report.contains(" [synctest.Run]:\n"), report);
        }
    }

    @Test
    void aBubbleMemberAsleepOnTheFakeClockOfAStuckBubbleIsAsleep() {
        // Go: the clock cannot move while the root waits on a channel made outside that nothing
        // outside will send on: checkdead fires (its P heaps never hold a bubble's timers).
        DeadlockError e = assertThrows(DeadlockError.class, () -> Go.run(() -> {
            Chan<Integer> outside = outside();
            Synctest.test(() -> {
                WaitGroup wg = new WaitGroup();
                wg.go(() -> Time.sleep(Duration.ofSeconds(1)));
                outside.recv();
                wg.await();
            });
        }));
        assertEquals("all goroutines are asleep - deadlock!", e.getMessage());
    }

    @Test
    void aBubbleMemberInSynctestWaitBesideAStuckMemberIsAsleep() {
        assertThrows(DeadlockError.class, () -> Go.run(() -> {
            Chan<Integer> outside = outside();
            Synctest.test(() -> {
                Go.go(() -> outside.recv());
                Synctest.await(); // the child never blocks durably
            });
        }));
    }

    @Test
    void aStuckBubbleThatSomethingOutsideWillFreeIsNoDeadlock() {
        AtomicBoolean got = new AtomicBoolean();
        Go.run(() -> {
            Chan<Integer> outside = Chan.make();
            Go.go(() -> {
                Time.sleep(Duration.ofMillis(QUIET_MS)); // a real timer: the world is not asleep
                outside.send(1);
            });
            Synctest.test(() -> {
                WaitGroup wg = new WaitGroup();
                wg.go(() -> Time.sleep(Duration.ofSeconds(1))); // asleep on the fake clock
                got.set(outside.recv() == 1);
                wg.await(); // now every member is durably blocked: the clock moves
            });
        });
        assertTrue(got.get());
    }
}
