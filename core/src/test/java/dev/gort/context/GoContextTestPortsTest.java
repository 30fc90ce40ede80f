package dev.gort.context;

import dev.gort.Go;
import dev.gort.chan.Chan;
import dev.gort.chan.Recv;
import dev.gort.chan.RecvChan;
import dev.gort.chan.Select;
import dev.gort.sync.Mutex;
import dev.gort.sync.Once;
import dev.gort.sync.WaitGroup;
import dev.gort.testing.Sched;
import dev.gort.time.Time;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Ports of tests in Go's src/context (x_test.go, context_test.go) that {@link ContextTest} does
 * not already cover. Every test body runs in a {@code Go.run}. Where Go waits for something "for
 * ever" (veryLongDuration) or until the test's deadline (quiescent), this waits a bounded,
 * generous {@link #QUIESCENT} and fails with the goroutine dump; Go's 1 ms shortDuration is kept
 * where it only has to elapse, never as a bound on how fast something happens.
 */
@ExtendWith(Sched.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GoContextTestPortsTest {
    /** Go's shortDuration. */
    static final Duration SHORT = Duration.ofMillis(1);
    /** Go's veryLongDuration. */
    static final Duration VERY_LONG = Duration.ofHours(1000);
    /** Go's quiescent(t): a bound by which pending work must have happened. */
    static final Duration QUIESCENT = Duration.ofSeconds(20);

    // ------------------------------------------------------------------ helpers

    /** Go's otherContext: a Context of a type context does not know, delegating everything. */
    static class OtherContext implements Context {
        private final Context inner;

        OtherContext(Context inner) {
            this.inner = inner;
        }

        @Override
        public Optional<Instant> deadline() {
            return inner.deadline();
        }

        @Override
        public RecvChan<Void> done() {
            return inner.done();
        }

        @Override
        public ContextException err() {
            return inner.err();
        }

        @Override
        public Object value(Object key) {
            return inner.value(key);
        }
    }

    /** A non-blocking receive on d: Go's select with a default case. A null d never proceeds. */
    static boolean isClosed(RecvChan<Void> d) {
        if (d == null) {
            return false;
        }
        Recv<Void> r = d.tryRecv();
        return r != null && !r.ok();
    }

    /** Waits until d is closed, failing (with every goroutine's stack) after QUIESCENT. */
    static void awaitClosed(RecvChan<Void> d, String what) {
        boolean[] timedOut = {false};
        new Select()
                .recv(d, v -> { })
                .recv(Time.after(QUIESCENT), t -> timedOut[0] = true)
                .run();
        if (timedOut[0]) {
            fail(what + ": not done after " + QUIESCENT + "; stacks:\n" + Go.stack(true));
        }
    }

    /** Go's testDeadline: c is done within the bound, and with DEADLINE_EXCEEDED. */
    static void checkDeadline(Context c, String name) {
        awaitClosed(c.done(), name);
        assertSame(Context.DEADLINE_EXCEEDED, c.err(), name);
    }

    static void run(Runnable body) {
        Go.run(body);
    }

    // ------------------------------------------------------------------ ports

    /**
     * Go's TestWithCancel: a cancel context, a foreign wrapper of it and a child of the wrapper are
     * all live, then all done with CANCELED as soon as cancel returns (the wrapper passes the
     * cancel context through value(), so the child is linked to it directly).
     */
    @Test
    void withCancel() {
        run(() -> {
            CancelContext c1 = Context.withCancel(Context.background());
            assertEquals("context.Background.WithCancel", c1.toString());
            OtherContext o = new OtherContext(c1);
            CancelContext c2 = Context.withCancel(o);
            List<Context> contexts = List.of(c1, o, c2);
            for (int i = 0; i < contexts.size(); i++) {
                Context c = contexts.get(i);
                assertNotNull(c.done(), "c[" + i + "].done()");
                assertNull(c.err(), "c[" + i + "].err()");
                assertFalse(isClosed(c.done()), "c[" + i + "] done before cancel");
            }
            c1.cancel();
            for (int i = 0; i < contexts.size(); i++) {
                Context c = contexts.get(i);
                assertTrue(isClosed(c.done()), "c[" + i + "] not done right after cancel");
                assertSame(Context.CANCELED, c.err(), "c[" + i + "].err()");
            }
        });
    }

    /**
     * Go's XTestParentFinishesChild: a parent with a cancel child, a value child with a timer
     * child under it, and an afterFunc. Differs from Go: the parent's children set is private, so
     * the linkage is checked by count (3) and by each child's nearest cancelable ancestor (what
     * Go's parentCancelCtx finds through the cancel-context key), not by set membership.
     */
    @Test
    void parentFinishesChild() {
        run(() -> {
            CancelContext parent = Context.withCancel(Context.background());
            CancelContext cancelChild = Context.withCancel(parent);
            Context valueChild = Context.withValue(parent, "key", "value");
            CancelContext timerChild = Context.withTimeout(valueChild, VERY_LONG);
            BooleanSupplier afterStop = Context.afterFunc(parent, () -> { });
            try {
                for (Context c : List.of(parent, cancelChild, timerChild, valueChild)) {
                    assertFalse(isClosed(c.done()), c + " done before any cancel");
                }
                assertEquals(3, parent.childCount(), "cancelChild, timerChild and the afterFunc");
                assertSame(parent, cancelChild.parent.value(Contexts.CANCEL_CTX_KEY), "cancelChild's link");
                assertSame(parent, timerChild.parent.value(Contexts.CANCEL_CTX_KEY), "timerChild's link");

                parent.cancel();
                assertEquals(0, parent.childCount(), "cancel clears the children");
                for (Context c : List.of(parent, cancelChild, valueChild, timerChild)) {
                    assertTrue(isClosed(c.done()), c + " not done after the parent's cancel");
                    assertSame(Context.CANCELED, c.err(), c + ".err()");
                }
                Context precanceled = Context.withValue(parent, "key", "value");
                assertTrue(isClosed(precanceled.done()));
                assertSame(Context.CANCELED, precanceled.err());
            } finally {
                afterStop.getAsBoolean();
                timerChild.cancel();
                cancelChild.cancel();
            }
        });
    }

    /**
     * Go's XTestChildFinishesFirst: under background and under a cancel context, cancelling the
     * child finishes it, unlinks it, and leaves the parent live. Differs from Go as
     * parentFinishesChild (count and ancestor instead of set membership).
     */
    @Test
    void childFinishesFirst() {
        run(() -> {
            CancelContext cancelable = Context.withCancel(Context.background());
            try {
                for (Context parent : List.of(Context.background(), cancelable)) {
                    CancelContext child = Context.withCancel(parent);
                    assertFalse(isClosed(parent.done()));
                    assertFalse(isClosed(child.done()));
                    CancelContext pc = parent instanceof CancelContext p ? p : null;
                    assertSame(pc, child.parent.value(Contexts.CANCEL_CTX_KEY), "child's link");
                    if (pc != null) {
                        assertEquals(1, pc.childCount());
                    }
                    child.cancel();
                    if (pc != null) {
                        assertEquals(0, pc.childCount(), "the child's cancel unlinks it");
                    }
                    assertTrue(isClosed(child.done()));
                    assertSame(Context.CANCELED, child.err());
                    assertFalse(isClosed(parent.done()), "parent must not be done");
                    assertNull(parent.err());
                }
            } finally {
                cancelable.cancel();
            }
        });
    }

    /**
     * Go's TestDeadline: deadlines 1 ms ahead (direct, behind a foreign wrapper, and inherited
     * by a far later deadline under the wrapper), in the past and exactly now all end with
     * DEADLINE_EXCEEDED.
     */
    @Test
    void deadline() {
        run(() -> {
            CancelContext c = Context.withDeadline(Context.background(), Time.now().plus(SHORT));
            assertTrue(c.toString().startsWith("context.Background.WithDeadline("), c.toString());
            checkDeadline(c, "WithDeadline");

            c = Context.withDeadline(Context.background(), Time.now().plus(SHORT));
            checkDeadline(new OtherContext(c), "WithDeadline+otherContext");

            c = Context.withDeadline(Context.background(), Time.now().plus(SHORT));
            CancelContext c2 = Context.withDeadline(new OtherContext(c), Time.now().plus(VERY_LONG));
            checkDeadline(c2, "WithDeadline+otherContext+WithDeadline");

            checkDeadline(Context.withDeadline(Context.background(), Time.now().minus(SHORT)), "WithDeadline+inthepast");
            checkDeadline(Context.withDeadline(Context.background(), Time.now()), "WithDeadline+now");
        });
    }

    /** Go's TestTimeout: as deadline, through withTimeout. */
    @Test
    void timeout() {
        run(() -> {
            CancelContext c = Context.withTimeout(Context.background(), SHORT);
            assertTrue(c.toString().startsWith("context.Background.WithDeadline("), c.toString());
            checkDeadline(c, "WithTimeout");

            c = Context.withTimeout(Context.background(), SHORT);
            checkDeadline(new OtherContext(c), "WithTimeout+otherContext");

            c = Context.withTimeout(Context.background(), SHORT);
            CancelContext c2 = Context.withTimeout(new OtherContext(c), VERY_LONG);
            checkDeadline(c2, "WithTimeout+otherContext+WithTimeout");
        });
    }

    /**
     * Go's TestCanceledTimeout: a long timeout under a foreign wrapper of a 1 s timeout, cancelled
     * by hand, is done at once with CANCELED (not DEADLINE_EXCEEDED).
     */
    @Test
    void canceledTimeout() {
        run(() -> {
            CancelContext outer = Context.withTimeout(Context.background(), Duration.ofSeconds(1));
            CancelContext c = Context.withTimeout(new OtherContext(outer), VERY_LONG);
            c.cancel();
            assertTrue(isClosed(c.done()), "done right after cancel");
            assertSame(Context.CANCELED, c.err());
            outer.cancel();
        });
    }

    record Key1(int id) { }

    record Key2(int id) {
        @Override
        public String toString() {
            return "Key2(" + id + ")";
        }
    }

    static final Key1 K1 = new Key1(1);
    static final Key2 K2 = new Key2(1); // same int as K1, another type
    static final Key2 K3 = new Key2(3); // same type as K2, another int

    static void checkValues(Context c, String name, String v1, String v2, String v3) {
        assertEquals(v1, c.value(K1), name + ".value(K1)");
        assertEquals(v2, c.value(K2), name + ".value(K2)");
        assertEquals(v3, c.value(K3), name + ".value(K3)");
    }

    /**
     * Go's TestValues: lookups through chains of value contexts, shadowing (a null value hides an
     * ancestor's), keys of different types with equal fields, and foreign wrappers. Differs from
     * Go: keys are records compared with equals (Go compares type and value), absence is null
     * (Go's failed type assertion), and the string form prints the key's toString and "null" where
     * Go prints the key's type and "&lt;nil&gt;".
     */
    @Test
    void values() {
        run(() -> {
            checkValues(Context.background(), "c0", null, null, null);

            Context c1 = Context.withValue(Context.background(), K1, "c1k1");
            checkValues(c1, "c1", "c1k1", null, null);
            assertEquals("context.Background.WithValue(Key1[id=1], c1k1)", c1.toString());

            Context c2 = Context.withValue(c1, K2, "c2k2");
            checkValues(c2, "c2", "c1k1", "c2k2", null);
            assertEquals("context.Background.WithValue(Key1[id=1], c1k1).WithValue(Key2(1), c2k2)", c2.toString());

            Context c3 = Context.withValue(c2, K3, "c3k3");
            checkValues(c3, "c3", "c1k1", "c2k2", "c3k3");

            Context c4 = Context.withValue(c3, K1, null);
            checkValues(c4, "c4", null, "c2k2", "c3k3");
            assertEquals("context.Background.WithValue(Key1[id=1], c1k1).WithValue(Key2(1), c2k2)"
                    + ".WithValue(Key2(3), c3k3).WithValue(Key1[id=1], null)", c4.toString());

            checkValues(new OtherContext(Context.background()), "o0", null, null, null);

            Context o1 = new OtherContext(Context.withValue(Context.background(), K1, "c1k1"));
            checkValues(o1, "o1", "c1k1", null, null);

            Context o2 = Context.withValue(o1, K2, "o2k2");
            checkValues(o2, "o2", "c1k1", "o2k2", null);

            Context o3 = new OtherContext(c4);
            checkValues(o3, "o3", null, "c2k2", "c3k3");

            Context o4 = Context.withValue(o3, K3, null);
            checkValues(o4, "o4", null, "c2k2", null);
        });
    }

    /**
     * Go's TestSimultaneousCancels: a tree of at least 100 cancel contexts (4 children each),
     * every one cancelled by its own goroutine, in a random order: every context ends done and
     * every cancel returns (no deadlock between the parent-then-child and child-then-parent locks).
     */
    @Test
    void simultaneousCancels() {
        run(() -> {
            CancelContext root = Context.withCancel(Context.background());
            List<CancelContext> all = new ArrayList<>(List.of(root));
            List<CancelContext> queue = new ArrayList<>(List.of(root));
            while (!queue.isEmpty() && all.size() < 100) {
                CancelContext parent = queue.removeFirst();
                for (int i = 0; i < 4; i++) {
                    CancelContext c = Context.withCancel(parent);
                    all.add(c);
                    queue.add(c);
                }
            }
            Random rnd = new Random();
            List<CancelContext> order = new ArrayList<>(all);
            Collections.shuffle(order, rnd);
            WaitGroup wg = new WaitGroup();
            wg.add(order.size());
            for (CancelContext c : order) {
                Go.go(() -> {
                    c.cancel();
                    wg.done();
                });
            }
            Collections.shuffle(order, rnd);
            for (CancelContext c : order) {
                awaitClosed(c.done(), "waiting for " + c);
                assertSame(Context.CANCELED, c.err());
            }
            Chan<Void> allReturned = Chan.make();
            Go.go(() -> {
                wg.await();
                allReturned.close();
            });
            awaitClosed(allReturned, "waiting for the cancel calls to return");
        });
    }

    /**
     * Go's TestInterlockedCancels: a goroutine cancels the child as soon as it sees the parent
     * done, while the parent's cancel is cancelling that child; the child ends done.
     */
    @Test
    void interlockedCancels() {
        run(() -> {
            CancelContext parent = Context.withCancel(Context.background());
            CancelContext child = Context.withCancel(parent);
            Go.go(() -> {
                parent.done().recv();
                child.cancel();
            });
            parent.cancel();
            awaitClosed(child.done(), "child");
        });
    }

    /**
     * Go's testLayers: at least 30 random layers of value, cancel and timeout contexts; every
     * value stays visible at the bottom; cancelling any one cancel layer (or, with timeouts of
     * 1 ms, waiting) finishes the bottom context.
     */
    static void layers(long seed, boolean testTimeout) {
        Random r = new Random(seed);
        String prefix = "seed=" + seed + ": ";
        List<Object> vals = new ArrayList<>();
        List<CancelContext> cancels = new ArrayList<>();
        int numTimers = 0;
        Context ctx = Context.background();
        for (int i = 0; i < 30 || numTimers == 0 || cancels.isEmpty() || vals.isEmpty(); i++) {
            switch (r.nextInt(3)) {
                case 0 -> {
                    Object v = new Object();
                    ctx = Context.withValue(ctx, v, v);
                    vals.add(v);
                }
                case 1 -> {
                    CancelContext c = Context.withCancel(ctx);
                    cancels.add(c);
                    ctx = c;
                }
                default -> {
                    CancelContext c = Context.withTimeout(ctx, testTimeout ? SHORT : VERY_LONG);
                    cancels.add(c);
                    ctx = c;
                    numTimers++;
                }
            }
        }
        Context bottom = ctx;
        Runnable checkValues = () -> {
            for (Object key : vals) {
                assertSame(key, bottom.value(key), prefix + "value lost");
            }
        };
        if (!testTimeout) {
            assertFalse(isClosed(bottom.done()), prefix + "done before any cancel");
        }
        assertTrue(bottom.toString().startsWith("context.Background."), prefix + bottom);
        checkValues.run();
        if (testTimeout) {
            awaitClosed(bottom.done(), prefix + "should have timed out");
            checkValues.run();
        } else {
            cancels.get(r.nextInt(cancels.size())).cancel();
            assertTrue(isClosed(bottom.done()), prefix + "should be cancelled");
            checkValues.run();
        }
        for (CancelContext c : cancels) {
            c.cancel();
        }
    }

    /** Go's TestLayersCancel: {@link #layers} with cancel; 20 seeds per run instead of Go's one. */
    @Test
    void layersCancel() {
        run(() -> {
            long base = System.nanoTime();
            for (int i = 0; i < 20; i++) {
                layers(base + i, false);
            }
        });
    }

    /** Go's TestLayersTimeout: {@link #layers} with 1 ms timeouts; 5 seeds per run instead of Go's one. */
    @Test
    void layersTimeout() {
        run(() -> {
            long base = System.nanoTime();
            for (int i = 0; i < 5; i++) {
                layers(base + i, true);
            }
        });
    }

    /**
     * Go's TestWithCancelSimultaneouslyCanceledParent: a parent cancelled with a cause by another
     * goroutine while a child is being made: the child ends done with CANCELED and the parent's cause.
     */
    @Test
    void withCancelSimultaneouslyCanceledParent() {
        run(() -> {
            for (int i = 0; i < 100; i++) {
                CancelContext parent = Context.withCancelCause(Context.background());
                Exception cause = new Exception("Because!");
                Go.go(() -> parent.cancel(cause));
                CancelContext c = Context.withCancel(parent);
                awaitClosed(c.done(), "child " + i);
                assertSame(Context.CANCELED, c.err(), "iteration " + i);
                assertSame(cause, Context.cause(c), "iteration " + i);
            }
        });
    }

    /**
     * Go's TestWithValueChecksKey: a null key fails with "nil key". Go's other case, a key of a
     * non-comparable type, has no Java counterpart (every object has equals), so it is left out.
     */
    @Test
    void withValueChecksKey() {
        NullPointerException e = assertThrows(NullPointerException.class,
                () -> Context.withValue(Context.background(), null, "bar"));
        assertEquals("nil key", e.getMessage());
    }

    /**
     * Go's TestInvalidDerivedFail: deriving from a null parent fails (Go panics; here a
     * NullPointerException with Go's message). Extended to every derivation gort has.
     */
    @Test
    void invalidDerivedFail() {
        List<Runnable> derivations = List.of(
                () -> Context.withCancel(null),
                () -> Context.withCancelCause(null),
                () -> Context.withDeadline(null, Time.now().plus(SHORT)),
                () -> Context.withTimeout(null, SHORT),
                () -> Context.withValue(null, "foo", "bar"),
                () -> Context.withoutCancel(null),
                () -> Context.afterFunc(null, () -> { }));
        for (int i = 0; i < derivations.size(); i++) {
            Runnable d = derivations.get(i);
            NullPointerException e = assertThrows(NullPointerException.class, d::run, "derivation " + i);
            assertEquals("cannot create context from nil parent", e.getMessage(), "derivation " + i);
        }
    }

    /**
     * Go's customContext (x_test.go): a user Context with its own done channel, closed by its
     * cancel function or (through afterFunc) when its parent is done; values come from the parent.
     */
    static final class CustomContext implements Context {
        final Context parent;
        final Once doneOnce = new Once();
        final Chan<Void> donec = Chan.make();
        volatile ContextException err;

        CustomContext(Context parent) {
            this.parent = parent;
            Context.afterFunc(parent, () -> doneOnce.run(() -> {
                err = parent.err();
                donec.close();
            }));
        }

        void cancel() {
            doneOnce.run(() -> {
                err = Context.CANCELED;
                donec.close();
            });
        }

        @Override
        public Optional<Instant> deadline() {
            return parent.deadline();
        }

        @Override
        public RecvChan<Void> done() {
            return donec;
        }

        @Override
        public ContextException err() {
            return isClosed(donec) ? err : null;
        }

        @Override
        public Object value(Object key) {
            return parent.value(key);
        }
    }

    record CauseCase(String name, Supplier<Context> ctx, ContextException err, Throwable cause) { }

    static List<CauseCase> causeCases() {
        Duration forever = Duration.ofSeconds(1_000_000);
        Exception parentCause = new Exception("parentCause");
        Exception childCause = new Exception("childCause");
        Exception tooSlow = new Exception("tooSlow");
        Exception finishedEarly = new Exception("finishedEarly");
        ContextException canceled = Context.CANCELED;
        ContextException exceeded = Context.DEADLINE_EXCEEDED;
        return List.of(
                new CauseCase("Background", Context::background, null, null),
                new CauseCase("TODO", Context::todo, null, null),
                new CauseCase("WithCancel", () -> {
                    CancelContext c = Context.withCancel(Context.background());
                    c.cancel();
                    return c;
                }, canceled, canceled),
                new CauseCase("WithCancelCause", () -> {
                    CancelContext c = Context.withCancelCause(Context.background());
                    c.cancel(parentCause);
                    return c;
                }, canceled, parentCause),
                new CauseCase("WithCancelCause nil", () -> {
                    CancelContext c = Context.withCancelCause(Context.background());
                    c.cancel(null);
                    return c;
                }, canceled, canceled),
                new CauseCase("WithCancelCause: parent cause before child", () -> {
                    CancelContext p = Context.withCancelCause(Context.background());
                    CancelContext c = Context.withCancelCause(p);
                    p.cancel(parentCause);
                    c.cancel(childCause);
                    return c;
                }, canceled, parentCause),
                new CauseCase("WithCancelCause: parent cause after child", () -> {
                    CancelContext p = Context.withCancelCause(Context.background());
                    CancelContext c = Context.withCancelCause(p);
                    c.cancel(childCause);
                    p.cancel(parentCause);
                    return c;
                }, canceled, childCause),
                new CauseCase("WithCancelCause: parent cause before nil", () -> {
                    CancelContext p = Context.withCancelCause(Context.background());
                    CancelContext c = Context.withCancel(p);
                    p.cancel(parentCause);
                    c.cancel();
                    return c;
                }, canceled, parentCause),
                new CauseCase("WithCancelCause: parent cause after nil", () -> {
                    CancelContext p = Context.withCancelCause(Context.background());
                    CancelContext c = Context.withCancel(p);
                    c.cancel();
                    p.cancel(parentCause);
                    return c;
                }, canceled, canceled),
                new CauseCase("WithCancelCause: child cause after nil", () -> {
                    CancelContext p = Context.withCancel(Context.background());
                    CancelContext c = Context.withCancelCause(p);
                    p.cancel();
                    c.cancel(childCause);
                    return c;
                }, canceled, canceled),
                new CauseCase("WithCancelCause: child cause before nil", () -> {
                    CancelContext p = Context.withCancel(Context.background());
                    CancelContext c = Context.withCancelCause(p);
                    c.cancel(childCause);
                    p.cancel();
                    return c;
                }, canceled, childCause),
                new CauseCase("WithTimeout", () -> {
                    CancelContext c = Context.withTimeout(Context.background(), Duration.ZERO);
                    c.cancel();
                    return c;
                }, exceeded, exceeded),
                new CauseCase("WithTimeout canceled", () -> {
                    CancelContext c = Context.withTimeout(Context.background(), forever);
                    c.cancel();
                    return c;
                }, canceled, canceled),
                new CauseCase("WithTimeoutCause", () -> {
                    CancelContext c = Context.withTimeoutCause(Context.background(), Duration.ZERO, tooSlow);
                    c.cancel();
                    return c;
                }, exceeded, tooSlow),
                new CauseCase("WithTimeoutCause canceled", () -> {
                    CancelContext c = Context.withTimeoutCause(Context.background(), forever, tooSlow);
                    c.cancel();
                    return c;
                }, canceled, canceled),
                new CauseCase("WithTimeoutCause stacked", () -> {
                    CancelContext p = Context.withCancelCause(Context.background());
                    CancelContext c = Context.withTimeoutCause(p, Duration.ZERO, tooSlow);
                    p.cancel(finishedEarly);
                    return c;
                }, exceeded, tooSlow),
                new CauseCase("WithTimeoutCause stacked canceled", () -> {
                    CancelContext p = Context.withCancelCause(Context.background());
                    CancelContext c = Context.withTimeoutCause(p, forever, tooSlow);
                    p.cancel(finishedEarly);
                    return c;
                }, canceled, finishedEarly),
                new CauseCase("WithoutCancel", () -> Context.withoutCancel(Context.background()), null, null),
                new CauseCase("WithoutCancel canceled", () -> {
                    CancelContext p = Context.withCancelCause(Context.background());
                    Context c = Context.withoutCancel(p);
                    p.cancel(finishedEarly);
                    return c;
                }, null, null),
                new CauseCase("WithoutCancel timeout", () -> {
                    CancelContext p = Context.withTimeoutCause(Context.background(), Duration.ZERO, tooSlow);
                    Context c = Context.withoutCancel(p);
                    p.cancel();
                    return c;
                }, null, null),
                new CauseCase("parent of custom context is canceled before", () -> {
                    CancelContext p = Context.withCancelCause(Context.background());
                    CustomContext c = new CustomContext(p);
                    p.cancel(parentCause);
                    c.cancel();
                    return c;
                }, canceled, parentCause),
                new CauseCase("parent of custom context is canceled after", () -> {
                    CancelContext p = Context.withCancelCause(Context.background());
                    CustomContext c = new CustomContext(p);
                    c.cancel();
                    p.cancel(parentCause);
                    return c;
                }, canceled, parentCause)); // as Go: cause cannot tell the custom child went first
    }

    /**
     * Go's TestCause: err() and Context.cause for each of Go's cases (cancel, cancel-with-cause in
     * every parent/child order, timeouts with and without a cause, withoutCancel, and a custom
     * context under a cancel-with-cause parent). Cases run one after another, not in parallel.
     * Go's case "parent of custom context not canceled" is {@link #causeParentOfCustomContextNotCanceled}.
     * The case "parent of custom context is canceled before" cancels the custom context through
     * an afterFunc goroutine or by hand, whichever is first; as in Go its err() is CANCELED either way.
     */
    @Test
    void cause() {
        run(() -> {
            for (CauseCase tc : causeCases()) {
                Context ctx = tc.ctx().get();
                assertSame(tc.err(), ctx.err(), tc.name() + ": err()");
                assertSame(tc.cause(), Context.cause(ctx), tc.name() + ": cause()");
            }
        });
    }

    /**
     * Go's TestCause, case "parent of custom context not canceled": a custom context cancelled by
     * itself under a live cancel-with-cause parent. Context.cause finds the parent (through
     * value) with no cause yet; Go then falls back to c.err(), CANCELED. Split from {@link #cause}:
     * gort returned null here until this port found it.
     */
    @Test
    void causeParentOfCustomContextNotCanceled() {
        run(() -> {
            CancelContext p = Context.withCancelCause(Context.background());
            CustomContext c = new CustomContext(p);
            c.cancel();
            assertSame(Context.CANCELED, c.err());
            assertSame(Context.CANCELED, Context.cause(c));
            p.cancel();
        });
    }

    /**
     * Go's TestCauseRace: polling Context.cause (not waiting on done) while another goroutine
     * cancels with a cause sees either null or that cause, never anything else.
     */
    @Test
    void causeRace() {
        run(() -> {
            for (int i = 0; i < 200; i++) {
                Exception cause = new Exception("causeRace");
                CancelContext ctx = Context.withCancelCause(Context.background());
                Go.go(() -> ctx.cancel(cause));
                Throwable got;
                while ((got = Context.cause(ctx)) == null) {
                    Go.gosched();
                }
                assertSame(cause, got, "iteration " + i);
            }
        });
    }

    /**
     * causeRace through a context derived from the cancel context (a value context): there the
     * cancel may land between Context.cause's read of the cause and its read of err(), where Go's
     * Cause returns the bare CANCELED; gort reads the cause again. A first version of the cause
     * fallback failed causeRace itself, once in 60 runs at GOMAXPROCS 2.
     */
    @Test
    void causeRaceThroughADerivedContext() {
        run(() -> {
            for (int i = 0; i < 2_000; i++) {
                Exception cause = new Exception("causeRace");
                CancelContext ctx = Context.withCancelCause(Context.background());
                Context derived = Context.withValue(ctx, "key", "value");
                Go.go(() -> ctx.cancel(cause));
                Throwable got;
                while ((got = Context.cause(derived)) == null) {
                    Go.gosched();
                }
                assertSame(cause, got, "iteration " + i);
            }
        });
    }

    /**
     * Go's TestWithoutCancel: no deadline, nil done, no error, the parent's values. Extends Go's
     * test with a timed-out, cancelled parent: its deadline is not inherited either.
     */
    @Test
    void withoutCancel() {
        run(() -> {
            Context ctx = Context.withoutCancel(Context.withValue(Context.background(), "key", "value"));
            assertTrue(ctx.deadline().isEmpty());
            assertNull(ctx.done());
            assertNull(ctx.err());
            assertEquals("value", ctx.value("key"));

            CancelContext timed = Context.withTimeout(Context.withValue(Context.background(), "key", "v2"), Duration.ZERO);
            Context wc = Context.withoutCancel(timed);
            assertSame(Context.DEADLINE_EXCEEDED, timed.err());
            assertTrue(wc.deadline().isEmpty(), "deadline not inherited");
            assertNull(wc.done());
            assertNull(wc.err());
            assertNull(Context.cause(wc));
            assertEquals("v2", wc.value("key"));
        });
    }

    /**
     * Go's TestCustomContextPropagation: a wrapper of a cancel-with-cause context that reports its
     * own done channel is a foreign parent; its child is cancelled when that channel closes, with
     * CANCELED and the wrapped context's cause.
     */
    @Test
    void customContextPropagation() {
        run(() -> {
            Exception cause = new Exception("customContextPropagation");
            Chan<Void> donec = Chan.make();
            CancelContext ctx1 = Context.withCancelCause(Context.background());
            Context ctx2 = new Context() { // ctx1, but with its own done channel
                @Override
                public Optional<Instant> deadline() {
                    return ctx1.deadline();
                }

                @Override
                public RecvChan<Void> done() {
                    return donec;
                }

                @Override
                public ContextException err() {
                    return ctx1.err();
                }

                @Override
                public Object value(Object key) {
                    return ctx1.value(key);
                }
            };
            CancelContext ctx3 = Context.withCancel(ctx2);
            try {
                ctx1.cancel(cause);
                donec.close();
                awaitClosed(ctx3.done(), "ctx3");
                assertSame(Context.CANCELED, ctx3.err());
                assertSame(cause, Context.cause(ctx3));
            } finally {
                ctx3.cancel();
            }
        });
    }

    /** Go's customCauseContext: a user Context with a lock, its own done channel and no values. */
    static final class CustomCauseContext implements Context {
        final Mutex mu = new Mutex();
        final Chan<Void> done = Chan.make();
        ContextException err; // under mu
        Runnable cancelChild; // under mu

        @Override
        public Optional<Instant> deadline() {
            return Optional.empty();
        }

        @Override
        public RecvChan<Void> done() {
            mu.lock();
            try {
                return done;
            } finally {
                mu.unlock();
            }
        }

        @Override
        public ContextException err() {
            mu.lock();
            try {
                return err;
            } finally {
                mu.unlock();
            }
        }

        @Override
        public Object value(Object key) {
            return null;
        }

        void cancel() {
            Runnable child;
            mu.lock();
            try {
                err = Context.CANCELED;
                done.close();
                child = cancelChild;
            } finally {
                mu.unlock();
            }
            if (child != null) {
                child.run();
            }
        }
    }

    /**
     * Go's TestCustomContextCause: a custom context's cause is its err(); a cancel-with-cause
     * child of it keeps its own cause and leaves the custom parent alone, also after the parent
     * is cancelled; a cancel child the custom parent cancels itself has CANCELED as both.
     */
    @Test
    void customContextCause() {
        run(() -> {
            CustomCauseContext ccc = new CustomCauseContext();
            ccc.cancel();
            assertSame(Context.CANCELED, ccc.err());
            assertSame(Context.CANCELED, Context.cause(ccc));

            ccc = new CustomCauseContext();
            CancelContext ctx = Context.withCancelCause(ccc);
            Exception cause = new Exception("customContextCause");
            ctx.cancel(cause);
            assertSame(Context.CANCELED, ctx.err());
            assertSame(cause, Context.cause(ctx));
            assertNull(ccc.err());
            assertNull(Context.cause(ccc));

            ccc.cancel();
            assertSame(Context.CANCELED, ctx.err());
            assertSame(cause, Context.cause(ctx));
            assertSame(Context.CANCELED, ccc.err());
            assertSame(Context.CANCELED, Context.cause(ccc));

            ccc = new CustomCauseContext();
            CancelContext child = Context.withCancel(ccc);
            ccc.cancelChild = child::cancel; // Go sets it without the lock too, before any cancel
            ccc.cancel();
            assertSame(Context.CANCELED, child.err());
            assertSame(Context.CANCELED, Context.cause(child));
            assertSame(Context.CANCELED, ccc.err());
            assertSame(Context.CANCELED, Context.cause(ccc));
        });
    }

    /**
     * Go's TestAfterFuncCalledAfterCancel: f has not run 1 ms after afterFunc on a live context;
     * it runs once the context is cancelled; stop then reports false. (ContextTest.afterFunc
     * covers the call but not "not before the cancel".)
     */
    @Test
    void afterFuncCalledAfterCancel() {
        run(() -> {
            CancelContext ctx = Context.withCancel(Context.background());
            Chan<Void> donec = Chan.make();
            BooleanSupplier stop = Context.afterFunc(ctx, donec::close);
            boolean[] early = {false};
            new Select()
                    .recv(donec, v -> early[0] = true)
                    .recv(Time.after(SHORT), t -> { })
                    .run();
            assertFalse(early[0], "afterFunc's f ran before the context was done");
            ctx.cancel();
            awaitClosed(donec, "afterFunc's f after cancel");
            assertFalse(stop.getAsBoolean(), "stop after f started");
        });
    }

    /** Go's TestAfterFuncCalledAfterTimeout: f runs when a 1 ms timeout passes. */
    @Test
    void afterFuncCalledAfterTimeout() {
        run(() -> {
            CancelContext ctx = Context.withTimeout(Context.background(), SHORT);
            try {
                Chan<Void> donec = Chan.make();
                Context.afterFunc(ctx, donec::close);
                awaitClosed(donec, "afterFunc's f after the timeout");
            } finally {
                ctx.cancel();
            }
        });
    }

    /** Go's TestAfterFuncCalledImmediately: afterFunc on a context already cancelled runs f. */
    @Test
    void afterFuncCalledImmediately() {
        run(() -> {
            CancelContext ctx = Context.withCancel(Context.background());
            ctx.cancel();
            Chan<Void> donec = Chan.make();
            Context.afterFunc(ctx, donec::close);
            awaitClosed(donec, "afterFunc's f on a cancelled context");
        });
    }

    /**
     * Go's TestAfterFuncCalledAsynchronously: cancel returns without waiting for f, which blocks
     * on an unbuffered send that main makes only after cancel has returned.
     */
    @Test
    void afterFuncCalledAsynchronously() {
        run(() -> {
            CancelContext ctx = Context.withCancel(Context.background());
            Chan<Void> donec = Chan.make();
            BooleanSupplier stop = Context.afterFunc(ctx, () -> donec.send(null));
            try {
                ctx.cancel();
                boolean[] timedOut = {false};
                new Select()
                        .recv(donec, v -> { })
                        .recv(Time.after(QUIESCENT), t -> timedOut[0] = true)
                        .run();
                assertFalse(timedOut[0], "afterFunc's f not called after cancel");
            } finally {
                stop.getAsBoolean();
            }
        });
    }

    /**
     * Go's TestWithCancelCanceledParent: a child made under a parent already cancelled with a cause
     * is done as it is made, with CANCELED and the parent's cause.
     */
    @Test
    void withCancelCanceledParent() {
        run(() -> {
            CancelContext parent = Context.withCancelCause(Context.background());
            Exception cause = new Exception("Because!");
            parent.cancel(cause);
            CancelContext c = Context.withCancel(parent);
            assertTrue(isClosed(c.done()), "child not done immediately upon construction");
            assertSame(Context.CANCELED, c.err(), "child not canceled");
            assertSame(cause, Context.cause(c), "child has the wrong cause");
        });
    }

    /** Go's myDoneCtx (context_test.go): a wrapper whose done() is a new channel on every call. */
    static Context myDoneCtx(Context inner) {
        return new OtherContext(inner) {
            @Override
            public RecvChan<Void> done() {
                return Chan.make();
            }
        };
    }

    /** The goroutines of the current run other than main: here, only contexts' watchers. */
    static int watchers(long mainGoid) {
        return Go.runGoroutines(mainGoid).size();
    }

    /** Waits, a bounded time, until the run has want goroutines besides main. */
    static void awaitWatchers(long mainGoid, int want, String when) {
        long deadline = System.nanoTime() + QUIESCENT.toNanos();
        int now;
        while ((now = watchers(mainGoid)) != want) {
            if (System.nanoTime() > deadline) {
                fail(when + ": " + now + " watcher goroutines after " + QUIESCENT + ", want " + want
                        + "; stacks:\n" + Go.stack(true));
            }
            Time.sleep(SHORT);
        }
    }

    /**
     * Go's XTestCustomContextGoroutines (context_test.go): a watcher goroutine is started for a
     * child exactly when its parent's done channel is not the nearest cancel context's own (a
     * wrapper with its own done, Go's myDoneCtx), and never for a plain wrapper (Go's myCtx,
     * here OtherContext), a timer child, a child of a cancelled context, or after a cancel. Go
     * reads the package's count of goroutines started; gort has none (see Contexts), so this
     * counts the run's live goroutines besides main (Go.runGoroutines): each watcher is alive
     * until its child is cancelled, and a cancel must also end it (checked by waiting, bounded,
     * for the count to drop), which Go's counter does not show.
     */
    @Test
    void customContextGoroutines() {
        run(() -> {
            long me = Go.goid();
            assertEquals(0, watchers(me), "goroutines before any context");

            CancelContext cancel0 = Context.withCancel(myDoneCtx(Context.background()));
            assertEquals(1, watchers(me), "withCancel(myDoneCtx) must start a watcher");
            cancel0.cancel();
            awaitWatchers(me, 0, "after cancelling the withCancel(myDoneCtx) child");

            cancel0 = Context.withTimeout(myDoneCtx(Context.background()), VERY_LONG);
            assertEquals(1, watchers(me), "withTimeout(myDoneCtx) must start a watcher");
            cancel0.cancel();
            awaitWatchers(me, 0, "after cancelling the withTimeout(myDoneCtx) child");

            CancelContext ctx1 = Context.withCancel(Context.background());
            assertEquals(0, watchers(me), "withCancel(background)");

            Context ctx2 = new OtherContext(ctx1);
            CancelContext ctx3 = Context.withCancel(ctx2);
            assertEquals(0, watchers(me), "withCancel(myCtx): the wrapper passes ctx1's done through");

            CancelContext cancel3b = Context.withCancel(myDoneCtx(ctx2));
            assertEquals(1, watchers(me), "ctx1 is not providing Done, must not be used");

            CancelContext ctx4 = Context.withTimeout(ctx3, VERY_LONG);
            assertEquals(1, watchers(me), "withTimeout under ctx3");

            CancelContext ctx5 = Context.withCancel(ctx4);
            assertEquals(1, watchers(me), "withCancel under ctx4");
            ctx5.cancel();
            assertEquals(1, watchers(me), "cancel of ctx5");

            CancelContext cancel6 = Context.withTimeout(ctx5, VERY_LONG);
            assertEquals(1, watchers(me), "withTimeout under the cancelled ctx5");

            cancel6.cancel();
            ctx1.cancel();
            CancelContext cancel7 = Context.withCancel(ctx5);
            assertEquals(1, watchers(me), "withCancel under the cancelled ctx5");
            assertSame(Context.CANCELED, cancel7.err());
            assertNull(cancel3b.err(), "myDoneCtx's done never closes: ctx1's cancel does not reach cancel3b");

            cancel7.cancel();
            ctx4.cancel();
            ctx3.cancel();
            cancel3b.cancel();
            awaitWatchers(me, 0, "after cancelling cancel3b");
        });
    }
}
