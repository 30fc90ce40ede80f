package dev.gort.context;

import dev.gort.Go;
import dev.gort.Panic;
import dev.gort.chan.Chan;
import dev.gort.chan.Recv;
import dev.gort.chan.RecvChan;
import dev.gort.chan.Select;
import dev.gort.sync.WaitGroup;
import dev.gort.time.Time;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(30)
class ContextTest {
    static final int STRESS = Integer.getInteger("gort.stress", 1);

    static boolean isClosed(RecvChan<Void> c) {
        Recv<Void> r = c.tryRecv();
        return r != null && !r.ok();
    }

    @Test
    void roots() {
        for (Context c : List.of(Context.background(), Context.todo())) {
            assertNull(c.done());
            assertNull(c.err());
            assertTrue(c.deadline().isEmpty());
            assertNull(c.value("k"));
        }
        assertEquals("context.Background", Context.background().toString());
        assertEquals("context.TODO", Context.todo().toString());
        assertEquals("context canceled", Context.CANCELED.getMessage());
        assertEquals("context deadline exceeded", Context.DEADLINE_EXCEEDED.getMessage());
        assertTrue(Context.DEADLINE_EXCEEDED.timeout());
        assertFalse(Context.CANCELED.timeout());
    }

    @Test
    void cancelClosesDoneAndPropagatesDown() {
        CancelContext parent = Context.withCancel(Context.background());
        CancelContext child = Context.withCancel(parent);
        Context value = Context.withValue(child, "k", "v");
        CancelContext grandchild = Context.withCancel(value);
        RecvChan<Void> d = grandchild.done();
        assertSame(d, grandchild.done(), "done() returns the same channel");
        assertFalse(isClosed(d));
        assertNull(grandchild.err());
        assertEquals("v", grandchild.value("k"));

        child.cancel();
        assertTrue(isClosed(d));
        assertSame(Context.CANCELED, grandchild.err());
        assertSame(Context.CANCELED, value.err());
        assertNull(parent.err(), "cancel does not go up");
        assertEquals(0, parent.childCount(), "cancelled child unlinked");

        child.cancel(); // cancelling twice is a no-op
        child.cancel(new IllegalStateException("late"));
        assertSame(Context.CANCELED, Context.cause(child), "only the first cancel counts");

        CancelContext late = Context.withCancel(child); // child of a cancelled parent: born cancelled
        assertSame(Context.CANCELED, late.err());
        assertTrue(isClosed(late.done()));
    }

    @Test
    void cancelCause() {
        CancelContext c = Context.withCancelCause(Context.background());
        assertNull(Context.cause(c));
        Exception why = new Exception("why");
        c.cancel(why);
        assertSame(Context.CANCELED, c.err());
        assertSame(why, Context.cause(c));
        CancelContext child = Context.withCancel(c);
        assertSame(why, Context.cause(child), "children inherit the cause");
        assertSame(why, Context.cause(Context.withValue(Context.withCancel(c), "a", 1)), "born-cancelled children too");
    }

    @Test
    void timeoutAndDeadline() {
        Go.run(() -> {
            long t0 = System.nanoTime();
            CancelContext c = Context.withTimeout(Context.background(), Duration.ofMillis(20));
            assertTrue(c.deadline().isPresent());
            ContextException early = c.err();
            if (System.nanoTime() - t0 < TimeUnit.MILLISECONDS.toNanos(20)) { // a loaded machine may be later
                assertNull(early, "done before its deadline");
            }
            assertNull(c.done().recv()); // closed when the deadline passes
            assertSame(Context.DEADLINE_EXCEEDED, c.err());
            c.cancel(); // after the deadline: no change
            assertSame(Context.DEADLINE_EXCEEDED, c.err());

            CancelContext past = Context.withDeadline(Context.background(), Instant.now().minusSeconds(1));
            assertSame(Context.DEADLINE_EXCEEDED, past.err(), "a past deadline is exceeded at once");

            CancelContext outer = Context.withTimeout(Context.background(), Duration.ofMillis(30));
            CancelContext inner = Context.withTimeout(outer, Duration.ofHours(1));
            assertEquals(outer.deadline(), inner.deadline(), "the parent's sooner deadline wins");
            inner.done().recv();
            assertSame(Context.DEADLINE_EXCEEDED, inner.err());

            Exception why = new Exception("too slow");
            CancelContext cc = Context.withTimeoutCause(Context.background(), Duration.ofMillis(5), why);
            cc.done().recv();
            assertSame(why, Context.cause(cc));

            long t1 = System.nanoTime();
            CancelContext stopped = Context.withTimeout(Context.background(), Duration.ofMillis(100));
            stopped.cancel();
            boolean cancelledFirst = System.nanoTime() - t1 < TimeUnit.MILLISECONDS.toNanos(100);
            Time.sleep(Duration.ofMillis(150));
            // a loaded machine may reach the cancel after the deadline; then the deadline's error stands
            assertSame(cancelledFirst ? Context.CANCELED : Context.DEADLINE_EXCEEDED, stopped.err(),
                    "the first of cancel and the deadline decides the error");
        });
    }

