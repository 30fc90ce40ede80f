package dev.gort.runtime;

import dev.gort.Go;
import dev.gort.chan.Chan;
import dev.gort.chan.ChanInterruptedException;
import dev.gort.chan.Select;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.*;

/** White-box tests: wait reasons, interrupts, the Blocker flag, queue invariants. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HChanTest {

    /** Starts body in a goroutine, waits until it parks with the given reason, then runs unblock. */
    private static void assertParksWith(WaitReason reason, Consumer<AtomicReference<G>> body, Runnable unblock) throws Exception {
        AtomicReference<G> gref = new AtomicReference<>();
        CountDownLatch done = new CountDownLatch(1);
        Go.go(() -> {
            gref.set(Proc.currentG());
            try {
                body.accept(gref);
            } catch (ChanInterruptedException expected) {
                // the way out of blocking forever
            }
            done.countDown();
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (gref.get() == null || gref.get().waitReason() != reason) {
            assertTrue(System.nanoTime() < deadline, "never parked with " + reason);
            Thread.sleep(1);
        }
        assertEquals(reason.goName, gref.get().waitReason().toString());
        unblock.run();
        if (unblock == NONE) {
            gref.get().thread.interrupt();
        }
        assertTrue(done.await(20, TimeUnit.SECONDS));
    }

    private static final Runnable NONE = () -> {};

    @Test
    void waitReasons() throws Exception {
        Chan<Integer> c = Chan.make();
        assertParksWith(WaitReason.CHAN_SEND, g -> c.send(1), () -> assertEquals(1, c.recv()));
        assertParksWith(WaitReason.CHAN_RECEIVE, g -> c.recv(), () -> c.send(2));
        assertParksWith(WaitReason.SELECT, g -> new Select().recv(c, v -> {}).send(Chan.make(), 1, () -> {}).run(), () -> c.send(3));
        assertParksWith(WaitReason.SELECT_NO_CASES, g -> new Select().run(), NONE);
        assertParksWith(WaitReason.SELECT, g -> new Select().recv(null, v -> {}).send(null, 1, () -> {}).run(), NONE); // all nil: Go says "select"
        // One case: Go's compiler makes it the plain operation, with that operation's wait reason.
        assertParksWith(WaitReason.CHAN_RECEIVE_NIL_CHAN, g -> new Select().recv(null, v -> {}).run(), NONE);
        assertParksWith(WaitReason.CHAN_RECEIVE, g -> new Select().recv(c, v -> {}).run(), () -> c.send(4));
        assertParksWith(WaitReason.CHAN_SEND_NIL_CHAN, g -> Chan.send(null, 1), NONE);
        assertParksWith(WaitReason.CHAN_RECEIVE_NIL_CHAN, g -> Chan.recv(null), NONE);
    }

    @Test
    void blockerFlagSeesPlatformThreads() throws Exception {
        AtomicReference<HChan> inGoroutine = new AtomicReference<>();
        Go.run(() -> {
            HChan h = new HChan(1);
            h.chansend(1, true);
            h.chanrecv(true);
            inGoroutine.set(h);
        });
        assertFalse(inGoroutine.get().touchedByPlatformThread(), "only goroutines used it");
        inGoroutine.get().chansend(2, false);
        assertTrue(inGoroutine.get().touchedByPlatformThread(), "a platform thread sent on it");
        assertTrue(new HChan(0).touchedByPlatformThread(), "created by a platform thread");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 10, 100})
    void interruptedPlatformReceiverWithdrawsAndLosesNothing(int cap) throws Exception {
        Chan<Integer> c = Chan.make(cap);
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicReference<Boolean> stillInterrupted = new AtomicReference<>();
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                c.recv();
            } catch (Throwable e) {
                thrown.set(e);
                stillInterrupted.set(Thread.currentThread().isInterrupted());
            }
        });
        while (t.getState() != Thread.State.WAITING) {
            Thread.sleep(1);
        }
        t.interrupt();
        t.join(20_000);
        assertInstanceOf(ChanInterruptedException.class, thrown.get());
        assertEquals("chan receive: interrupted", thrown.get().getMessage());
        assertTrue(stillInterrupted.get(), "interrupt status stays set");
        // The withdrawn receiver is gone: the next value goes to the next receiver.
        Thread.ofPlatform().start(() -> c.send(7));
        assertEquals(7, c.recv());
        assertEquals(0, c.len());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 10, 100})
    void interruptedSenderDoesNotDeliver(int cap) throws Exception {
        Chan<Integer> c = Chan.make(cap);
        for (int i = 0; i < cap; i++) {
            c.send(i);
        }
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        CountDownLatch done = new CountDownLatch(1);
        AtomicReference<G> g = new AtomicReference<>();
        Go.go(() -> {
            g.set(Proc.currentG());
            try {
                c.send(-1);
            } catch (Throwable e) {
                thrown.set(e);
            }
            done.countDown();
        });
        while (g.get() == null || g.get().waitReason() != WaitReason.CHAN_SEND) {
            Thread.sleep(1);
        }
        g.get().thread.interrupt();
        assertTrue(done.await(20, TimeUnit.SECONDS));
        assertEquals("chan send: interrupted", thrown.get().getMessage());
        for (int i = 0; i < cap; i++) {
            assertEquals(i, c.recv());
        }
        assertNull(c.tryRecv(), "the interrupted send's value was not delivered");
    }

    @Test
    void interruptedSelectWithdrawsFromEveryChannel() throws Exception {
        Chan<Integer> a = Chan.make(), b = Chan.make();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                new Select().recv(a, v -> fail("a")).send(b, 1, () -> fail("b")).run();
            } catch (Throwable e) {
                thrown.set(e);
            }
        });
        while (t.getState() != Thread.State.WAITING) {
            Thread.sleep(1);
        }
        t.interrupt();
        t.join(20_000);
        assertEquals("select: interrupted", thrown.get().getMessage());
        assertFalse(a.trySend(1), "no receiver is left on a");
        assertNull(b.tryRecv(), "no sender is left on b");
    }

    /**
     * Many senders and receivers, plain and select, on platform threads and goroutines, interrupted
     * at random: every value whose send returned is received exactly once, and no value whose send
     * threw is received.
     */
    @ParameterizedTest
    @ValueSource(ints = {0, 1, 10})
    void randomInterruptsLoseAndDuplicateNothing(int cap) throws Exception {
        int perSender = 300 * Integer.getInteger("gort.stress", 1), senders = 4, receivers = 4;
        Chan<Integer> c = Chan.make(cap);
        Chan<Integer> c2 = Chan.make(cap);
        ConcurrentHashMap<Integer, Boolean> sent = new ConcurrentHashMap<>();
        ConcurrentHashMap<Integer, Integer> received = new ConcurrentHashMap<>();
        AtomicInteger dup = new AtomicInteger();
        Thread[] ts = new Thread[senders + receivers];
        CountDownLatch sendersDone = new CountDownLatch(senders);
        for (int s = 0; s < senders; s++) {
            int base = s * perSender;
            boolean useSelect = s % 2 == 0;
            Runnable r = () -> {
                for (int i = 0; i < perSender; i++) {
                    int v = base + i;
                    try {
                        if (useSelect) {
                            new Select().send(c, v, () -> {}).send(c2, v, () -> {}).run();
                        } else {
                            c.send(v);
                        }
                        sent.put(v, true);
                    } catch (ChanInterruptedException e) {
                        Thread.interrupted(); // clear and go on
                    }
                }
                sendersDone.countDown();
            };
            ts[s] = s < 2 ? Thread.ofPlatform().start(r) : Proc.newproc(r, null).thread;
        }
        for (int q = 0; q < receivers; q++) {
            boolean useSelect = q % 2 == 0;
            Runnable r = () -> {
                for (;;) {
                    try {
                        AtomicReference<Integer> got = new AtomicReference<>();
                        AtomicInteger closedSeen = new AtomicInteger();
                        if (useSelect) {
                            new Select()
                                    .recvOk(c, x -> { if (x.ok()) got.set(x.value()); else closedSeen.incrementAndGet(); })
                                    .recvOk(c2, x -> { if (x.ok()) got.set(x.value()); else closedSeen.incrementAndGet(); })
                                    .run();
                        } else {
                            var x = c2.tryRecv();
                            if (x != null && x.ok()) {
                                got.set(x.value());
                            } else {
                                var y = c.recvOk();
                                if (y.ok()) got.set(y.value()); else closedSeen.incrementAndGet();
                            }
                        }
                        if (got.get() != null && received.merge(got.get(), 1, Integer::sum) > 1) {
                            dup.incrementAndGet();
                        }
                        if (closedSeen.get() > 0 && c.len() == 0 && c2.len() == 0 && c2.tryRecv() instanceof dev.gort.chan.Recv<Integer> z && !z.ok()) {
                            return;
                        }
                    } catch (ChanInterruptedException e) {
                        Thread.interrupted();
                    }
                }
            };
            ts[senders + q] = q < 2 ? Thread.ofPlatform().start(r) : Proc.newproc(r, null).thread;
        }
        interruptAtRandomUntil(sendersDone, ts, 200_000);
        c.close();
        c2.close();
        for (Thread t : ts) {
            t.join(20_000);
            assertFalse(t.isAlive());
        }
        assertEquals(0, dup.get(), "duplicated values");
        assertEquals(sent.keySet(), received.keySet(), "sent and received differ");
    }

    /**
     * As randomInterruptsLoseAndDuplicateNothing, with each actor running one Select for its whole
     * life, so a select's sudogs are reused run after run, after interrupted runs too (withdrawn,
     * or completed because a waker had claimed the select first); with a channel in two cases of
     * one select (two sends on a, a receive from each channel twice), and selects with a send and a
     * receive on the same unbuffered channel, which pair with one another. Every value whose send
     * returned is received exactly once, and no other. (A withdrawal that left a sudog queued
     * loses or duplicates values here, or hangs: checked with the interrupt path's dequeueAll
     * removed.)
     */
    @Test
    void reusedSelectsWithDuplicateCasesLoseAndDuplicateNothingUnderInterrupts() throws Exception {
        int perSender = 3000 * Integer.getInteger("gort.stress", 1), senders = 4, receivers = 4, mixers = 2;
        Chan<Long> a = Chan.make(), b = Chan.make(1);
        Chan<Void> quit = Chan.make();
        ConcurrentHashMap<Long, Boolean> sent = new ConcurrentHashMap<>();
        ConcurrentHashMap<Long, Integer> received = new ConcurrentHashMap<>();
        AtomicInteger dup = new AtomicInteger();
        java.util.concurrent.atomic.AtomicLong ids = new java.util.concurrent.atomic.AtomicLong();
        Thread[] ts = new Thread[senders + receivers + mixers];
        CountDownLatch sendersDone = new CountDownLatch(senders), mixersDone = new CountDownLatch(mixers);
        Consumer<Long> got = v -> {
            if (received.merge(v, 1, Integer::sum) > 1) {
                dup.incrementAndGet();
            }
        };
        for (int s = 0; s < senders; s++) {
            Runnable r = () -> {
                long[] cur = new long[1];
                Select sel = new Select()
                        .sendFrom(a, () -> cur[0], () -> sent.put(cur[0], true))
                        .sendFrom(b, () -> cur[0], () -> sent.put(cur[0], true))
                        .sendFrom(a, () -> cur[0], () -> sent.put(cur[0], true));
                for (int i = 0; i < perSender; i++) {
                    cur[0] = ids.incrementAndGet();
                    try {
                        sel.run();
                    } catch (ChanInterruptedException e) {
                        Thread.interrupted(); // clear and go on with the next value
                    }
                }
                sendersDone.countDown();
            };
            ts[s] = s < 1 ? Thread.ofPlatform().start(r) : Proc.newproc(r, null).thread;
        }
        for (int m = 0; m < mixers; m++) {
            Runnable r = () -> {
                long[] cur = new long[1];
                boolean[] stop = new boolean[1];
                Select sel = new Select()
                        .sendFrom(a, () -> cur[0], () -> sent.put(cur[0], true))
                        .recvOk(a, x -> got.accept(x.value()))
                        .recvOk(quit, x -> stop[0] = true);
                while (!stop[0]) {
                    cur[0] = ids.incrementAndGet();
                    try {
                        sel.run();
                    } catch (ChanInterruptedException e) {
                        Thread.interrupted();
                    }
                }
                mixersDone.countDown();
            };
            ts[senders + receivers + m] = Proc.newproc(r, null).thread;
        }
        for (int q = 0; q < receivers; q++) {
            Runnable r = () -> {
                int[] closed = new int[1];
                Select sel = new Select();
                for (Chan<Long> ch : java.util.List.of(a, b, a, b)) {
                    sel.recvOk(ch, x -> {
                        if (x.ok()) {
                            got.accept(x.value());
                        } else {
                            closed[0]++;
                        }
                    });
                }
                for (;;) {
                    try {
                        sel.run();
                        if (closed[0] > 0 && a.tryRecv() instanceof dev.gort.chan.Recv<Long> x && !x.ok()
                                && b.tryRecv() instanceof dev.gort.chan.Recv<Long> y && !y.ok()) {
                            return;
                        }
                    } catch (ChanInterruptedException e) {
                        Thread.interrupted();
                    }
                }
            };
            ts[senders + q] = q < 1 ? Thread.ofPlatform().start(r) : Proc.newproc(r, null).thread;
        }
        interruptAtRandomUntil(sendersDone, ts, 100_000);
        quit.close(); // the mixers stop before a and b close: their send case would panic
        assertTrue(mixersDone.await(20, TimeUnit.SECONDS), "mixers stopped");
        a.close();
        b.close();
        for (Thread t : ts) {
            t.join(20_000);
            assertFalse(t.isAlive(), t + " still alive");
        }
        assertEquals(0, dup.get(), "duplicated values");
        assertEquals(sent.keySet(), received.keySet(), "sent and received differ");
    }

    /**
     * Go's send readies the receiver into the sender's runnext: on one P, the woken receiver runs
     * before goroutines already waiting in the local run queue.
     *
     * Unless sysmon ends the time slice in between, as Go's would: the runnext chain then goes to
     * the global queue, and x1..x3 rightly run first. On a loaded machine that happens when the
     * OS deschedules the M for the 10 ms of a slice (one clean-clone CI run saw [x1, x2, x3,
     * receiver]; a 15 ms spin before the send reproduces it). Such an attempt tests nothing, so it
     * does not count and the scenario runs again. The verdict comes from an attempt during which
     * sysmon neither ended a slice nor retook a P, and one is required.
     */
    @Test
    void handOffReadiesTheReceiverIntoRunnext() {
        int before = Go.gomaxprocs(1);
        try {
            for (int attempt = 1; ; attempt++) {
                long preempts = Sysmon.preempts, retakes = Sysmon.retakes;
                java.util.List<String> order = handOffOrder();
                if (Sysmon.preempts == preempts && Sysmon.retakes == retakes) {
                    assertEquals("receiver", order.get(0), "run order " + order);
                    return;
                }
                assertTrue(attempt < 20, "sysmon ended the time slice or retook the P in each of 20 attempts");
            }
        } finally {
            Go.gomaxprocs(before);
        }
    }

    /** The order in which a readied receiver and three queued goroutines x1..x3 first run. */
    private static java.util.List<String> handOffOrder() {
        java.util.List<String> order = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        Go.run(() -> {
            Chan<Integer> c = Chan.make();
            Chan<Boolean> started = Chan.make();
            Chan<Boolean> done = Chan.make(4);
            Go.go(() -> {
                started.send(true);
                c.recv();
                order.add("receiver");
                done.send(true);
            });
            started.recv(); // the receiver now parks in c.recv
            for (int i = 1; i <= 3; i++) {
                String name = "x" + i;
                Go.go(() -> {
                    order.add(name);
                    done.send(true);
                });
            }
            c.send(1); // hands over; the receiver takes runnext, ahead of x1..x3
            for (int i = 0; i < 4; i++) {
                done.recv();
            }
        });
        return order;
    }

    /** Blocked receivers, and blocked senders, are served first come, first served. */
    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 10, 100})
    void waitersAreServedFifo(int cap) throws Exception {
        int n = 5;
        Chan<Integer> c = Chan.make(cap);
        // Receivers: r0..r4 park in order; sends 0..4 must reach r0..r4 respectively.
        Integer[] got = new Integer[n];
        CountDownLatch done = new CountDownLatch(n);
        for (int i = 0; i < n; i++) {
            int me = i;
            AtomicReference<G> g = new AtomicReference<>();
            Go.go(() -> {
                g.set(Proc.currentG());
                got[me] = c.recv();
                done.countDown();
            });
            awaitParked(g, WaitReason.CHAN_RECEIVE);
        }
        for (int i = 0; i < n; i++) {
            c.send(i);
        }
        assertTrue(done.await(20, TimeUnit.SECONDS));
        assertArrayEquals(new Integer[] {0, 1, 2, 3, 4}, got);

        // Senders: fill the buffer, then s0..s4 park in order; receives see the buffer, then s0..s4.
        for (int i = 0; i < cap; i++) {
            c.send(-1);
        }
        CountDownLatch sent = new CountDownLatch(n);
        for (int i = 0; i < n; i++) {
            int me = i;
            AtomicReference<G> g = new AtomicReference<>();
            Go.go(() -> {
                g.set(Proc.currentG());
                c.send(100 + me);
                sent.countDown();
            });
            awaitParked(g, WaitReason.CHAN_SEND);
        }
        for (int i = 0; i < cap; i++) {
            assertEquals(-1, c.recv());
        }
        for (int i = 0; i < n; i++) {
            assertEquals(100 + i, c.recv());
        }
        assertTrue(sent.await(20, TimeUnit.SECONDS));
    }

    private static void awaitParked(AtomicReference<G> g, WaitReason reason) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (g.get() == null || g.get().waitReason() != reason) {
            assertTrue(System.nanoTime() < deadline, "never parked with " + reason);
            Thread.sleep(1);
        }
    }

    @Test
    void atLeastOneQueueIsEmptyInvariant() throws Exception {
        // Blocked receivers on one channel: recvq non-empty, sendq empty; then a send drains one.
        HChan h = new HChan(0);
        CountDownLatch done = new CountDownLatch(3);
        for (int i = 0; i < 3; i++) {
            Go.go(() -> {
                h.chanrecv(true);
                done.countDown();
            });
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (countQueued(h.recvq, h) < 3) {
            assertTrue(System.nanoTime() < deadline);
            Thread.sleep(1);
        }
        h.lock.lock();
        try {
            assertTrue(h.sendq.isEmpty());
        } finally {
            h.lock.unlock();
        }
        for (int i = 0; i < 3; i++) {
            h.chansend(i, true);
        }
        assertTrue(done.await(20, TimeUnit.SECONDS));
        h.lock.lock();
        try {
            assertTrue(h.sendq.isEmpty() && h.recvq.isEmpty());
        } finally {
            h.lock.unlock();
        }
    }

    private static int countQueued(WaitQ q, HChan h) {
        h.lock.lock();
        try {
            int n = 0;
            var copy = new java.util.ArrayList<Sudog>();
            Sudog s;
            while ((s = q.dequeue()) != null) {
                copy.add(s);
                n++;
            }
            for (Sudog x : copy) {
                q.enqueue(x);
            }
            return n;
        } finally {
            h.lock.unlock();
        }
    }

    /** Interrupts one of ts, picked at random, every pauseNanos until done reaches zero. */
    private static void interruptAtRandomUntil(CountDownLatch done, Thread[] ts, int pauseNanos)
            throws InterruptedException {
        var rnd = java.util.concurrent.ThreadLocalRandom.current();
        while (done.getCount() > 0) {
            ts[rnd.nextInt(ts.length)].interrupt();
            Thread.sleep(0, pauseNanos);
        }
    }
}
