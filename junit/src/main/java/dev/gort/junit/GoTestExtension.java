package dev.gort.junit;

import dev.gort.DeadlockError;
import dev.gort.Go;
import dev.gort.synctest.BubbleDeadlockError;
import dev.gort.synctest.ExploreFailure;
import dev.gort.synctest.Synctest;
import dev.gort.time.Time;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestTemplate;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.InvocationInterceptor;
import org.junit.jupiter.api.extension.ReflectiveInvocationContext;
import org.junit.platform.commons.PreconditionViolationException;
import org.junit.platform.commons.support.AnnotationSupport;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/*
 * GoTestExtension: what @GoTest does around a test method (GoTest's javadoc is the user's contract).
 *
 * Protocol, per test (a @GoTest method, or one invocation of a @GoTestTemplate method: a
 * @RepeatedTest's repetition, a @ParameterizedTest's set of arguments)
 * ----------------------------------------------------------------------------------------------
 *  1. Open a race window (RaceWatch): races the agent reports from now on are the test's.
 *  2. A platform thread ("gort-test: NAME") calls Go.run with the test's body as main. The body
 *     records its goid and thread first, then calls JUnit's invocation.proceed(); an exception it
 *     throws is kept and main returns normally, so Go.run does not print a panic report for an
 *     assertion's failure (Go's t.Fatal is a Goexit, not a panic). A body that ends in Go.goexit
 *     fails with Go's "test executed panic(nil) or runtime.Goexit", in a bubble too.
 *  3. JUnit's thread joins that thread with the timeout. Expired (or interrupted, which is how
 *     JUnit's own @Timeout reaches us): print Go's "panic: test timed out" with the dump of every
 *     goroutine, interrupt main, fail. The thread is a daemon and is left to end with its run.
 *     Unless the body had returned and main is in step 5's wait: the test did not hang, the
 *     timeout only cut the wait short, and the verdict is step 5's, from what is left then (a
 *     timeout under 2 s failed a leaking test as "timed out", with a dump of main in the wait).
 *  4. The run's outcome: the body's exception, else what Go.run threw (a goroutine's panic, a
 *     fatal error); a DeadlockError becomes a failure whose message is Go's report and dump. A
 *     main still alive then (blocked where a goroutine's panic ended the run; Go's test binary
 *     dies) is interrupted, so that it does not outlive the test and show in later tests' dumps.
 *  5. Only if the test passed so far: the leak check. Main itself, after the body returned, polls
 *     Go.runGoroutines(its goid) with back-off (1 ms doubling to 100 ms, Time.sleep between polls)
 *     for up to LEAK_GRACE, so that the run is still live while the test's goroutines finish: one
 *     that panics then fails the run, and Go.run reports it (step 4), as Go's test binary dies of
 *     a panic in a goroutine a test left running. (Waiting after Go.run returned, the extension saw
 *     the goroutine gone and passed the test, with the panic only on stderr.) After the join (or
 *     at the timeout, step 3) the extension reads what is still there once; that fails the test.
 *  6. Close the race window (after the grace, which lets exiting goroutines race too); its reports
 *     fail the test. Later failures are added to the first as suppressed exceptions.
 * With synctest, seed or seeds, step 2 runs the body in a bubble instead (Synctest.test, with the
 * seed, or Synctest.explore over N seeds); a bubble returns only when all its goroutines are gone,
 * so step 5 is skipped. explore runs the body N times, which JUnit's invocation cannot: there the
 * invocation is skipped and the method called reflectively, with JUnit's resolved arguments.
 *
 * Two annotations
 * ---------------
 * @GoTest is meta-annotated @Test, so that a plain goroutine test is one annotation, as @Test is.
 * For the same reason it cannot go beside @RepeatedTest or @ParameterizedTest: JUnit then makes
 * both a test and a template of the method, and only warns. Such templates take @GoTestTemplate,
 * the same attributes without @Test; its invocations come through interceptTestTemplateMethod.
 * The mix-ups fail through the execution condition, before JUnit resolves any parameter (a
 * @ParameterizedTest's @Test twin would otherwise fail on its unresolvable parameter, saying
 * nothing of the cause): @GoTest beside a template annotation, and @GoTestTemplate on a method
 * that is not a template or is also a @Test.
 *
 * Rejected alternatives
 * ---------------------
 *  - Go.run on JUnit's own thread: Go.run has no timeout, and a goroutine that ignores the
 *    interrupt would hang the whole test run, with no dump.
 *  - Counting Go.numGoroutine() before and after (or goleak's "everything not there before"): a
 *    test running in parallel, or a goroutine an earlier test leaked that exits now, makes the
 *    count lie. The runtime knows which run every goroutine belongs to, so ask it.
 *  - Go.leakedGoroutines() for the leak check: it finds only goroutines that can never be woken,
 *    and costs two full GCs; goleak's contract is "still alive".
 *  - @GoTest as a @TestTemplate of one invocation (with a count attribute for go test -count):
 *    every goroutine test would show in reports as a container with an invocation "[1]", and a
 *    @ParameterizedTest still could not be combined with it.
 */
