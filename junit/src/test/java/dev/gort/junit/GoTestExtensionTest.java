package dev.gort.junit;

import dev.gort.DeadlockError;
import dev.gort.Go;
import dev.gort.chan.Chan;
import dev.gort.sync.WaitGroup;
import dev.gort.time.Time;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.platform.commons.PreconditionViolationException;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;
import org.junit.platform.testkit.engine.Events;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectMethod;

/**
 * @GoTest's contract, checked by running fixture tests (the static nested classes, which Surefire
 * does not run by themselves) through JUnit's EngineTestKit and reading their outcomes. The
 * passing cases are also plain @GoTests of this class.
 */
class GoTestExtensionTest {

    // ------------------------------------------------------------------ fixtures

    static class Fixtures {
        /** Set by a fixture so the test can release what it left blocked. */
        static volatile Chan<Integer> leaked;
        static final AtomicInteger bodyRuns = new AtomicInteger();
        /** Counted down by the hanging fixtures when their body has reached the hang. */
        static volatile CountDownLatch hanging = new CountDownLatch(1);

        @GoTest
        void passes() {
            bodyRuns.incrementAndGet();
            assertTrue(Go.goid() > 0, "the body runs as a goroutine");
            Chan<Integer> ch = Chan.make();
            Go.go(() -> ch.send(42));
            assertEquals(42, ch.recv());
        }

        @GoTest
        void deadlocks() {
            Chan<Integer> ch = Chan.make();
            Go.go(() -> ch.send(1));
            ch.recv();
            ch.recv(); // nobody sends again
        }

        @GoTest
        void leaks() {
            Chan<Integer> ch = Chan.make();
            leaked = ch;
            Go.go(() -> ch.recv()); // blocked for ever once the test returns
        }

        @GoTest(ignoreLeaks = true)
        void leaksOnPurpose() {
            Chan<Integer> ch = Chan.make();
            leaked = ch;
            Go.go(() -> ch.recv());
        }

        /** A timeout shorter than the leak check's 2 s wait; counts hanging down when the body ends. */
        @GoTest(timeout = "1500ms")
        void leaksUnderAShortTimeout() {
            Chan<Integer> ch = Chan.make();
            leaked = ch;
            Go.go(() -> ch.recv());
            hanging.countDown();
        }

        @GoTest
        void goexits() {
            Go.goexit();
        }

        @GoTest(synctest = true)
        void goexitsInABubble() {
            Go.goexit();
        }

        @GoTest
        void goroutineExitsJustAfterTheTest() {
            Go.go(() -> Time.sleep(Duration.ofMillis(50)));
        }

        @GoTest(timeout = "2s")
        void hangsInJdkCode() throws InterruptedException {
            hanging.countDown();
            new CountDownLatch(1).await(); // parked in JDK code: not a deadlock gort can prove
        }

        @GoTest
        @Timeout(value = 2, unit = TimeUnit.SECONDS)
        void hangsUnderJUnitTimeout() throws InterruptedException {
            hanging.countDown();
            new CountDownLatch(1).await();
        }

        @GoTest
        void hangsWithConfiguredDefault() throws InterruptedException {
            new CountDownLatch(1).await();
        }

        @GoTest
        void failsAnAssertion() {
            assertEquals(1, 2, "one is not two");
        }

        @GoTest
        void goroutinePanicsAfterMainReturns() {
            Go.go(() -> {
                Time.sleep(Duration.ofMillis(100));
                throw new IllegalStateException("late");
            });
        }

        @GoTest(synctest = true)
        void throwsACheckedExceptionInABubble() throws java.io.IOException {
            throw new java.io.IOException("checked");
        }

        @GoTest
        void abortsOnAnAssumption() {
            assumeTrue(false, "not here");
        }

        @GoTest(seeds = 5)
        void abortsOnAnAssumptionWhileExploring() {
            assumeTrue(false, "not here either");
        }

        @GoTest
        void goroutinePanics() {
            panickedMain = Thread.currentThread();
            Chan<Integer> never = Chan.make();
            Go.go(() -> {
                throw new IllegalStateException("boom in a goroutine");
            });
            never.recv(); // the panic ends the run; main stays parked
        }

