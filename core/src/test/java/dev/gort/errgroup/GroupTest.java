package dev.gort.errgroup;

import dev.gort.Go;
import dev.gort.Panic;
import dev.gort.chan.Chan;
import dev.gort.context.Context;
import dev.gort.time.Time;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(30)
class GroupTest {

    @Test
    void firstErrorWinsAndCancelsTheContext() {
        IOException boom = new IOException("boom");
        Exception[] got = {null};
        Context[] ctx = {null};
        AtomicInteger sawCancel = new AtomicInteger();
        Go.run(() -> {
            Group g = Group.withContext(Context.background());
            ctx[0] = g.context();
            for (int i = 0; i < 5; i++) {
                g.go(() -> {
                    g.context().done().recv(); // the failing task cancels us
                    sawCancel.incrementAndGet();
                    throw new IllegalStateException("later");
                });
            }
            g.go(() -> {
                Time.sleep(Duration.ofMillis(5));
                throw boom;
            });
            got[0] = g.await();
        });
        assertSame(boom, got[0]);
        assertEquals(5, sawCancel.get());
        assertSame(Context.CANCELED, ctx[0].err());
        assertSame(boom, Context.cause(ctx[0]));
    }

    @Test
    void noErrorStillCancelsContextOnAwait() {
        Go.run(() -> {
            Group g = Group.withContext(Context.background());
            AtomicInteger n = new AtomicInteger();
            for (int i = 0; i < 10; i++) {
                g.go(n::incrementAndGet);
            }
            assertNull(g.await());
            assertEquals(10, n.get());
            assertSame(Context.CANCELED, g.context().err());
            Group plain = new Group();
            plain.go(() -> { });
            assertNull(plain.await());
            assertNull(plain.context().err());
        });
    }

    @Test
    void limitBoundsActiveTasks() {
        Go.run(() -> {
            Group g = new Group();
            g.setLimit(2);
            // two tasks that hold their tokens until released: the group is full, whatever the timing
            Chan<Object> release = Chan.make();
            for (int i = 0; i < 2; i++) {
                g.go(release::recv);
            }
            Panic p = assertThrows(Panic.class, () -> g.setLimit(5), "modify limit while active");
            assertEquals("errgroup: modify limit while 2 goroutines in the group are still active", p.getMessage());
            assertFalse(g.tryGo(() -> { }), "limit reached");
            release.close();
            assertNull(g.await());
            assertTrue(g.tryGo(() -> { }), "a token is free once the tasks ended");
            assertNull(g.await());

            // the bound under churn: 20 tasks through 2 tokens
            AtomicInteger active = new AtomicInteger();
            AtomicInteger peak = new AtomicInteger();
            for (int i = 0; i < 20; i++) {
                g.go(() -> {
                    peak.accumulateAndGet(active.incrementAndGet(), Math::max);
                    Time.sleep(Duration.ofMillis(2));
                    active.decrementAndGet();
                });
            }
            assertNull(g.await());
            assertTrue(peak.get() <= 2 && peak.get() >= 1, "peak " + peak.get());
            g.setLimit(1); // no task active: allowed
        });
    }

    /** Go: lifting the limit (n < 0) is allowed while tasks are active; they keep their own tokens. */
    @Test
    void liftingTheLimitWhileTasksAreActive() {
        Go.run(() -> {
            Group g = new Group();
            g.setLimit(1);
            Chan<Object> release = Chan.make();
            g.go(release::recv);
            assertFalse(g.tryGo(() -> { }), "limit reached");
            g.setLimit(-1);
            assertTrue(g.tryGo(() -> { }), "no limit any more");
            release.close();
            assertNull(g.await());
        });
    }
}