/**
 * The JUnit extension behind {@link GoTest @GoTest} and {@link GoTestTemplate @GoTestTemplate},
 * which register it; there is no need to register it yourself. On a method with neither it does
 * nothing.
 */
public final class GoTestExtension implements InvocationInterceptor, ExecutionCondition {

    /** The JUnit configuration parameter for the default timeout (Go duration syntax). */
    public static final String TIMEOUT_PROPERTY = "gort.junit.timeout.default";
    /** The timeout when neither the annotation nor the configuration parameter sets one. */
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
    /** How long exiting goroutines get to return before they count as leaked. */
    static final Duration LEAK_GRACE = Duration.ofSeconds(2);

    /** Public for JUnit, which instantiates it for {@code @ExtendWith}. */
    public GoTestExtension() {}

    /**
     * Fails, before anything runs or any parameter is resolved, a method whose annotations cannot
     * work together: @GoTest (a @Test) beside a template annotation, for which JUnit makes both a
     * test and a template and warns only; or @GoTestTemplate on a method that is not a template.
     */
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext ctx) {
        Method m = ctx.getTestMethod().orElse(null);
        if (m != null) {
            boolean template = AnnotationSupport.isAnnotated(m, TestTemplate.class);
            if (AnnotationSupport.isAnnotated(m, GoTest.class) && template) {
                throw new PreconditionViolationException("@GoTest is a @Test and cannot share " + m.getName()
                        + " with @RepeatedTest, @ParameterizedTest or another @TestTemplate: use @GoTestTemplate");
            }
            if (AnnotationSupport.isAnnotated(m, GoTestTemplate.class)
                    && (!template || AnnotationSupport.isAnnotated(m, Test.class))) {
                throw new PreconditionViolationException("@GoTestTemplate is for a @RepeatedTest, @ParameterizedTest or "
                        + "other @TestTemplate method only; for " + m.getName() + " use @GoTest");
            }
        }
        return ConditionEvaluationResult.enabled("gort-junit: the annotations fit together");
    }

    @Override
    public void interceptTestMethod(Invocation<Void> invocation, ReflectiveInvocationContext<Method> call,
                                    ExtensionContext ctx) throws Throwable {
        GoTest spec = AnnotationSupport.findAnnotation(ctx.getRequiredTestMethod(), GoTest.class).orElse(null);
        if (spec == null) {
            invocation.proceed();
            return;
        }
        intercept(invocation, call, ctx, Spec.of(spec));
    }

    @Override
    public void interceptTestTemplateMethod(Invocation<Void> invocation, ReflectiveInvocationContext<Method> call,
                                            ExtensionContext ctx) throws Throwable {
        GoTestTemplate spec = AnnotationSupport.findAnnotation(ctx.getRequiredTestMethod(), GoTestTemplate.class)
                .orElse(null);
        if (spec == null) {
            invocation.proceed();
            return;
        }
        intercept(invocation, call, ctx, Spec.of(spec));
    }

    /** GoTest's or GoTestTemplate's attributes, which mean the same; name is the annotation's, for messages. */
    private record Spec(String name, boolean ignoreLeaks, String timeout, boolean synctest, String seed, int seeds) {
        static Spec of(GoTest a) {
            return new Spec("@GoTest", a.ignoreLeaks(), a.timeout(), a.synctest(), a.seed(), a.seeds());
        }

        static Spec of(GoTestTemplate a) {
            return new Spec("@GoTestTemplate", a.ignoreLeaks(), a.timeout(), a.synctest(), a.seed(), a.seeds());
        }
    }

    /** Steps 1–6 of the essay, for one test or one template invocation. */
    private static void intercept(Invocation<Void> invocation, ReflectiveInvocationContext<Method> call,
                                  ExtensionContext ctx, Spec spec) throws Throwable {
        Duration timeout = timeout(spec, ctx);
        RaceWatch.Window races = RaceWatch.open();
        List<Throwable> failures = new ArrayList<>();
        try {
            Main main = new Main(invocation, call, spec);
            Thread runner = Thread.ofPlatform().daemon().name("gort-test: " + ctx.getDisplayName()).start(main::run);
            boolean ended;
            String why;
            try {
                ended = timeout.isZero() ? join(runner) : runner.join(timeout);
                why = "test timed out after " + GoDuration.format(timeout);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // JUnit's @Timeout: it clears the flag
                ended = false;
                why = "test interrupted (JUnit's @Timeout?)";
            }
            if (!ended && main.returnedAt != 0) {
                // the body returned in time and main is in step 5's wait, which the timeout cut
                Duration waited = Duration.ofNanos(System.nanoTime() - main.returnedAt);
                leakCheck(main, spec, failures, GoDuration.format(waited) + " after it returned (the test's timeout of "
                        + GoDuration.format(timeout) + " ended the wait for them; ");
            } else if (!ended) {
                failures.add(timedOut(why, ctx.getDisplayName(), main));
            } else if (main.outcome() != null) {
                failures.add(main.outcome());
                Thread t = main.thread;
                if (t != null && t.isAlive()) {
                    t.interrupt(); // a goroutine's panic ended the run: main must not outlive the test (step 4)
                }
            } else if (!spec.ignoreLeaks() && !main.bubble) {
                leakCheck(main, spec, failures, GoDuration.format(LEAK_GRACE) + " after it returned ("); // what step 5 left
            }
        } finally {
            List<String> reports = races.close();
            if (!reports.isEmpty()) {
                failures.add(new AssertionFailedError("race detected during execution of test: " + reports.size()
                        + " report(s)\n" + String.join("\n", reports)));
            }
        }
        if (!failures.isEmpty()) {
            Throwable first = failures.get(0);
            for (Throwable t : failures.subList(1, failures.size())) {
                first.addSuppressed(t);
            }
            throw first;
        }
    }

    /** Step 5's verdict: the goroutines of main's run still alive fail the test; when says since when. */
    private static void leakCheck(Main main, Spec spec, List<Throwable> failures, String when) {
        List<String> left = Go.runGoroutines(main.goid);
        if (!left.isEmpty()) {
            failures.add(new AssertionFailedError("found unexpected goroutines: " + left.size()
                    + " started by the test still running " + when + spec.name()
                    + "(ignoreLeaks = true) allows it)\n\n" + String.join("\n", left)));
        }
    }

    /** The test's timeout: the annotation's, else the configuration parameter's, else the default. */
    private static Duration timeout(Spec spec, ExtensionContext ctx) {
        if (!spec.timeout().isEmpty()) {
            return GoDuration.parse(spec.timeout(), spec.name() + "(timeout)");
        }
        return ctx.getConfigurationParameter(TIMEOUT_PROPERTY)
                .map(v -> GoDuration.parse(v, TIMEOUT_PROPERTY))
                .orElse(DEFAULT_TIMEOUT);
    }

    private static boolean join(Thread t) throws InterruptedException {
        t.join();
        return true;
    }

    /** Step 3: Go's "panic: test timed out" report on stderr, main interrupted, the failure to throw. */
    private static Throwable timedOut(String why, String name, Main main) {
        String report = why + "\n\trunning tests:\n\t\t" + name + "\n\n" + Go.stack(true);
        System.err.println("panic: " + report);
        System.err.flush();
        Thread t = main.thread;
        if (t != null) {
            t.interrupt();
        }
        TimeoutException e = new TimeoutException(report);
        e.setStackTrace(new StackTraceElement[0]); // JUnit's thread's stack says nothing; the dump does
        return e;
    }

    /** Step 5's wait, run by main itself after the body: the run stays live meanwhile. */
    private static void awaitGoroutinesInMain(long mainGoid) {
        long deadline = System.nanoTime() + LEAK_GRACE.toNanos();
        long pause = TimeUnit.MILLISECONDS.toNanos(1);
        while (!Go.runGoroutines(mainGoid).isEmpty()) {
            long now = System.nanoTime();
            if (now - deadline >= 0) {
                return;
            }
            Time.sleep(Duration.ofNanos(Math.min(pause, deadline - now)));
            pause = Math.min(pause * 2, TimeUnit.MILLISECONDS.toNanos(100));
        }
    }

    /** Carries a checked exception of the body out of a bubble (which rethrows only unchecked ones). */
    private static final class Checked extends RuntimeException {
        Checked(Throwable cause) {
            super(cause.toString(), cause, false, false);
        }
    }

    /** A test body: JUnit's invocation or a reflective call; may throw anything. */
    @FunctionalInterface
    private interface Body {
        void run() throws Throwable;
    }

    /** The main goroutine: step 2, run on the "gort-test" thread. */
    private static final class Main {
        private final Invocation<Void> invocation;
        private final ReflectiveInvocationContext<Method> call;
        private final Spec spec;
        /** Whether the body runs in a synctest bubble (synctest, seed or seeds). Immutable. */
        final boolean bubble;
        /** Written by main before the body runs; read after the join (or racily, at a timeout). */
        volatile long goid = -1;
        volatile Thread thread;
        /**
         * System.nanoTime() when the body returned normally and step 5's wait began, else 0. Written
         * by main, read at a timeout (step 3).
         */
        volatile long returnedAt;
        /** What the body threw. Written by main, read after the join. */
        private volatile Throwable bodyFailure;
        /** What Go.run threw. Written by the runner thread, read after the join. */
        private volatile Throwable runFailure;

        Main(Invocation<Void> invocation, ReflectiveInvocationContext<Method> call, Spec spec) {
            this.invocation = invocation;
            this.call = call;
            this.spec = spec;
            this.bubble = spec.synctest() || !spec.seed().isEmpty() || spec.seeds() > 0;
        }

        void run() {
            try {
                if (spec.seeds() > 0) {
                    explore();
                } else if (!spec.seed().isEmpty()) {
                    long seed = parseSeed(spec.seed(), spec.name());
                    Synctest.test(seed, () -> body(invocation::proceed));
                } else if (spec.synctest()) {
                    Synctest.test(() -> body(invocation::proceed));
                } else {
                    Go.run(() -> body(invocation::proceed));
                }
            } catch (Throwable t) {
                runFailure = t;
            }
        }

        /** @GoTest(seeds = N): Synctest.explore over the method, called reflectively each time. */
        private void explore() throws Throwable {
            invocation.skip();
            Method m = call.getExecutable();
            Object target = call.getTarget().orElse(null);
            Object[] args = call.getArguments().toArray();
            m.setAccessible(true);
            try {
                Synctest.explore(spec.seeds(), () -> body(() -> {
                    try {
                        m.invoke(target, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                }));
            } catch (ExploreFailure f) {
                if (f.getCause() instanceof TestAbortedException a) {
                    throw a; // an assumption: the test is aborted, in any schedule, not failed
                }
                AssertionFailedError e = new AssertionFailedError(f.getMessage()
                        + "\npin it with " + spec.name() + "(seed = \"0x" + Long.toHexString(f.seed()) + "\")", f);
                e.setStackTrace(new StackTraceElement[0]);
                throw e;
            }
        }

        /**
         * The body as main (or the bubble's root): records main, runs it, keeps what it throws.
         * In a bubble the exception is rethrown so that the bubble fails (explore needs that to
         * tell a failing schedule) and reported from there.
         */
        private void body(Body b) {
            goid = Go.goid();
            thread = Thread.currentThread();
            try {
                b.run();
                if (!bubble && !spec.ignoreLeaks()) {
                    returnedAt = System.nanoTime() | 1; // never 0
                    awaitGoroutinesInMain(goid); // step 5, while the run is live
                }
            } catch (Throwable t) {
                if (t.getClass().getName().equals(GOEXIT)) {
                    // Go's tRunner: a test function that neither returned nor panicked. Before, the
                    // test failed with the runtime's internal, stackless Error, and in a bubble it
                    // passed (the root's goexit ended the bubble as a return does).
                    t = new AssertionFailedError("test executed panic(nil) or runtime.Goexit");
                }
                if (bubble) {
                    if (t instanceof RuntimeException r) {
                        throw r;
                    }
                    if (t instanceof Error e) {
                        throw e;
                    }
                    throw new Checked(t); // unwrapped again by outcome(): the test fails with t itself
                }
                bodyFailure = t;
            }
        }

        /**
         * The class of the Error that Go.goexit unwinds a goroutine with (internal to gort-core, so
         * named, not imported; GoTestExtensionTest's goexit fixtures fail if it moves).
         */
        private static final String GOEXIT = "dev.gort.runtime.Goexit";

        private static long parseSeed(String s, String annotation) {
            String v = s.strip();
            try {
                return v.startsWith("0x") || v.startsWith("0X") ? Long.parseUnsignedLong(v.substring(2), 16) : Long.parseLong(v);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(annotation + "(seed): not a seed: '" + s + "' (hex 0x... or decimal)");
            }
        }

        /** After the join: what fails the test, or null. */
        Throwable outcome() {
            if (bodyFailure != null) {
                return bodyFailure;
            }
            Throwable t = runFailure;
            if (t instanceof Checked c) {
                return c.getCause(); // a checked exception the body threw in a bubble, as under @Test
            }
            if (t instanceof DeadlockError d) {
                String dump = d instanceof BubbleDeadlockError b ? b.dump() : Go.stack(true);
                AssertionFailedError e = new AssertionFailedError("fatal error: " + d.getMessage() + "\n\n"
                        + dump, d);
                e.setStackTrace(new StackTraceElement[0]);
                return e;
            }
            return t;
        }
    }
}