        /** goroutinePanics' main goroutine's thread. */
        static volatile Thread panickedMain;

        @GoTest(timeout = "soon")
        void badTimeout() {}

        /** Written by the synctest fixtures: what the fake clock said. */
        static volatile java.time.Instant fakeNow;
        static final AtomicInteger exploreRuns = new AtomicInteger();

        @GoTest(synctest = true, timeout = "10s")
        void anHourInABubble() {
            var ctx = dev.gort.context.Context.withTimeout(dev.gort.context.Context.background(), Duration.ofHours(1));
            ctx.done().recv(); // an hour of fake time
            fakeNow = dev.gort.time.Time.now();
            assertEquals(dev.gort.context.Context.DEADLINE_EXCEEDED, ctx.err());
        }

        /** testing/synctest's TestNow and TestSuccess: the body starts at the bubble's epoch, and passes. */
        @GoTest(synctest = true, timeout = "10s")
        void startsAtTheBubblesEpoch() {
            bubbleStart = dev.gort.time.Time.now();
        }

        static volatile java.time.Instant bubbleStart;

        /** testing/synctest's TestError and TestFatal: an assertion that fails in the bubble. */
        @GoTest(synctest = true, timeout = "10s")
        void failsAnAssertionInABubble() {
            fail("error");
        }

        /** testing/synctest's TestSkip: an assumption that fails in the bubble. */
        @GoTest(synctest = true, timeout = "10s")
        void abortsOnAnAssumptionInABubble() {
            assumeTrue(false, "skip");
        }

        @GoTest(synctest = true, timeout = "10s")
        void deadlocksInABubble() {
            Chan<Integer> ch = Chan.make();
            ch.recv();
        }

        /** Check-then-act between two channel operations: only some schedules overdraw. */
        @GoTest(seeds = 200, timeout = "60s")
        void overdraws() {
            exploreRuns.incrementAndGet();
            AtomicInteger balance = new AtomicInteger(100);
            Chan<Integer> done = Chan.make();
            for (int i = 0; i < 2; i++) {
                Go.go(() -> {
                    if (balance.get() >= 80) {
                        Go.gosched();
                        balance.addAndGet(-80);
                    }
                    done.send(1);
                });
            }
            done.recv();
            done.recv();
            assertTrue(balance.get() >= 0, "overdraft: balance " + balance.get());
        }

        /** The goroutine ids the repetitions ran as. */
        static final java.util.Set<Long> repetitionGoids = java.util.concurrent.ConcurrentHashMap.newKeySet();

        @RepeatedTest(3)
        @GoTestTemplate(timeout = "10s")
        void repeatsAsGoroutines() {
            repetitionGoids.add(Go.goid());
            Chan<Integer> ch = Chan.make();
            Go.go(() -> ch.send(7));
            assertEquals(7, ch.recv());
        }

        /** Unbuffered, the send has no receiver: a deadlock; buffered, it completes. */
        @ParameterizedTest
        @ValueSource(ints = {0, 1})
        @GoTestTemplate(timeout = "10s")
        void sendsWithNoReceiver(int capacity) {
            Chan<Integer> ch = Chan.make(capacity);
            ch.send(1);
        }

        @GoTest
        @RepeatedTest(2)
        void goTestBesideATemplate() {}

        @GoTestTemplate
        @Test
        void templateOnATest() {}
    }

    private static Events run(String method, String... config) {
        var kit = EngineTestKit.engine("junit-jupiter").selectors(selectMethod(Fixtures.class, method));
        for (int i = 0; i < config.length; i += 2) {
            kit = kit.configurationParameter(config[i], config[i + 1]);
        }
        return kit.execute().testEvents();
    }

    private static Events runTemplate(String method, String parameterTypes) {
        return EngineTestKit.engine("junit-jupiter").selectors(selectMethod(Fixtures.class, method, parameterTypes))
                .execute().testEvents();
    }

