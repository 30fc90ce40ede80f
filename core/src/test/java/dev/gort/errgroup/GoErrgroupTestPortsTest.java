package dev.gort.errgroup;

import dev.gort.Go;
import dev.gort.Panic;
import dev.gort.chan.Chan;
import dev.gort.chan.Recv;
import dev.gort.context.Context;
import dev.gort.testing.Sched;
import dev.gort.time.Time;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Ports of golang.org/x/sync's errgroup/errgroup_test.go (and of the panic and Goexit tests it
 * had between the x/sync commits that made Wait propagate panics and that reverted it) not
 * covered by {@link GroupTest}. A task's error is the exception it throws; a task that returns
 * normally is Go's {@code return nil}.
 */
@ExtendWith(Sched.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GoErrgroupTestPortsTest {

    /** A task that fails with err, or succeeds if err is null. */
    static Group.Task returning(Exception err) {
        return () -> {
            if (err != null) {
                throw err;
            }
        };
    }

    /**
     * Go's TestZeroGroup: on a plain group, reused across waits, each await returns the first
     * error of all the tasks started so far (null while none failed).
     */
    @Test
    void zeroGroup() {
        Exception err1 = new Exception("errgroup_test: 1");
        Exception err2 = new Exception("errgroup_test: 2");
        List<List<Exception>> cases = List.of(
                List.of(),
                Arrays.asList((Exception) null),
                List.of(err1),
                Arrays.asList(err1, null),
                Arrays.asList(err1, null, err2));
        Go.run(() -> {
            for (List<Exception> errs : cases) {
                Group g = new Group();
                Exception firstErr = null;
                for (int i = 0; i < errs.size(); i++) {
                    Exception err = errs.get(i);
                    g.go(returning(err));
                    if (firstErr == null && err != null) {
                        firstErr = err;
                    }
                    assertSame(firstErr, g.await(), "after go for errs " + errs.subList(0, i + 1));
                }
            }
        });
    }

    /** A table row of Go's TestWithContext and TestCancelCause: the tasks' errors, and the one await returns. */
    record Case(List<Exception> errs, Exception want) { }

    /** Go's table for TestWithContext and TestCancelCause: no task, a nil error, doom, doom then nil. */
    static List<Case> firstErrorCases() {
        Exception doom = new Exception("group_test: doomed");
        return List.of(
                new Case(List.of(), null),
                new Case(Arrays.asList((Exception) null), null),
                new Case(List.of(doom), doom),
                new Case(Arrays.asList(doom, null), doom));
    }

    /**
     * Go's TestWithContext: await returns the first error (or null), and the group's context is
     * done once await has returned, whether or not a task failed.
     */
    @Test
    void withContext() {
        List<Case> cases = firstErrorCases();
        Go.run(() -> {
            for (Case tc : cases) {
                Group g = Group.withContext(Context.background());
                Context ctx = g.context();
                for (Exception err : tc.errs()) {
                    g.go(returning(err));
                }
                assertSame(tc.want(), g.await(), "errs " + tc.errs());
                Recv<Void> r = ctx.done().tryRecv();
                assertTrue(r != null && !r.ok(), "errs " + tc.errs() + ": context not done after await");
            }
        });
    }

    /**
     * Go's TestTryGo: with a limit of 42, 42 tryGo calls start tasks (each blocked sending on an
     * unbuffered channel) and the 43rd is refused; after the tasks end a token is free again;
     * at limit 1 one task starts and a second is refused; at limit 0 every tryGo is refused.
     */
    @Test
    void tryGo() {
        Go.run(() -> {
            Group g = new Group();
            int n = 42;
            g.setLimit(42);
            Chan<Void> ch = Chan.make();
            Group.Task fn = () -> ch.send(null);
            for (int i = 0; i < n; i++) {
                assertTrue(g.tryGo(fn), "tryGo should succeed, failed at call " + i);
            }
            assertFalse(g.tryGo(fn), "tryGo should fail at the limit");
            Go.go(() -> {
                for (int i = 0; i < n; i++) {
                    ch.recv();
                }
            });
            assertNull(g.await());

            assertTrue(g.tryGo(fn), "tryGo should succeed once every task ended");
            Go.go(ch::recv);
            assertNull(g.await());

            g.setLimit(1);
            assertTrue(g.tryGo(fn), "tryGo should succeed at limit 1");
            assertFalse(g.tryGo(fn), "tryGo should fail with one task active at limit 1");
            Go.go(ch::recv);
            assertNull(g.await());

            g.setLimit(0);
            for (int i = 0; i < 1 << 10; i++) {
                assertFalse(g.tryGo(fn), "tryGo should fail at limit 0");
            }
            assertNull(g.await());
        });
    }

    /**
     * Go's TestGoLimit: 1025 tasks through go with a limit of 10; a task that sees more than 10
     * active fails, so await must return null. Go's 1 µs sleep lets others in meanwhile.
     */
    @Test
    void goLimit() {
        int limit = 10;
        Go.run(() -> {
            Group g = new Group();
            g.setLimit(limit);
            AtomicInteger active = new AtomicInteger();
            AtomicInteger peak = new AtomicInteger();
            for (int i = 0; i <= 1 << 10; i++) {
                g.go(() -> {
                    int now = active.incrementAndGet();
                    peak.accumulateAndGet(now, Math::max);
                    if (now > limit) {
                        throw new IllegalStateException("saw " + now + " active goroutines; want <= " + limit);
                    }
                    Time.sleep(Duration.ofNanos(1_000));
                    active.decrementAndGet();
                });
            }
            assertNull(g.await());
            assertTrue(peak.get() >= 1 && peak.get() <= limit, "peak " + peak.get());
        });
    }

    /**
     * Go's TestCancelCause: tasks started with tryGo; await returns the first error, and the
     * context's cause is that error, or CANCELED when no task failed (await's own cancel).
     */
    @Test
    void cancelCause() {
        List<Case> cases = firstErrorCases();
        Go.run(() -> {
            for (Case tc : cases) {
                Group g = Group.withContext(Context.background());
                for (Exception err : tc.errs()) {
                    assertTrue(g.tryGo(returning(err)), "no limit: tryGo starts the task");
                }
                assertSame(tc.want(), g.await(), "errs " + tc.errs());
                Throwable want = tc.want() != null ? tc.want() : Context.CANCELED;
                assertSame(want, Context.cause(g.context()), "errs " + tc.errs() + ": cause");
                assertSame(Context.CANCELED, g.context().err());
            }
        });
    }

    /**
     * Go's TestPanic, subtest "error" (x/sync 506c70f..7fad2c9, since reverted). Differs from Go
     * by design: gort documents that anything a task throws as an Exception, an unchecked one
     * (gort's {@link Panic}, Go's panic) included, is the task's error. So instead of re-panicking
     * in Wait, await returns the very exception, the context is cancelled with it as the cause,
     * and only the first of several counts.
     */
    @Test
    void panicError() {
        Go.run(() -> {
            Group g = Group.withContext(Context.background());
            Panic p = new Panic("task panicked");
            Chan<Void> failed = Chan.make();
            g.go(() -> {
                try {
                    throw p;
                } finally {
                    failed.close();
                }
            });
            g.go(() -> {
                failed.recv();
                g.context().done().recv(); // cancelled by the first failure, before await
                throw new IllegalStateException("second");
            });
            assertSame(p, g.await());
            assertSame(p, Context.cause(g.context()));
            assertSame(Context.CANCELED, g.context().err());
        });
    }

    /** An Error a test throws from a task: not an Exception, so not an error value. */
    static final class TaskError extends Error {
        TaskError(String message) {
            super(message);
        }
    }

    /**
     * Go's TestPanic, subtest "any" (since reverted in x/sync, where Wait re-panicked with a
     * PanicValue). gort documents that a java.lang.Error from a task is not an error value: it
     * escapes the task's goroutine as a panic, which ends the run as Go's unrecovered panic ends
     * the program (what current errgroup does too). The main goroutine then waits on a channel
     * closed only after Go.run has returned, so only the panic can end the run.
     */
    @Test
    void panicAny() {
        TaskError boom = new TaskError("not an error value");
        List<Exception> awaited = new CopyOnWriteArrayList<>();
        Chan<Void> release = Chan.make(); // made out here: no deadlock report while main waits on it
        TaskError thrown = assertThrows(TaskError.class, () -> Go.run(() -> {
            Group g = new Group();
            g.go(() -> {
                throw boom;
            });
            awaited.add(g.await()); // may or may not return before the panic ends the run
            release.recv();
        }));
        release.close(); // let the main goroutine of the ended run finish
        assertSame(boom, thrown);
        for (Exception e : awaited) {
            assertNull(e, "an Error is not the group's error");
        }
    }

    /**
     * Go's TestGoexit (x/sync 506c70f, since reverted: it made Wait call Goexit too). Ported to
     * what errgroup does today and what gort's {@link Go#goexit} documents: the task's goroutine
     * ends, its finally blocks (the group's done) run, nothing is reported, and await returns with
     * no error; the other tasks are unaffected and the context is cancelled by await alone.
     */
    @Test
    void goexit() {
        Go.run(() -> {
            Group g = Group.withContext(Context.background());
            AtomicInteger after = new AtomicInteger();
            AtomicInteger others = new AtomicInteger();
            g.go(() -> {
                Go.goexit();
                after.incrementAndGet();
            });
            for (int i = 0; i < 3; i++) {
                g.go(others::incrementAndGet);
            }
            assertNull(g.await(), "goexit is not a failure");
            assertEquals(0, after.get(), "the task ended at goexit");
            assertEquals(3, others.get());
            assertSame(Context.CANCELED, Context.cause(g.context()), "cancelled by await, not by the goexit");
        });
    }

    /**
     * errgroup's ExampleGroup_justErrors: a plain group in place of a WaitGroup, one task per URL
     * (a stub fetch here, which fails for the made-up host as Go's real fetch would); await
     * returns the fetch error, so "Successfully fetched all URLs." is not printed; with only
     * good URLs it is.
     */
    @Test
    void exampleJustErrors() {
        List<String> urls = List.of("http://www.golang.org/", "http://www.google.com/", "http://www.somestupidname.com/");
        Exception noSuchHost = new java.io.IOException("dial tcp: lookup www.somestupidname.com: no such host");
        List<String> fetched = new CopyOnWriteArrayList<>();
        Go.run(() -> {
            for (List<String> list : List.of(urls, urls.subList(0, 2))) {
                fetched.clear();
                Group g = new Group();
                for (String url : list) {
                    g.go(() -> {
                        if (url.contains("somestupidname")) {
                            throw noSuchHost;
                        }
                        fetched.add(url);
                    });
                }
                Exception err = g.await();
                if (list.size() == 3) {
                    assertSame(noSuchHost, err, "await returns the failed fetch's error");
                } else {
                    assertNull(err, "Successfully fetched all URLs.");
                }
                assertEquals(2, fetched.size(), "every good fetch ran before await returned");
            }
        });
    }

    /** errgroup's Search: a fake search of one kind, as the example's fakeSearch. */
    interface Search {
        String search(Context ctx, String query) throws Exception;
    }

    static Search fakeSearch(String kind) {
        return (ctx, query) -> kind + " result for \"" + query + "\"";
    }

    /**
     * errgroup's ExampleGroup_parallel: "Google Search 2.0" with a context: web, image and video
     * searches in parallel under withContext, each writing its own slot of the results; the
     * output is the three results in order.
     */
    @Test
    void exampleParallel() {
        List<String> out = new CopyOnWriteArrayList<>();
        Go.run(() -> {
            List<Search> searches = List.of(fakeSearch("web"), fakeSearch("image"), fakeSearch("video"));
            Group g = Group.withContext(Context.background());
            Context ctx = g.context();
            String[] results = new String[searches.size()];
            for (int i = 0; i < searches.size(); i++) {
                int slot = i;
                Search search = searches.get(i);
                g.go(() -> results[slot] = search.search(ctx, "golang"));
            }
            assertNull(g.await());
            out.addAll(Arrays.asList(results));
        });
        assertEquals(List.of("web result for \"golang\"", "image result for \"golang\"", "video result for \"golang\""), out);
    }
}
