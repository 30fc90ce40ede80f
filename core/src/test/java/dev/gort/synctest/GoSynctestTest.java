package dev.gort.synctest;

import dev.gort.FatalError;
import dev.gort.Go;
import dev.gort.Panic;
import dev.gort.chan.Chan;
import dev.gort.chan.ChanPanic;
import dev.gort.chan.Select;
import dev.gort.context.CancelContext;
import dev.gort.context.Context;
import dev.gort.sync.Cond;
import dev.gort.sync.Mutex;
import dev.gort.sync.WaitGroup;
import dev.gort.time.Time;
import dev.gort.time.Timer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Ports of Go's src/internal/synctest/synctest_test.go and src/testing/synctest's tests and
 * examples, one test per Go test of the same name (minus those about Go-only machinery: reflect,
 * weak pointers, iter.Pull, the testing.T integration, which is gort-junit's).
 */
@Timeout(60)
class GoSynctestTest {
    static final Instant START = Instant.parse("2000-01-01T00:00:00Z");

    static Duration s(long n) {
        return Duration.ofSeconds(n);
    }

    /** Go's wantPanic: run f, expect a panic with exactly this message. */
    static void wantPanic(String want, Runnable f) {
        try {
            f.run();
        } catch (RuntimeException | Error e) {
            assertEquals(want, e.getMessage(), "panic message");
            return;
        }
        fail("got no panic, want " + want);
    }

    @Test
    void testNow() {
        Synctest.test(() -> {
            assertEquals(START, Time.now(), "at start");
            Go.go(() -> assertEquals(START, Time.now(), "new goroutines see the same fake clock"));
            Time.sleep(s(1));
            assertEquals(START.plusSeconds(1), Time.now(), "after sleep");
        });
    }

    /**
     * Go's TestMonotonicClock: a time read outside the bubble (the real clock) compared with the
     * bubble's: sleeping until() it brings the fake clock exactly to it, and since() then measures
     * the fake time slept, to the nanosecond.
     */
    @Test
    void testMonotonicClock() {
        Instant start = Time.now();
        Synctest.test(() -> {
            Time.sleep(Time.until(start));
            assertEquals(start, Time.now(), "after sleeping until the outside time");
            Duration wait = s(1);
            Time.sleep(wait);
            assertEquals(wait, Time.since(start), "since(start)");
            assertEquals(wait, Duration.between(start, Time.now()), "now() - start");
        });
    }

    @Test
    void testRunEmpty() {
        Synctest.test(() -> { });
    }

    @Test
    void testSimpleWait() {
        Synctest.test(Synctest::await);
    }

    @Test
    void testGoroutineWait() {
        Synctest.test(() -> {
            Go.go(() -> { });
            Synctest.await();
        });
    }

    /** Go's TestWait: a chain of 100 goroutines handing a count down; await waits for all of them. */
    @Test
    void testWait() {
        Synctest.test(() -> {
            AtomicBoolean done = new AtomicBoolean();
            Chan<Integer> ch = Chan.make();
            Runnable[] f = new Runnable[1];
            f[0] = () -> {
                int count = ch.recv();
                if (count == 0) {
                    done.set(true);
                } else {
                    Go.go(f[0]);
                    ch.send(count - 1);
                }
            };
            Go.go(f[0]);
            ch.send(100);
            Synctest.await();
            assertTrue(done.get(), "done");
        });
    }

    @Test
    void testMallocs() {
        for (int i = 0; i < 100; i++) {
            Synctest.test(() -> {
                AtomicBoolean done = new AtomicBoolean();
                Chan<byte[]> ch = Chan.make();
                Runnable[] f = new Runnable[1];
                f[0] = () -> {
                    byte[] b = ch.recv();
                    if (b.length == 0) {
                        done.set(true);
                    } else {
                        Go.go(f[0]);
                        ch.send(new byte[b.length - 1]);
                    }
                };
                Go.go(f[0]);
                ch.send(new byte[100]);
                Synctest.await();
                assertTrue(done.get(), "done");
            });
        }
    }

    @Test
    void testTimerReadBeforeDeadline() {
        Synctest.test(() -> {
            Instant start = Time.now();
            Timer tm = Time.newTimer(s(5));
            tm.c().recv();
            assertEquals(s(5), Time.since(start));
        });
    }

    @Test
    void testTimerReadAfterDeadline() {
        Synctest.test(() -> {
            Duration delay = s(1);
            Instant want = Time.now().plus(delay);
            Timer tm = Time.newTimer(delay);
            Time.sleep(delay.multipliedBy(2));
            assertEquals(want, tm.c().recv());
        });
    }

    @Test
    void testTimerReset() {
        Synctest.test(() -> {
            Instant start = Time.now();
            Timer tm = Time.newTimer(s(1));
            assertEquals(start.plusSeconds(1), tm.c().recv(), "first sleep");
            tm.reset(s(2));
            assertEquals(start.plusSeconds(1 + 2), tm.c().recv(), "second sleep");
            tm.reset(s(3));
            Time.sleep(s(1));
            tm.reset(s(3));
            assertEquals(start.plusSeconds(1 + 2 + 4), tm.c().recv(), "third sleep");
        });
    }

    @Test
    void testTimeAfter() {
        Synctest.test(() -> {
            AtomicInteger i = new AtomicInteger();
            Time.afterFunc(s(1), () -> {
                i.incrementAndGet(); // 1: bubble membership propagates through afterFunc
                Go.go(() -> {
                    Time.sleep(s(1));
                    i.incrementAndGet(); // 2
                });
            });
            Time.sleep(s(3));
            Synctest.await();
            assertEquals(2, i.get(), "after sleep and wait");
        });
    }

    @Test
    void testTimerAfterBubbleExit() {
        AtomicBoolean run = new AtomicBoolean();
        Synctest.test(() -> Time.afterFunc(s(1), () -> run.set(true)));
        assertFalse(run.get(), "timer ran before bubble exit");
    }

    @Test
    void testTimerFromOutsideBubble() {
        Timer tm = Time.newTimer(Duration.ofMillis(10));
        Synctest.test(() -> tm.c().recv());
        assertFalse(tm.stop(), "synctest.Run unexpectedly returned before timer fired");
    }

    /** Timers firing at the same instant don't always fire in the same order. */
    @Test
    void testTimerNondeterminism() {
        Synctest.test(() -> {
            boolean[] seen = new boolean[2];
            for (int it = 0; it < 1000; it++) {
                Timer tm1 = Time.newTimer(Duration.ofNanos(1));
                Timer tm2 = Time.newTimer(Duration.ofNanos(1));
                new Select().recv(tm1.c(), v -> seen[0] = true).recv(tm2.c(), v -> seen[1] = true).run();
                if (seen[0] && seen[1]) {
                    return;
                }
                Synctest.await();
            }
            fail("after 1000 iterations, seen timer1:" + seen[0] + ", timer2:" + seen[1] + "; want both");
        });
    }

    /** Goroutines sleeping to the same instant don't always run in the same order. */
    @Test
    void testSleepNondeterminism() {
        Synctest.test(() -> {
            boolean[] seen = new boolean[3];
            for (int it = 0; it < 1000; it++) {
                AtomicInteger first = new AtomicInteger();
                Go.go(() -> {
                    Time.sleep(Duration.ofNanos(1));
                    first.compareAndSet(0, 1);
                });
                Go.go(() -> {
                    Time.sleep(Duration.ofNanos(1));
                    first.compareAndSet(0, 2);
                });
                Time.sleep(Duration.ofNanos(1));
                Synctest.await();
                int v = first.get();
                assertTrue(v == 1 || v == 2, "first = " + v + ", want 1 or 2");
                seen[v] = true;
                if (seen[1] && seen[2]) {
                    return;
                }
                Synctest.await();
            }
            fail("after 1000 iterations, seen goroutine 1:" + seen[1] + ", 2:" + seen[2] + "; want both");
        });
    }

    /** A 0-duration timer sends on its channel without waiting for the bubble to block. */
    @Test
    void testTimerRunsImmediately() {
        Synctest.test(() -> {
            Instant start = Time.now();
            Timer tm = Time.newTimer(Duration.ZERO);
            new Select()
                    .recv(tm.c(), got -> assertEquals(start, got))
                    .otherwise(() -> fail("0-duration timer channel is not readable; want it to be"))
                    .run();
        });
    }

    @Test
    void testTimerRanInPast() {
        Synctest.test(() -> {
            Duration delay = s(1);
            Instant want = Time.now().plus(delay);
            Timer tm = Time.newTimer(delay);
            Time.sleep(delay.multipliedBy(2));
            new Select()
                    .recv(tm.c(), got -> assertEquals(want, got))
                    .otherwise(() -> fail("timer channel is not readable; want it to be"))
                    .run();
        });
    }

    /** A 0-duration afterFunc is scheduled without waiting for the bubble to block. */
    @Test
    void testAfterFuncRunsImmediately() {
        Synctest.test(() -> {
            AtomicBoolean b = new AtomicBoolean();
            Time.afterFunc(Duration.ZERO, () -> b.set(true));
            while (!b.get()) {
                Go.gosched();
            }
        });
    }

    /** A channel made outside the bubble is not durable: the bubble waits for the outside. */
    @Test
    void testChannelFromOutsideBubble() {
        Chan<Void> choutside = Chan.make();
        record Case(String desc, Consumer<Chan<Integer>> outside, Consumer<Chan<Integer>> inside) {}
        List<Case> cases = List.of(
                new Case("read closed", ch -> ch.close(), ch -> ch.recv()),
                new Case("read value", ch -> ch.send(0), ch -> ch.recv()),
                new Case("write value", ch -> ch.recv(), ch -> ch.send(0)),
                new Case("select outside only", ch -> ch.close(),
                        ch -> new Select().recv(ch, v -> { }).recv(choutside, v -> { }).run()),
                new Case("select mixed", ch -> ch.close(), ch -> {
                    Chan<Void> ch2 = Chan.make();
                    new Select().recv(ch, v -> { }).recv(ch2, v -> { }).run();
                }));
        for (Case c : cases) {
            Chan<Integer> ch = Chan.make();
            Time.afterFunc(Duration.ofMillis(1), () -> c.outside().accept(ch));
            Synctest.test(() -> c.inside().accept(ch));
        }
    }

    @Test
    void testChannelMovedOutOfBubble() {
        record Case(String desc, Consumer<Chan<Void>> f, String wantPanic) {}
        List<Case> cases = List.of(
                new Case("receive", ch -> ch.recv(), "receive on synctest channel from outside bubble"),
                new Case("send", ch -> ch.send(null), "send on synctest channel from outside bubble"),
                new Case("close", ch -> ch.close(), "close of synctest channel from outside bubble"),
                // not in Go's test: selectgo's own message (two cases, so not a plain receive)
                new Case("select", ch -> new Select().recv(ch, v -> { }).recv((Chan<Void>) null, v -> { }).run(),
                        "select on synctest channel from outside bubble"));
        for (Case c : cases) {
            // A bubbled channel used from outside any bubble.
            Chan<Chan<Void>> ch = Chan.make(1);
            Synctest.test(() -> ch.send(Chan.make()));
            Chan<Void> inner = ch.recv();
            wantPanic(c.wantPanic(), () -> c.f().accept(inner));
            AtomicReference<Throwable> fromGoroutine = new AtomicReference<>();
            Go.run(() -> {
                try {
                    c.f().accept(inner);
                } catch (ChanPanic e) {
                    fromGoroutine.set(e);
                }
            });
            assertEquals(c.wantPanic(), fromGoroutine.get().getMessage(), c.desc() + ": from a goroutine");
            // ... and from a different bubble.
            Synctest.test(() -> ch.send(Chan.make()));
            Chan<Void> other = ch.recv();
            Synctest.test(() -> wantPanic(c.wantPanic(), () -> c.f().accept(other)));
        }
    }

    @Test
    void testTimerFromInsideBubble() {
        record Case(String desc, Consumer<Timer> f, String wantPanic) {}
        List<Case> cases = List.of(
                new Case("read channel", tm -> tm.c().recv(), "receive on synctest channel from outside bubble"),
                new Case("Reset", tm -> tm.reset(s(1)), "reset of synctest timer from outside bubble"),
                new Case("Stop", Timer::stop, "stop of synctest timer from outside bubble"));
        for (Case c : cases) {
            Chan<Timer> ch = Chan.make(1);
            Synctest.test(() -> ch.send(Time.newTimer(s(1))));
            Timer tm = ch.recv();
            wantPanic(c.wantPanic(), () -> c.f().accept(tm));
            // Go's: from a goroutine outside any bubble.
            Synctest.test(() -> ch.send(Time.newTimer(s(1))));
            Timer other = ch.recv();
            AtomicReference<Throwable> fromGoroutine = new AtomicReference<>();
            Go.run(() -> {
                try {
                    c.f().accept(other);
                } catch (Panic e) {
                    fromGoroutine.set(e);
                }
            });
            assertTrue(fromGoroutine.get() != null, c.desc() + ": from a goroutine: no panic");
            assertEquals(c.wantPanic(), fromGoroutine.get().getMessage(), c.desc() + ": from a goroutine");
        }
    }

    @Test
    void testDeadlockRoot() {
        BubbleDeadlockError e = assertThrows(BubbleDeadlockError.class,
                () -> Synctest.test(() -> new Select().run()));
        assertEquals("deadlock: all goroutines in bubble are blocked", e.getMessage());
        assertTrue(e.dump().contains("[select (no cases) (durable), synctest bubble"), e.dump());
    }

    @Test
    void testDeadlockChild() {
        BubbleDeadlockError e = assertThrows(BubbleDeadlockError.class,
                () -> Synctest.test(() -> Go.go(() -> new Select().run())));
        assertEquals("deadlock: main bubble goroutine has exited but blocked goroutines remain", e.getMessage());
    }

    @Test
    void testDeadlockTicker() {
        BubbleDeadlockError e = assertThrows(BubbleDeadlockError.class, () -> Synctest.test(() -> Go.go(() -> {
            for (Instant ignored : iterable(Time.tick(s(1)))) {
                fail("ticker unexpectedly ran");
            }
        })));
        assertEquals("deadlock: main bubble goroutine has exited but blocked goroutines remain", e.getMessage());
    }

    static <T> Iterable<T> iterable(dev.gort.chan.RecvChan<T> c) {
        return () -> new java.util.Iterator<>() {
            T next;

            @Override
            public boolean hasNext() {
                var r = c.recvOk();
                next = r.value();
                return r.ok();
            }

            @Override
            public T next() {
                return next;
            }
        };
    }

    @Test
    void testCond() {
        Synctest.test(() -> {
            Mutex mu = new Mutex();
            Cond cond = new Cond(mu);
            Instant start = Time.now();
            Duration waitTime = Duration.ofMillis(1);
            Go.go(() -> {
                Time.sleep(waitTime); // signal the cond
                mu.lock();
                cond.signal();
                mu.unlock();
                Time.sleep(waitTime); // broadcast to the cond
                mu.lock();
                cond.broadcast();
                mu.unlock();
            });
            mu.lock(); // wait for signal
            cond.await();
            mu.unlock();
            assertEquals(waitTime, Time.since(start), "after cond.signal");

            AtomicBoolean waiterDone = new AtomicBoolean(); // wait for broadcast in two goroutines
            Go.go(() -> {
                mu.lock();
                cond.await();
                mu.unlock();
                waiterDone.set(true);
            });
            mu.lock();
            cond.await();
            mu.unlock();
            Synctest.await();
            assertTrue(waiterDone.get(), "after cond.broadcast: waiter not done");
            assertEquals(waitTime.multipliedBy(2), Time.since(start), "after cond.broadcast");
        });
    }

    /** Go's TestIteratorPush, with the push iterator as a callback. */
    @Test
    void testIteratorPush() {
        Synctest.test(() -> {
            List<Instant> got = new ArrayList<>();
            Go.go(() -> {
                while (true) {
                    got.add(Time.now());
                    if (got.size() >= 3) {
                        break;
                    }
                    Time.sleep(s(1));
                }
            });
            List<Instant> want = List.of(Time.now(), Time.now().plusSeconds(1), Time.now().plusSeconds(2));
            Time.sleep(s(5));
            Synctest.await();
            assertEquals(want, got);
        });
    }

    @Test
    void testWaitGroupInBubble() {
        Synctest.test(() -> {
            WaitGroup wg = new WaitGroup();
            wg.add(1);
            Duration delay = s(1);
            Go.go(() -> {
                Time.sleep(delay);
                wg.done();
            });
            Instant start = Time.now();
            wg.await();
            assertEquals(delay, Time.since(start), "WaitGroup.await took");
        });
    }

    /** A WaitGroup made outside the bubble does not block durably: the bubble waits for done(). */
    @Test
    void testWaitGroupOutOfBubble() throws Exception {
        WaitGroup wg = new WaitGroup();
        wg.add(1);
        CountDownLatch donec = new CountDownLatch(1);
        Thread t = Thread.ofPlatform().start(() -> Synctest.test(() -> {
            wg.await();
            donec.countDown();
        }));
        assertFalse(donec.await(1, TimeUnit.MILLISECONDS), "synctest.Run finished before WaitGroup.done called");
        wg.done();
        assertTrue(donec.await(30, TimeUnit.SECONDS));
        t.join(30_000);
        assertFalse(t.isAlive());
    }

    /**
     * The other half of Go's association rule (TestWaitGroupOutOfBubble's, with the group made
     * inside): a WaitGroup made in the bubble but counted from outside it (the add from 0 is a
     * platform thread's) does not block durably there, since the outside may call done: the
     * bubble waits for it instead of reporting a deadlock. (When the bubble a group was made in
     * decided, the root's await was a durable block with nothing left to run: Go's deadlock.)
     */
    @Test
    void testWaitGroupMadeInBubbleCountedOutside() throws Exception {
        AtomicReference<WaitGroup> made = new AtomicReference<>();
        AtomicReference<Thread> root = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch added = new CountDownLatch(1);
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                Synctest.test(() -> {
                    WaitGroup wg = new WaitGroup();
                    made.set(wg);
                    try {
                        added.await(); // a JDK park: not durable, the bubble waits
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                    root.set(Thread.currentThread());
                    wg.await(); // counted outside: not durable
                });
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (made.get() == null) {
            assertTrue(System.nanoTime() < deadline, "the bubble never made its WaitGroup");
            Thread.sleep(1);
        }
        made.get().add(1); // the add from 0, outside any bubble
        added.countDown();
        while (root.get() == null || (root.get().getState() != Thread.State.WAITING && t.isAlive())) {
            assertTrue(System.nanoTime() < deadline, "the root never waited on the WaitGroup");
            Thread.sleep(1);
        }
        made.get().done();
        t.join(30_000);
        assertFalse(t.isAlive(), "Synctest.test did not return after done");
        assertNull(failure.get(), () -> "the bubble failed: " + failure.get());
    }

    @Test
    void testWaitGroupMovedBetweenBubblesWithZeroCount() {
        WaitGroup wg = new WaitGroup();
        Synctest.test(() -> {
            wg.add(1);
            wg.done();
        });
        Synctest.test(() -> {
            wg.add(1);
            wg.done();
        });
    }

    /**
     * Go's TestWaitGroupMovedIntoBubble: counted outside, then added to inside a bubble while the
     * count is above 0: Go's fatal error.
     */
    @Test
    void testWaitGroupMovedIntoBubble() {
        WaitGroup wg = new WaitGroup();
        wg.add(1);
        assertWaitGroupFatal("sync: WaitGroup.Add called from inside and outside synctest bubble",
                () -> Synctest.test(() -> wg.add(1)));
    }

    /**
     * Go's TestWaitGroupMovedOutOfBubble: counted in a bubble that ended with the count at 1,
     * then added to outside: Go's fatal error. Also a done from outside (an add of -1).
     */
    @Test
    void testWaitGroupMovedOutOfBubble() {
        for (int delta : new int[] {1, -1}) {
            WaitGroup wg = new WaitGroup();
            Synctest.test(() -> wg.add(1));
            assertWaitGroupFatal("sync: WaitGroup.Add called from inside and outside synctest bubble", () -> wg.add(delta));
        }
    }

    /** Go's TestWaitGroupMovedBetweenBubblesWithNonZeroCount: Go's fatal error in the second bubble. */
    @Test
    void testWaitGroupMovedBetweenBubblesWithNonZeroCount() {
        WaitGroup wg = new WaitGroup();
        Synctest.test(() -> wg.add(1));
        assertWaitGroupFatal("sync: WaitGroup.Add called from multiple synctest bubbles",
                () -> Synctest.test(() -> wg.add(1)));
    }

    /**
     * Go's rule behind TestWaitGroupMovedBetweenBubblesWithNonZeroCount, when the two adds race:
     * two adds from 0 from two bubbles at once. Go's first Associate wins, and the second add is
     * Go's fatal error. The first add is held right after it associated the group with its bubble
     * (Exports.onWaitGroupAssociate) while the second starts; once the second is held too (after
     * its own association) or blocked behind the first, the first completes, then the second: it
     * must end its bubble with "multiple synctest bubbles". Before the fix, the second's
     * association overwrote the first's, its retry compared the count against its own bubble, and
     * both adds succeeded.
     */
    @Test
    void waitGroupAddsFromZeroRacingFromTwoBubbles() throws Exception {
        WaitGroup wg = new WaitGroup();
        List<CountDownLatch> held = new java.util.concurrent.CopyOnWriteArrayList<>();
        dev.gort.runtime.Exports.onWaitGroupAssociate(() -> {
            CountDownLatch release = new CountDownLatch(1);
            held.add(release);
            try {
                release.await();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        try {
            AtomicReference<Throwable> first = new AtomicReference<>(), second = new AtomicReference<>();
            AtomicReference<Thread> secondG = new AtomicReference<>();
            Thread a = Thread.ofPlatform().start(() -> catching(first, () -> Synctest.test(() -> wg.add(1))));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (held.isEmpty()) {
                assertTrue(System.nanoTime() < deadline, "the first add never associated");
                Thread.sleep(1);
            }
            Thread b = Thread.ofPlatform().start(() -> catching(second, () -> Synctest.test(() -> {
                secondG.set(Thread.currentThread());
                wg.add(1);
            })));
            while (held.size() < 2 && (secondG.get() == null || !blocked(secondG.get()))) {
                assertTrue(System.nanoTime() < deadline, "the second add neither associated nor waited");
                Thread.sleep(1);
            }
            held.get(0).countDown(); // the first add publishes its count
            a.join(30_000);
            assertFalse(a.isAlive(), "the first bubble did not end");
            while (held.size() > 1 && held.get(1).getCount() > 0) {
                held.get(1).countDown(); // the second add goes on
            }
            b.join(30_000);
            assertFalse(b.isAlive(), "the second bubble did not end");
            Throwable t = second.get();
            assertTrue(t != null, "the second add from 0, from another bubble, was not caught");
            FatalError fe = t instanceof FatalError e ? e : assertInstanceOf(FatalError.class, t.getCause(), () -> String.valueOf(t));
            assertEquals("sync: WaitGroup.Add called from multiple synctest bubbles", fe.getMessage());
            assertNull(first.get(), () -> "the first add failed: " + first.get());
        } finally {
            dev.gort.runtime.Exports.onWaitGroupAssociate(null);
            held.forEach(CountDownLatch::countDown);
        }
    }

    private static void catching(AtomicReference<Throwable> into, Runnable f) {
        try {
            f.run();
        } catch (Throwable t) {
            into.set(t);
        }
    }

    /** Whether t waits to enter a monitor or is parked. */
    private static boolean blocked(Thread t) {
        Thread.State st = t.getState();
        return st == Thread.State.BLOCKED || st == Thread.State.WAITING;
    }

    /**
     * The state bit's edges: a group counted in a bubble to 0 is then counted outside (no bubble
     * live) without a fatal error, and a group made in a bubble that ended and counted outside is
     * outside's: a later bubble's add to it is "inside and outside", not "multiple bubbles".
     */
    @Test
    void waitGroupBubbleBitFollowsTheAddFromZero() {
        WaitGroup counted = new WaitGroup();
        Synctest.test(() -> {
            counted.add(1);
            counted.done();
        });
        counted.add(1);
        counted.add(1); // above 0, from outside, counted outside: no fatal error
        counted.done();
        counted.done();
        WaitGroup[] made = new WaitGroup[1];
        Synctest.test(() -> made[0] = new WaitGroup());
        made[0].add(1);
        assertWaitGroupFatal("sync: WaitGroup.Add called from inside and outside synctest bubble",
                () -> Synctest.test(() -> made[0].add(1)));
    }

    /** f ends with Go's fatal error msg: a FatalError (Synctest.test's own, or its cause). */
    private static void assertWaitGroupFatal(String msg, Runnable f) {
        Throwable t = assertThrows(Throwable.class, f::run);
        FatalError fe = t instanceof FatalError e ? e : assertInstanceOf(FatalError.class, t.getCause(), () -> String.valueOf(t));
        assertEquals(msg, fe.getMessage());
    }

    @Test
    void testWaitGroupMovedBetweenBubblesAfterWait() {
        WaitGroup wg = new WaitGroup();
        Synctest.test(() -> {
            wg.go(() -> { });
            wg.await();
        });
        Synctest.test(() -> {
            wg.go(() -> { });
            wg.await();
        });
    }

    /** Go's testWaitGroupLinkerAllocatedWG: a WaitGroup made outside any bubble, when the class loads. */
    static final WaitGroup STATIC_WG = new WaitGroup();

    /**
     * Go's TestWaitGroupLinkerAllocated: a WaitGroup the bubble cannot own (Go's package variable;
     * here one made outside the bubble, in a static field) still works inside it: go then await
     * returns once the goroutine is done, durable or not.
     */
    @Test
    void testWaitGroupLinkerAllocated() {
        Synctest.test(() -> {
            STATIC_WG.go(() -> { });
            STATIC_WG.await();
        });
    }

    /** Go's testWaitGroupHeapAllocatedWG: a WaitGroup made outside any bubble, when the class loads. */
    static final WaitGroup HEAP_WG = new WaitGroup();

    /**
     * Go's TestWaitGroupHeapAllocated: a WaitGroup made outside the bubble (Go's package-level
     * pointer; here a static field, as any field of a test's objects made before the bubble) becomes
     * the bubble's at its first add there, so a member's await on it blocks durably: the root's
     * Synctest.await returns while the other member waits, and done releases it. (Were the wait not
     * durable, Synctest.await would never return: the method's timeout bounds that hang.) Twice: once
     * its count is back to 0, the group is counted again in a second bubble and becomes that one's.
     */
    @Test
    @Timeout(20)
    void testWaitGroupHeapAllocated() {
        for (int i = 0; i < 2; i++) {
            Synctest.test(() -> {
                HEAP_WG.add(1);
                Go.go(HEAP_WG::await);
                Synctest.await();
                HEAP_WG.done();
            });
        }
    }

    /** Go's TestHappensBefore: await orders the bubble's goroutines' effects before what follows. */
    @Test
    void testHappensBefore() {
        int[] v = new int[2];
        Synctest.test(() -> {
            v[0]++;
            v[1]++; // 1
            Go.go(() -> v[0]++);
            Go.go(() -> v[1]++); // 2
            Synctest.await();
            v[0]++;
            v[1]++; // 3
            Chan<Void> ch1 = Chan.make();
            Go.go(() -> {
                v[0]++; // 4
                ch1.recv();
            });
            Go.go(() -> {
                v[1]++; // 4
                ch1.recv();
            });
            Synctest.await();
            v[0]++;
            v[1]++; // 5
            ch1.close();
            Time.afterFunc(Duration.ZERO, () -> v[0]++); // 6
            Time.afterFunc(Duration.ZERO, () -> v[1]++);
            Synctest.await();
            v[0]++;
            v[1]++; // 7
            Chan<Void> ch2 = Chan.make();
            Time.afterFunc(Duration.ZERO, () -> {
                v[0]++; // 8
                ch2.recv();
            });
            Time.afterFunc(Duration.ZERO, () -> {
                v[1]++;
                ch2.recv();
            });
            Synctest.await();
            v[0]++;
            v[1]++; // 9
            ch2.close();
        });
        Synctest.test(() -> { // this run happens after the previous one returns
            Go.go(() -> Go.go(() -> v[0]++));
            Go.go(() -> Go.go(() -> v[1]++)); // 10
        });
        assertEquals(10, v[0]);
        assertEquals(10, v[1]);
    }

    // ---------------------------------------------------------------- testing/synctest

    /** testing/synctest's TestTime (the package doc's example). */
    @Test
    void exampleTime() {
        Synctest.test(() -> {
            Instant start = Time.now();
            AtomicReference<Duration> inner = new AtomicReference<>();
            Go.go(() -> {
                Time.sleep(Duration.ofNanos(1));
                inner.set(Time.since(start)); // always 1ns
            });
            Time.sleep(Duration.ofNanos(2)); // the goroutine above runs before this sleep returns
            assertEquals(Duration.ofNanos(1), inner.get());
            assertEquals(Duration.ofNanos(2), Time.since(start));
        });
    }

    /** testing/synctest's TestWait. */
    @Test
    void exampleWait() {
        Synctest.test(() -> {
            AtomicBoolean done = new AtomicBoolean();
            Go.go(() -> done.set(true));
            Synctest.await(); // blocks until the goroutine above has finished
            assertTrue(done.get());
        });
    }

    /** testing/synctest's Example_contextAfterFunc. */
    @Test
    void exampleContextAfterFunc() {
        Synctest.test(() -> {
            CancelContext ctx = Context.withCancel(Context.background());
            AtomicBoolean afterFuncCalled = new AtomicBoolean();
            Context.afterFunc(ctx, () -> afterFuncCalled.set(true));
            Synctest.await();
            assertFalse(afterFuncCalled.get(), "before context is canceled: afterFunc called");
            ctx.cancel();
            Synctest.await();
            assertTrue(afterFuncCalled.get(), "after context is canceled: afterFunc not called");
        });
    }

    /** testing/synctest's Example_contextWithTimeout. */
    @Test
    void exampleContextWithTimeout() {
        Synctest.test(() -> {
            Duration timeout = s(5);
            CancelContext ctx = Context.withTimeout(Context.background(), timeout);
            try {
                Time.sleep(timeout.minusNanos(1)); // just less than the timeout
                Synctest.await();
                assertNull(ctx.err(), "before timeout");
                Time.sleep(Duration.ofNanos(1)); // the rest of the way
                Synctest.await();
                assertEquals(Context.DEADLINE_EXCEEDED, ctx.err(), "after timeout");
            } finally {
                ctx.cancel();
            }
        });
    }

    /** testing/synctest's Sleep: time.Sleep then Wait. */
    @Test
    void sleepThenWait() {
        Synctest.test(() -> {
            AtomicInteger n = new AtomicInteger();
            Go.go(() -> {
                Time.sleep(s(1));
                n.incrementAndGet();
            });
            Synctest.sleep(s(1));
            assertEquals(1, n.get(), "the goroutine woken at the same instant has run");
        });
    }

    @Test
    void awaitOutsideBubblePanics() {
        wantPanic("goroutine is not in a bubble", Synctest::await);
        AtomicReference<Throwable> got = new AtomicReference<>();
        Go.run(() -> {
            try {
                Synctest.await();
            } catch (Panic p) {
                got.set(p);
            }
        });
        assertEquals("goroutine is not in a bubble", got.get().getMessage());
    }

    @Test
    void nestedBubbleRefused() {
        Synctest.test(() -> wantPanic("synctest.Run called from within a synctest bubble", () -> Synctest.test(() -> { })));
    }

    /** Two goroutines in await at once: whichever comes second panics; the first returns. */
    @Test
    void concurrentAwaitPanics() {
        Synctest.test(() -> {
            AtomicInteger panics = new AtomicInteger();
            Chan<Void> done = Chan.make();
            Go.go(() -> {
                try {
                    Synctest.await();
                } catch (Panic p) {
                    assertEquals("wait already in progress", p.getMessage());
                    panics.incrementAndGet();
                }
                done.close();
            });
            Go.gosched();
            try {
                Synctest.await();
            } catch (Panic p) {
                assertEquals("wait already in progress", p.getMessage());
                panics.incrementAndGet();
            }
            done.recv();
            assertEquals(1, panics.get());
        });
    }

    @Test
    void panicInGoroutineFailsTheBubble() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Synctest.test(() -> {
            Go.go(() -> {
                throw new IllegalStateException("boom");
            });
            new Select().run(); // blocks for ever: the goroutine's panic ends the bubble
        }));
        assertEquals("boom", e.getMessage());
        assertTrue(Synctest.scheduleOf(e).isPresent(), "schedule attached");
    }

    /** Go.run inside a bubble is refused: its wait for main would stop the bubble's clock. */
    @Test
    void goRunInsideABubbleIsRefused() {
        Synctest.test(() -> {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> Go.run(() -> { }));
            assertTrue(e.getMessage().contains("synctest bubble"), e.getMessage());
        });
    }
}