    private static Throwable failure(Events events) {
        assertEquals(1, events.failed().count(), "one failed test");
        Event e = events.failed().list().get(0);
        return e.getPayload(org.junit.platform.engine.TestExecutionResult.class).orElseThrow()
                .getThrowable().orElseThrow();
    }

    /** Runs f with System.err captured; returns what it printed. */
    private static String stderrOf(Runnable f) {
        PrintStream old = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true));
        try {
            f.run();
        } finally {
            System.setErr(old);
        }
        return buf.toString();
    }

    // ------------------------------------------------------------------ the contract

    @Test
    void synctestRunsTheBodyOnAFakeClock() {
        Events events = run("anHourInABubble");
        assertEquals(1, events.succeeded().count(), () -> String.valueOf(events.failed().list()));
        assertEquals(java.time.Instant.parse("2000-01-01T01:00:00Z"), Fixtures.fakeNow);
    }

    /** testing/synctest's TestSuccess and TestNow: a bubble's test passes; its clock starts at 2000-01-01 UTC. */
    @Test
    void aBubblesClockStartsAtTheEpochOf2000() {
        Fixtures.bubbleStart = null;
        Events events = run("startsAtTheBubblesEpoch");
        assertEquals(1, events.succeeded().count(), () -> String.valueOf(events.failed().list()));
        assertEquals(java.time.Instant.parse("2000-01-01T00:00:00Z"), Fixtures.bubbleStart);
    }

    /**
     * testing/synctest's TestError and TestFatal: an assertion failing in a bubble fails the test
     * with that assertion, as it is, and no panic report (Go's: the failure is the test's, reported
     * outside the bubble).
     */
    @Test
    void anAssertionInABubbleFailsTheTestAsItIs() {
        Events[] events = new Events[1];
        String err = stderrOf(() -> events[0] = run("failsAnAssertionInABubble"));
        Throwable t = failure(events[0]);
        assertInstanceOf(AssertionFailedError.class, t);
        assertEquals("error", t.getMessage());
        assertFalse(err.contains("panic:"), err);
    }

    @Test
    void aDeadlockInABubbleFailsWithGosBubbleMessage() {
        Throwable t = failure(run("deadlocksInABubble"));
        assertInstanceOf(dev.gort.synctest.BubbleDeadlockError.class, t.getCause());
        assertTrue(t.getMessage().startsWith("fatal error: deadlock: all goroutines in bubble are blocked"), t.getMessage());
    }

    @Test
    void seedsExploresUntilASchedulefailsAndNamesTheSeedToPin() {
        Throwable t = failure(run("overdraws"));
        String msg = t.getMessage();
        assertTrue(msg.contains("overdraft: balance -60"), msg);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("pin it with @GoTest\\(seed = \"(0x[0-9a-f]+)\"\\)").matcher(msg);
        assertTrue(m.find(), msg);
        // The pinned seed fails every time, with the same schedule.
        long seed = Long.parseUnsignedLong(m.group(1).substring(2), 16);
        for (int i = 0; i < 3; i++) {
            AssertionError e = assertThrows(AssertionError.class, () -> dev.gort.synctest.Synctest.test(seed, () -> {
                try {
                    new Fixtures().overdraws();
                } catch (RuntimeException | Error x) {
                    throw x;
                }
            }));
            assertTrue(e.getMessage().contains("overdraft"), e.getMessage());
        }
    }

    @Test
    void aRepeatedTestRunsEachRepetitionAsTheMainGoroutineOfARunOfItsOwn() {
        Fixtures.repetitionGoids.clear();
        Events events = run("repeatsAsGoroutines");
        assertEquals(3, events.succeeded().count(), () -> String.valueOf(events.failed().list()));
        assertEquals(3, Fixtures.repetitionGoids.size(), "three goroutines: " + Fixtures.repetitionGoids);
        assertTrue(Fixtures.repetitionGoids.stream().allMatch(g -> g > 0), "each a goroutine: " + Fixtures.repetitionGoids);
    }

    @Test
    void aParameterizedTestGetsGoTestsVerdictPerInvocation() {
        Events events = runTemplate("sendsWithNoReceiver", "int");
        assertEquals(1, events.succeeded().count(), () -> String.valueOf(events.list()));
        Throwable t = failure(events);
        assertInstanceOf(DeadlockError.class, t.getCause());
        assertTrue(t.getMessage().startsWith("fatal error: all goroutines are asleep - deadlock!"), t.getMessage());
        String failed = events.failed().list().get(0).getTestDescriptor().getDisplayName();
        assertTrue(failed.startsWith("[1]"), "the unbuffered invocation deadlocked: " + failed);
    }

    @Test
    void goTestBesideATemplateAnnotationFailsNamingGoTestTemplate() {
        Events events = run("goTestBesideATemplate");
        assertEquals(0, events.succeeded().count(), () -> String.valueOf(events.list()));
        Throwable t = failure(events);
        assertTrue(t.getMessage().contains("@GoTest is a @Test and cannot share goTestBesideATemplate with @RepeatedTest")
                && t.getMessage().endsWith("use @GoTestTemplate"), t.getMessage());
    }

    @Test
    void goTestTemplateOnATestFailsNamingGoTest() {
        Events events = run("templateOnATest");
        assertEquals(0, events.succeeded().count(), () -> String.valueOf(events.list()));
        Throwable t = failure(events);
        assertTrue(t.getMessage().endsWith("for templateOnATest use @GoTest"), t.getMessage());
    }

    @Test
    void aPassingTestPassesAndRunsItsBodyOnceAsAGoroutine() {
        int before = Fixtures.bodyRuns.get();
        Events events = run("passes");
        assertEquals(1, events.succeeded().count());
        assertEquals(before + 1, Fixtures.bodyRuns.get());
    }

    @Test
    void aDeadlockFailsTheTestWithGosMessageAndTheDump() {
        Throwable t = failure(run("deadlocks"));
        assertInstanceOf(AssertionFailedError.class, t);
        assertInstanceOf(DeadlockError.class, t.getCause());
        String msg = t.getMessage();
        assertTrue(msg.startsWith("fatal error: all goroutines are asleep - deadlock!\n\ngoroutine "), msg);
        assertTrue(msg.matches("(?s).*goroutine \\d+ \\[chan receive\\]:\n.*Fixtures\\.deadlocks\\(\\.\\.\\.\\)\n"
                + "\tGoTestExtensionTest\\.java:\\d+\n.*"), "the main goroutine's block names the test method: " + msg);
    }

    @Test
    void aLeakedGoroutineFailsTheTestWithItsStack() {
        Throwable t = failure(run("leaks"));
        try {
            assertInstanceOf(AssertionFailedError.class, t);
            String msg = t.getMessage();
            assertTrue(msg.startsWith("found unexpected goroutines: 1 started by the test still running 2s after it returned"), msg);
            assertTrue(msg.matches("(?s).*\n\ngoroutine \\d+ \\[chan receive\\]:\n.*Fixtures\\.lambda\\$leaks\\$\\d+\\(\\.\\.\\.\\)\n.*"
                    + "created by dev\\.gort\\.junit\\.GoTestExtensionTest\\$Fixtures\\.leaks in goroutine \\d+\n.*"), msg);
        } finally {
            Fixtures.leaked.close(); // let it go, so later fixtures' dumps do not show it
        }
    }

    /**
     * A body that returned within its timeout is not a hang: when the timeout comes first, it ends
     * the leak check's wait, and the verdict is the leak with its stack, not "test timed out" with
     * a dump that shows the extension's own wait (goleak's VerifyNone inside Go's test timeout).
     */
    @Test
    void aTimeoutShorterThanTheLeakGraceStillGivesTheLeakVerdict() {
        Events[] events = new Events[1];
        String err = stderrOf(() -> events[0] = run("leaksUnderAShortTimeout"));
        try {
            Throwable t = failure(events[0]);
            assertEquals(0, Fixtures.hanging.getCount(), "the fixture's body did not return within its 1.5 s timeout");
            Fixtures.hanging = new CountDownLatch(1);
            assertInstanceOf(AssertionFailedError.class, t, () -> String.valueOf(t));
            String msg = t.getMessage();
            assertTrue(msg.startsWith("found unexpected goroutines: 1 started by the test still running "), msg);
            assertTrue(msg.contains(" after it returned (the test's timeout of 1.5s ended the wait for them; "), msg);
            assertTrue(msg.matches("(?s).*\n\ngoroutine \\d+ \\[chan receive\\]:\n.*Fixtures\\.lambda\\$leaksUnderAShortTimeout\\$\\d+\\(\\.\\.\\.\\)\n.*"), msg);
            assertFalse(err.contains("panic: test timed out"), err);
        } finally {
            Fixtures.leaked.close();
        }
    }

    /**
     * A body that ends in Go.goexit neither returned nor panicked: it fails with Go's testing
     * message, with or without a bubble. Before, it failed with the runtime's internal Error
     * (no bubble) or passed (a bubble).
     */
    @Test
    void aBodyThatGoexitsFailsWithGosMessage() {
        for (String fixture : List.of("goexits", "goexitsInABubble")) {
            Throwable t = failure(run(fixture));
            assertInstanceOf(AssertionFailedError.class, t, () -> fixture + ": " + t);
            assertEquals("test executed panic(nil) or runtime.Goexit", t.getMessage(), fixture);
        }
    }

    @Test
    void ignoreLeaksLetsATestLeaveGoroutinesBehind() {
        Events events = run("leaksOnPurpose");
        Fixtures.leaked.close();
        assertEquals(1, events.succeeded().count());
    }

    @Test
    void goroutinesStillExitingGetAGracePeriod() {
        assertEquals(1, run("goroutineExitsJustAfterTheTest").succeeded().count());
    }

    /**
     * The hanging fixtures' timeouts are 2 s, so that their body has surely reached the hang (and
     * the dump shows it there) when the timeout fires; the first assertion says so if a machine
     * is too loaded to schedule it in that time.
     */
    private static void assertReachedTheHang() {
        assertEquals(0, Fixtures.hanging.getCount(), "the fixture's body did not start within its 2 s timeout");
        Fixtures.hanging = new CountDownLatch(1);
    }

    @Test
    void aTimeoutFailsTheTestWithTheDumpAndInterruptsMain() {
        Events[] events = new Events[1];
        String err = stderrOf(() -> events[0] = run("hangsInJdkCode"));
        Throwable t = failure(events[0]);
        assertInstanceOf(TimeoutException.class, t);
        String msg = t.getMessage();
        assertTrue(msg.startsWith("test timed out after 2s\n\trunning tests:\n\t\thangsInJdkCode()\n\ngoroutine "), msg);
        assertReachedTheHang();
        // parked in the latch by now, or (on a very loaded machine) just about to: the frame is there
        assertTrue(msg.matches("(?s).*goroutine \\d+ \\[[^]]+\\]:\n.*Fixtures\\.hangsInJdkCode\\(\\.\\.\\.\\)\n.*"), msg);
        assertTrue(err.contains("panic: test timed out after 2s\n"), err);
    }

    @Test
    void junitsOwnTimeoutGetsTheDumpToo() {
        Events[] events = new Events[1];
        stderrOf(() -> events[0] = run("hangsUnderJUnitTimeout"));
        Throwable t = failure(events[0]);
        assertInstanceOf(TimeoutException.class, t);
        assertTrue(t.getMessage().contains("timed out after 2 seconds"), t.getMessage());
        assertReachedTheHang();
        assertEquals(1, t.getSuppressed().length, "our report is attached");
        String dump = t.getSuppressed()[0].getMessage();
        assertTrue(dump.matches("(?s)test interrupted.*Fixtures\\.hangsUnderJUnitTimeout\\(\\.\\.\\.\\)\n.*"), dump);
    }

    @Test
    void theDefaultTimeoutIsAConfigurationParameter() {
        Events[] events = new Events[1];
        stderrOf(() -> events[0] = run("hangsWithConfiguredDefault", GoTestExtension.TIMEOUT_PROPERTY, "250ms"));
        Throwable t = failure(events[0]);
        assertTrue(t.getMessage().startsWith("test timed out after 250ms\n"), t.getMessage());
    }

    @Test
    void anAssertionFailsTheTestAsItIsWithoutAPanicReport() {
        Events[] events = new Events[1];
        String err = stderrOf(() -> events[0] = run("failsAnAssertion"));
        Throwable t = failure(events[0]);
        assertInstanceOf(AssertionFailedError.class, t);
        assertTrue(t.getMessage().startsWith("one is not two"), t.getMessage());
        assertFalse(err.contains("panic:"), err);
    }

    @Test
    void anAssumptionAbortsTheTest() {
        // testing/synctest's TestSkip is the bubble's case
        for (String m : new String[] {"abortsOnAnAssumption", "abortsOnAnAssumptionWhileExploring",
                "abortsOnAnAssumptionInABubble"}) {
            Events events = run(m);
            assertEquals(1, events.aborted().count(), m);
            Throwable t = events.aborted().list().get(0).getPayload(org.junit.platform.engine.TestExecutionResult.class)
                    .orElseThrow().getThrowable().orElseThrow();
            assertInstanceOf(TestAbortedException.class, t, m);
        }
    }

    @Test
    void aPanicInAnotherGoroutineFailsTheTestWithGosReport() throws InterruptedException {
        Events[] events = new Events[1];
        String err = stderrOf(() -> events[0] = run("goroutinePanics"));
        Throwable t = failure(events[0]);
        assertInstanceOf(IllegalStateException.class, t);
        assertEquals("boom in a goroutine", t.getMessage());
        assertTrue(err.startsWith("panic: java.lang.IllegalStateException: boom in a goroutine\n"), err);
        // Go's test binary dies of the panic; here the failed test's main, parked in its receive,
        // is interrupted so that it ends rather than outlive the test (in later tests' dumps).
        assertTrue(Fixtures.panickedMain.join(Duration.ofSeconds(20)), "the failed test's main goroutine is still parked");
    }

    /** Go: a panic in a goroutine the test left running kills the test binary; here it fails the test. */
    @Test
    void aPanicInAGoroutineAfterMainReturnedFailsTheTest() {
        Throwable t = failure(run("goroutinePanicsAfterMainReturns"));
        assertInstanceOf(IllegalStateException.class, t);
        assertEquals("late", t.getMessage());
    }

    @Test
    void aCheckedExceptionInABubbleFailsTheTestAsItIs() {
        Throwable t = failure(run("throwsACheckedExceptionInABubble"));
        assertInstanceOf(java.io.IOException.class, t);
        assertEquals("checked", t.getMessage());
    }

    @Test
    void aBadTimeoutNamesTheValue() {
        Throwable t = failure(run("badTimeout"));
        assertInstanceOf(PreconditionViolationException.class, t);
        assertEquals("@GoTest(timeout): 'soon' is not a Go duration (examples: 30s, 1m30s, 500ms; 0 for none)", t.getMessage());
    }

    // ------------------------------------------------------------------ @GoTests of its own

    @GoTest
    void producerConsumerUnderGoTest() {
        Chan<Integer> ch = Chan.make(4);
        WaitGroup wg = new WaitGroup();
        int n = 1000;
        wg.go(() -> {
            for (int i = 1; i <= n; i++) {
                ch.send(i);
            }
            ch.close();
        });
        long sum = 0;
        for (int v : ch) {
            sum += v;
        }
        wg.await();
        assertEquals((long) n * (n + 1) / 2, sum);
    }

    @GoTest(timeout = "10s")
    void workersThatReturnAfterTheirWorkAreNoLeak() {
        AtomicInteger done = new AtomicInteger();
        Chan<Integer> results = Chan.make();
        for (int i = 0; i < 50; i++) {
            Go.go(() -> {
                done.incrementAndGet();
                results.send(1);
            });
        }
        int got = 0;
        for (int i = 0; i < 50; i++) {
            got += results.recv();
        }
        assertEquals(50, got);
        assertEquals(50, done.get());
    }
}