    @Test
    void values() {
        Context a = Context.withValue(Context.background(), "user", "ann");
        Context b = Context.withValue(a, "req", 7);
        assertEquals("ann", b.value("user"));
        assertEquals(7, b.value("req"));
        assertNull(a.value("req"));
        assertThrows(NullPointerException.class, () -> Context.withValue(a, null, 1));
        assertThrows(NullPointerException.class, () -> Context.withCancel(null));
        CancelContext c = Context.withCancel(b);
        Context wc = Context.withoutCancel(c);
        c.cancel();
        assertNull(wc.err());
        assertNull(wc.done());
        assertEquals("ann", wc.value("user"));
    }

    @Test
    void afterFunc() throws Exception {
        CancelContext c = Context.withCancel(Context.background());
        CountDownLatch ran = new CountDownLatch(1);
        AtomicInteger goid = new AtomicInteger();
        BooleanSupplier stop = Context.afterFunc(c, () -> {
            goid.set((int) Go.goid());
            ran.countDown();
        });
        c.cancel();
        assertTrue(ran.await(5, TimeUnit.SECONDS));
        assertTrue(goid.get() > 0, "f runs in its own goroutine");
        assertFalse(stop.getAsBoolean(), "f already started");

        CancelContext c2 = Context.withCancel(Context.background());
        AtomicInteger never = new AtomicInteger();
        BooleanSupplier stop2 = Context.afterFunc(c2, never::incrementAndGet);
        assertEquals(1, c2.childCount());
        assertTrue(stop2.getAsBoolean());
        assertFalse(stop2.getAsBoolean());
        assertEquals(0, c2.childCount(), "stop unlinks");
        c2.cancel();
        Time.sleep(Duration.ofMillis(20));
        assertEquals(0, never.get());
    }

    /** A tree of 10,000 contexts (10-ary, 4 levels) cancels completely from its root. */
    @Test
    void treeOfTenThousandCancelsCompletely() {
        CancelContext root = Context.withCancel(Context.background());
        List<Context> all = new ArrayList<>();
        List<Context> level = List.of(root);
        while (all.size() < 10_000) {
            List<Context> next = new ArrayList<>();
            for (Context p : level) {
                for (int i = 0; i < 10 && all.size() < 10_000; i++) {
                    Context c = i % 3 == 0 ? Context.withValue(Context.withCancel(p), "i", i) : Context.withCancel(p);
                    next.add(c);
                    all.add(c);
                }
            }
            level = next;
        }
        List<RecvChan<Void>> dones = new ArrayList<>();
        for (Context c : all) {
            dones.add(c.done());
        }
        root.cancel();
        for (int i = 0; i < all.size(); i++) {
            assertSame(Context.CANCELED, all.get(i).err(), "context " + i + " not cancelled");
            assertTrue(isClosed(dones.get(i)), "done of " + i + " not closed");
        }
        assertEquals(0, root.childCount());
    }

    /**
     * No leak: 100,000 x gort.stress children made and cancelled under one long-lived parent leave
     * the parent with no children (scaled down from Go's million for CI time).
     */
    @Test
    void cancelledChildrenAreUnlinked() {
        CancelContext parent = Context.withCancel(Context.background());
        int n = 100_000 * STRESS;
        for (int i = 0; i < n; i++) {
            CancelContext c = Context.withCancel(parent);
            if (i % 2 == 0) {
                c.done();
            }
            c.cancel();
        }
        assertEquals(0, parent.childCount());
        CancelContext live = Context.withTimeout(parent, Duration.ofHours(1));
        assertEquals(1, parent.childCount());
        live.cancel();
        assertEquals(0, parent.childCount(), "withTimeout child unlinked on cancel");
    }

    /** Select on done() beside channel cases: a pipeline stage stops when its context is cancelled. */
    @Test
    void selectOnDoneWithChannels() {
        int[] received = {0};
        boolean[] sawCancel = {false};
        Go.run(() -> {
            CancelContext ctx = Context.withCancel(Context.background());
            Chan<Integer> numbers = Chan.make();
            WaitGroup wg = new WaitGroup();
            wg.go(() -> { // producer: sends until cancelled
                for (int i = 0; ; i++) {
                    int v = i;
                    boolean[] stop = {false};
                    new Select()
                            .send(numbers, v, () -> { })
                            .recv(ctx.done(), x -> stop[0] = true)
                            .run();
                    if (stop[0]) {
                        return;
                    }
                }
            });
            for (int k = 0; k < 100; k++) {
                numbers.recv();
                received[0]++;
            }
            ctx.cancel();
            wg.await(); // the producer saw done() in its select
            sawCancel[0] = ctx.err() == Context.CANCELED;
        });
        assertEquals(100, received[0]);
        assertTrue(sawCancel[0]);
    }

    /** A user Context wrapping ours but with its own done channel: children follow it through a goroutine. */
    @Test
    void foreignParent() {
        Go.run(() -> {
            Chan<Void> myDone = Chan.make();
            ContextException[] err = {null};
            Context foreign = foreign(myDone, () -> err[0]);
            CancelContext child = Context.withCancel(foreign);
            assertNull(child.err());
            err[0] = Context.CANCELED;
            myDone.close();
            assertNull(child.done().recv());
            assertSame(Context.CANCELED, child.err());
        });
    }

    /**
     * Go's contract: while Done is not closed, Err returns null. A reader racing cancel that sees
     * the error must find done() closed (cancel writes the error before it closes the channel).
     */
    @Test
    void errIsSetOnlyOnceDoneIsClosed() {
        Go.run(() -> {
            for (int trial = 0; trial < 2000; trial++) {
                CancelContext ctx = Context.withCancel(Context.background());
                RecvChan<Void> done = ctx.done(); // made before the cancel: cancel closes it
                WaitGroup reader = new WaitGroup();
                int t = trial;
                reader.go(() -> {
                    while (ctx.err() == null) {
                        Go.gosched(); // at GOMAXPROCS 1, let the canceller run
                    }
                    assertTrue(done.tryRecv() != null, "trial " + t + ": err() non-null while done() is open");
                });
                ctx.cancel();
                reader.await();
            }
        });
    }

    /** A user parent whose done closes while its err() is still null is Go's internal error, raised at once. */
    @Test
    void aForeignParentClosedWithoutAnErrorIsAnInternalError() {
        Panic p = assertThrows(Panic.class, () -> Go.run(() -> {
            Chan<Void> myDone = Chan.make();
            Context broken = foreign(myDone, () -> null); // breaks the contract: done closed, no error
            CancelContext child = Context.withCancel(broken);
            myDone.close();
            child.done().recv(); // the watcher panics instead; the run fails with it
        }));
        assertEquals("context: internal error: missing cancel error", p.getMessage());
    }

    /** A user Context with its own done channel and error, no deadline and no values. */
    private static Context foreign(RecvChan<Void> done, Supplier<ContextException> err) {
        return new Context() {
            @Override
            public Optional<Instant> deadline() {
                return Optional.empty();
            }

            @Override
            public RecvChan<Void> done() {
                return done;
            }

            @Override
            public ContextException err() {
                return err.get();
            }

            @Override
            public Object value(Object key) {
                return null;
            }
        };
    }
}
