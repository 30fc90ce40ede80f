package dev.gort.chan;

import dev.gort.Go;
import dev.gort.sync.WaitGroup;
import dev.gort.testing.Sched;
import dev.gort.time.Time;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Ports of tests in Go's src/runtime/chan_test.go that the other channel tests do not cover. Each
 * runs at the GOMAXPROCS it is given (the repeat tool sweeps it), sized to finish in seconds at
 * GOMAXPROCS 1 on a loaded machine. Verdicts are on values, counts and which case ran; a hang
 * fails by the class timeout with HangDump's goroutine dump.
 */
@ExtendWith(Sched.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GoChanTestPortsTest {

    static void sleepMs(long ms) {
        Time.sleep(Duration.ofMillis(ms));
    }

    /**
     * Go's TestChan, for capacities 0..N-1: receive from an empty channel and send to a full one
     * block (checked after a short sleep, and with non-blocking selects); a closed channel yields
     * its buffered values then zero values; close wakes a blocked receiver; values arrive in FIFO
     * order through one sender, and 4 senders x 4 receivers deliver every value exactly 4 times;
     * len and cap.
     */
    @Test
    void testChan() {
        int n = 24;
        Go.run(() -> {
            for (int cap = 0; cap < n; cap++) {
                final int chanCap = cap;
                {
                    // receivers on an empty channel block
                    Chan<Integer> c = Chan.make(chanCap);
                    AtomicBoolean recv1 = new AtomicBoolean(), recv2 = new AtomicBoolean();
                    Go.go(() -> {
                        c.recv();
                        recv1.set(true);
                    });
                    Go.go(() -> {
                        c.recvOk();
                        recv2.set(true);
                    });
                    sleepMs(1);
                    assertFalse(recv1.get() || recv2.get(), "chan[" + chanCap + "]: receive from empty chan");
                    assertEquals(-1, new Select().recv(c, v -> fail("chan[" + chanCap + "]: receive from empty chan"))
                            .otherwise(() -> {}).run());
                    assertEquals(-1, new Select().recvOk(c, v -> fail("chan[" + chanCap + "]: receive from empty chan"))
                            .otherwise(() -> {}).run());
                    c.send(0);
                    c.send(0);
                }
                {
                    // a sender on a full channel blocks
                    Chan<Integer> c = Chan.make(chanCap);
                    for (int i = 0; i < chanCap; i++) {
                        c.send(i);
                    }
                    AtomicBoolean sent = new AtomicBoolean();
                    Go.go(() -> {
                        c.send(0);
                        sent.set(true);
                    });
                    sleepMs(1);
                    assertFalse(sent.get(), "chan[" + chanCap + "]: send to full chan");
                    assertEquals(-1, new Select().send(c, 0, () -> fail("chan[" + chanCap + "]: send to full chan"))
                            .otherwise(() -> {}).run());
                    c.recv();
                }
                {
                    // a closed channel yields what it holds, then zero values with ok false
                    Chan<Integer> c = Chan.make(chanCap);
                    for (int i = 0; i < chanCap; i++) {
                        c.send(i);
                    }
                    c.close();
                    for (int i = 0; i < chanCap; i++) {
                        assertEquals(i, c.recv(), "chan[" + chanCap + "]");
                    }
                    assertNull(c.recv(), "chan[" + chanCap + "]: zero value after close");
                    assertEquals(new Recv<Integer>(null, false), c.recvOk(), "chan[" + chanCap + "]");
                }
                {
                    // close wakes a blocked receiver with (zero, false)
                    Chan<Integer> c = Chan.make(chanCap);
                    Chan<Boolean> done = Chan.make();
                    Go.go(() -> {
                        Recv<Integer> r = c.recvOk();
                        done.send(r.value() == null && !r.ok());
                    });
                    sleepMs(1);
                    c.close();
                    assertTrue(done.recv(), "chan[" + chanCap + "]: received non zero from closed chan");
                }
                {
                    // FIFO through one sender, with recv and recvOk
                    Chan<Integer> c = Chan.make(chanCap);
                    Go.go(() -> {
                        for (int i = 0; i < 100; i++) {
                            c.send(i);
                        }
                    });
                    for (int i = 0; i < 100; i++) {
                        assertEquals(i, c.recv(), "chan[" + chanCap + "]");
                    }
                    Go.go(() -> {
                        for (int i = 0; i < 100; i++) {
                            c.send(i);
                        }
                    });
                    for (int i = 0; i < 100; i++) {
                        Recv<Integer> r = c.recvOk();
                        assertTrue(r.ok(), "chan[" + chanCap + "]: receive failed");
                        assertEquals(i, r.value(), "chan[" + chanCap + "]");
                    }
                    // P senders, P receivers: each value 0..L-1 arrives exactly P times
                    int p = 4, l = 1000;
                    for (int k = 0; k < p; k++) {
                        Go.go(() -> {
                            for (int i = 0; i < l; i++) {
                                c.send(i);
                            }
                        });
                    }
                    Chan<Map<Integer, Integer>> done = Chan.make();
                    for (int k = 0; k < p; k++) {
                        Go.go(() -> {
                            Map<Integer, Integer> recv = new HashMap<>();
                            for (int i = 0; i < l; i++) {
                                recv.merge(c.recv(), 1, Integer::sum);
                            }
                            done.send(recv);
                        });
                    }
                    Map<Integer, Integer> recv = new HashMap<>();
                    for (int k = 0; k < p; k++) {
                        done.recv().forEach((key, v) -> recv.merge(key, v, Integer::sum));
                    }
                    assertEquals(l, recv.size(), "chan[" + chanCap + "]: distinct values");
                    recv.forEach((key, v) -> assertEquals(p, v, "chan[" + chanCap + "]: count of " + key));
                }
                {
                    Chan<Integer> c = Chan.make(chanCap);
                    assertEquals(0, c.len());
                    assertEquals(chanCap, c.cap());
                    for (int i = 0; i < chanCap; i++) {
                        c.send(i);
                    }
                    assertEquals(chanCap, c.len());
                    assertEquals(chanCap, c.cap());
                }
            }
        });
    }

    /**
     * Go's TestNonblockRecvRace: a full 1-slot channel is closed while a new goroutine's
     * non-blocking select receives from it; the select must find it ready (a value or the close),
     * never take the default.
     */
    @Test
    void nonblockRecvRace() {
        int n = 5000;
        AtomicInteger defaults = new AtomicInteger();
        Go.run(() -> {
            WaitGroup wg = new WaitGroup();
            for (int i = 0; i < n; i++) {
                Chan<Integer> c = Chan.make(1);
                c.send(1);
                wg.go(() -> new Select().recv(c, v -> {}).otherwise(defaults::incrementAndGet).run());
                c.close();
                c.recv();
            }
            wg.await();
        });
        assertEquals(0, defaults.get(), "non-blocking receive took default on a ready channel");
    }

    /**
     * Go's TestNonblockSelectRace: from the moment the goroutine starts, c1 or c2 is ready (c2 is
     * made ready before c1 may be emptied), so its non-blocking select over both must receive;
     * select acts on the channels' state at one instant, not over a smeared window.
     */
    @Test
    void nonblockSelectRace() {
        nonblockSelectRace(false);
    }

    /** Go's TestNonblockSelectRace2: as nonblockSelectRace, with close(c2) making c2 ready. */
    @Test
    void nonblockSelectRace2() {
        nonblockSelectRace(true);
    }

    private void nonblockSelectRace(boolean closeC2) {
        int n = 20_000;
        Go.run(() -> {
            Chan<Boolean> done = Chan.make(1);
            for (int i = 0; i < n; i++) {
                Chan<Integer> c1 = Chan.make(1);
                Chan<Integer> c2 = Chan.make(closeC2 ? 0 : 1);
                c1.send(1);
                Go.go(() -> {
                    boolean[] got = {true};
                    new Select().recv(c1, v -> {}).recv(c2, v -> {}).otherwise(() -> got[0] = false).run();
                    done.send(got[0]);
                });
                if (closeC2) {
                    c2.close();
                } else {
                    c2.send(1);
                }
                new Select().recv(c1, v -> {}).otherwise(() -> {}).run();
                int iter = i;
                assertTrue(done.recv(), () -> "no chan is ready, iteration " + iter);
            }
        });
    }

    /**
     * Go's TestSelfSelect: two goroutines select over sending to and receiving from the same
     * channel; neither deadlocks, and on an unbuffered channel no goroutine receives its own value.
     */
    @Test
    void selfSelect() {
        AtomicInteger selfReceives = new AtomicInteger();
        Go.run(() -> {
            for (int chanCap : new int[] {0, 10}) {
                WaitGroup wg = new WaitGroup();
                wg.add(2);
                Chan<Integer> c = Chan.make(chanCap);
                for (int p = 0; p < 2; p++) {
                    int me = p;
                    Go.go(() -> {
                        try {
                            for (int i = 0; i < 1000; i++) {
                                java.util.function.Consumer<Integer> onRecv = v -> {
                                    if (chanCap == 0 && v == me) {
                                        selfReceives.incrementAndGet();
                                    }
                                };
                                if (me == 0 || i % 2 == 0) {
                                    new Select().send(c, me, () -> {}).recv(c, onRecv).run();
                                } else {
                                    new Select().recv(c, onRecv).send(c, me, () -> {}).run();
                                }
                            }
                        } finally {
                            wg.done();
                        }
                    });
                }
                wg.await();
            }
        });
        assertEquals(0, selfReceives.get(), "self receive");
    }

    /**
     * Go's TestSelectStress: per channel (two unbuffered, caps 2 and 3) one sender and one
     * receiver of N values, plus one goroutine that sends N on each through one select and one
     * that receives N from each through one select, dropping (nil-ing) a channel's case once its
     * N are done. Everything must finish: no lost wake-up between selects and plain operations.
     */
    @Test
    void selectStress() {
        int n = 10_000;
        Go.run(() -> {
            @SuppressWarnings("unchecked")
            Chan<Integer>[] c = new Chan[] {Chan.make(), Chan.make(), Chan.make(2), Chan.make(3)};
            WaitGroup wg = new WaitGroup();
            wg.add(10);
            for (int k = 0; k < 4; k++) {
                Chan<Integer> ck = c[k];
                Go.go(() -> {
                    for (int i = 0; i < n; i++) {
                        ck.send(0);
                    }
                    wg.done();
                });
                Go.go(() -> {
                    for (int i = 0; i < n; i++) {
                        ck.recv();
                    }
                    wg.done();
                });
            }
            Go.go(() -> {
                int[] cnt = new int[4];
                Chan<Integer>[] c1 = c.clone();
                for (int i = 0; i < 4 * n; i++) {
                    Select s = new Select();
                    for (int k : new int[] {3, 2, 0, 1}) { // Go's case order
                        int kk = k;
                        s.send(c1[k], 0, () -> {
                            if (++cnt[kk] == n) {
                                c1[kk] = null;
                            }
                        });
                    }
                    s.run();
                }
                assertEquals(java.util.List.of(n, n, n, n), java.util.Arrays.stream(cnt).boxed().toList());
                wg.done();
            });
            Go.go(() -> {
                int[] cnt = new int[4];
                Chan<Integer>[] c1 = c.clone();
                for (int i = 0; i < 4 * n; i++) {
                    Select s = new Select();
                    for (int k = 0; k < 4; k++) {
                        int kk = k;
                        s.recv(c1[k], v -> {
                            if (++cnt[kk] == n) {
                                c1[kk] = null;
                            }
                        });
                    }
                    s.run();
                }
                assertEquals(java.util.List.of(n, n, n, n), java.util.Arrays.stream(cnt).boxed().toList());
                wg.done();
            });
            wg.await();
        });
    }

    /**
     * Go's TestChanSendInterface: non-blocking select sends of an object to a full channel, one
     * case and two cases, take the default and leave the buffered value alone.
     */
    @Test
    void chanSendInterface() {
        Object m = new Object();
        Chan<Object> c = Chan.make(1);
        c.send(m);
        assertEquals(-1, new Select().send(c, m, () -> fail("full")).otherwise(() -> {}).run());
        assertEquals(-1, new Select().send(c, m, () -> fail("full")).send(c, new Object(), () -> fail("full"))
                .otherwise(() -> {}).run());
        assertEquals(1, c.len());
        assertTrue(c.recv() == m);
    }

    /**
     * Go's TestMultiConsumer: 23 workers range over a work channel (yielding on some values to
     * upset its FIFO-ness) and pass every value on; a feeder closes the work channel, waits for
     * the workers and closes the result channel. Count and sum of the results must be exact.
     */
    @Test
    void multiConsumer() {
        int nwork = 23, niter = 60_000;
        int[] pn = {2, 3, 7, 11, 13, 17, 19, 23, 27, 31};
        long[] got = new long[2];
        AtomicLong expect = new AtomicLong();
        Go.run(() -> {
            Chan<Integer> q = Chan.make(nwork * 3);
            Chan<Integer> r = Chan.make(nwork * 3);
            WaitGroup wg = new WaitGroup();
            for (int i = 0; i < nwork; i++) {
                int w = i;
                wg.add(1);
                Go.go(() -> {
                    for (int v : q) {
                        if (pn[w % pn.length] == v) {
                            Go.gosched();
                        }
                        r.send(v);
                    }
                    wg.done();
                });
            }
            Go.go(() -> {
                long e = 0;
                for (int i = 0; i < niter; i++) {
                    int v = pn[i % pn.length];
                    e += v;
                    q.send(v);
                }
                expect.set(e);
                q.close();
                wg.await();
                r.close();
            });
            for (int v : r) {
                got[0]++;
                got[1] += v;
            }
        });
        assertEquals(niter, got[0], "results");
        assertEquals(expect.get(), got[1], "sum");
    }

    /**
     * Go's TestSelectDuplicateChannel: goroutine A selects over c twice and d; B then also waits
     * on c. A is woken through d and must dequeue both of its entries from c, so the later send
     * on c wakes B, not A's stale entry. Repeated, since the sleeps only make that order likely.
     */
    @Test
    void selectDuplicateChannel() {
        Go.run(() -> {
            for (int round = 0; round < 20; round++) {
                Chan<Integer> c = Chan.make(), d = Chan.make(), e = Chan.make();
                Chan<Integer> bGot = Chan.make(1);
                Go.go(() -> { // A
                    new Select().recv(c, v -> fail("A woke on c")).recv(c, v -> fail("A woke on c"))
                            .recv(d, v -> {}).run();
                    e.send(9);
                });
                sleepMs(1); // A queues on c first
                Go.go(() -> bGot.send(c.recv())); // B
                sleepMs(1); // B queues on c behind A
                d.send(7); // wakes A, which must take itself off c's queue twice
                assertEquals(9, e.recv());
                c.send(8); // must wake B
                assertEquals(8, bGot.recv());
            }
        });
    }

    /**
     * After Go's TestNoShrinkStackWhileParking, without the GC: a sender that blocks fully on every
     * send (the receiver sleeps 10us before each receive) while main sleeps and other pairs run.
     * Every value arrives in order; the sleeping receiver's timer wake-ups race the sender's park.
     */
    @Test
    void sendParksWhileReceiverSleeps() {
        int n = 10;
        Go.run(() -> {
            for (int i = 0; i < n * 20; i++) {
                Chan<Integer> c = Chan.make();
                Chan<Boolean> done = Chan.make();
                Go.go(() -> {
                    for (int k = 0; k < n; k++) {
                        Time.sleep(Duration.ofNanos(10_000));
                        assertEquals(k, c.recv());
                    }
                    done.send(true);
                });
                Go.go(() -> {
                    for (int k = 0; k < n; k++) {
                        c.send(k);
                    }
                    done.send(true);
                });
                Time.sleep(Duration.ofNanos(50_000));
                assertNotNull(done.recv());
                assertNotNull(done.recv());
            }
        });
    }

    /** Go's stackGrowthRecursive: i frames of 128 longs each, briefly. */
    static long stackGrowthRecursive(int i) {
        long[] pad = new long[128];
        long sum = 0;
        for (long v : pad) {
            sum += v;
        }
        return i == 0 || sum != 0 ? sum : stackGrowthRecursive(i - 1) + pad[i % pad.length];
    }

    /**
     * Go's TestShrinkStackDuringBlockedSend: a sender sends 0..9 on an unbuffered channel, using a
     * deep stack briefly after each send; main receives each value, then sleeps 1ms (so the sender
     * is fully parked in its next send) and asks for a GC (which in Go shrinks the parked sender's
     * stack). Every value must arrive in order, and the sender must finish. Repeated 20 times.
     */
    @Test
    void shrinkStackDuringBlockedSend() {
        int n = 10;
        Go.run(() -> {
            for (int round = 0; round < 20; round++) {
                Chan<Integer> c = Chan.make();
                Chan<Void> done = Chan.make();
                Go.go(() -> {
                    for (int i = 0; i < n; i++) {
                        c.send(i);
                        stackGrowthRecursive(20);
                    }
                    done.send(null);
                });
                for (int i = 0; i < n; i++) {
                    assertEquals(i, c.recv(), "bad channel read");
                    sleepMs(1);
                    if (round % 5 == 0) {
                        System.gc();
                    }
                }
                assertTrue(done.recvOk().ok());
            }
        });
    }

    /**
     * Go's TestSelectStackAdjust: two goroutines, each with a deep stack briefly, then blocked in a
     * select over c (whose case would overwrite a local) and d; the second also has c and d each
     * twice (c2 = c, d2 = d; nil in the first). After a GC, close(d) must wake both through a d
     * case, never a c case, leaving the local as it was. Repeated 20 times.
     */
    @Test
    void selectStackAdjust() {
        Go.run(() -> {
            for (int round = 0; round < 20; round++) {
                Chan<int[]> c = Chan.make(), d = Chan.make();
                Chan<Boolean> ready1 = Chan.make(), ready2 = Chan.make();
                AtomicInteger wrongCase = new AtomicInteger();
                for (boolean dup : new boolean[] {false, true}) {
                    Chan<Boolean> ready = dup ? ready2 : ready1;
                    Go.go(() -> {
                        stackGrowthRecursive((10 << 10) / (128 * 8));
                        ready.send(true);
                        int[] val = {42};
                        int[][] cx = {val};
                        Chan<int[]> c2 = dup ? c : null, d2 = dup ? d : null;
                        new Select()
                                .recv(c, v -> { cx[0] = v; wrongCase.incrementAndGet(); })
                                .recv(c2, v -> wrongCase.incrementAndGet())
                                .recv(d, v -> {})
                                .recv(d2, v -> {})
                                .run();
                        assertTrue(cx[0] == val, "cx no longer points to val");
                        assertEquals(42, val[0], "val changed");
                        cx[0][0] = 43;
                        assertEquals(43, val[0], "changing *cx failed to change val");
                        ready.send(true);
                    });
                }
                ready1.recv();
                ready2.recv();
                sleepMs(10); // let the goroutines get into the select
                if (round % 5 == 0) {
                    System.gc();
                }
                d.close();
                assertTrue(ready1.recv());
                assertTrue(ready2.recv());
                assertEquals(0, wrongCase.get(), "a select woke through a c case");
            }
        });
    }

    /**
     * Go's TestChanSendBarrier: 100 goroutines (Go's count) each make 1000 requests (Go's
     * short-mode count); a request starts a fresh goroutine that sends a fresh response on a fresh
     * unbuffered channel, and the requester receives it, calls Gosched and checks that the response
     * carries the expected error, while 1 KiB of garbage per request (published, so the JIT cannot
     * drop it) keeps the collector busy. Go's test guards the GC write barrier of a value copied
     * straight between goroutines; here, that the value handed across is the one sent, fully
     * built, and that no request is lost among 100,000 short-lived senders.
     */
    @Test
    void chanSendBarrier() {
        chanSendBarrier(false);
    }

    /**
     * Go's TestChanSendSelectBarrier: as chanSendBarrier, with the sender's send as one case of a
     * select whose other case receives from a done channel that is never ready.
     */
    @Test
    void chanSendSelectBarrier() {
        chanSendBarrier(true);
    }

    record Response() {}

    record MyError() {}

    record Async(Response resp, Object err) {}

    /** Go's doRequest: one request through a fresh sender goroutine; Gosched after the receive. */
    private static Async doRequest(boolean useSelect) {
        Chan<Async> ch = Chan.make();
        Chan<Object> done = Chan.make();
        if (useSelect) {
            Go.go(() -> new Select().send(ch, new Async(null, new MyError()), () -> {}).recv(done, v -> {}).run());
        } else {
            Go.go(() -> ch.send(new Async(null, new MyError())));
        }
        Async r = ch.recv();
        Go.gosched();
        return r;
    }

    /** Where chanSendBarrier's garbage goes, as Go's makeByte result escapes to the heap. */
    static volatile byte[] garbage;

    private void chanSendBarrier(boolean useSelect) {
        int outer = 100, inner = 1000;
        AtomicInteger ok = new AtomicInteger(), bad = new AtomicInteger();
        Go.run(() -> {
            WaitGroup wg = new WaitGroup();
            for (int i = 0; i < outer; i++) {
                wg.add(1);
                Go.go(() -> {
                    try {
                        for (int j = 0; j < inner; j++) {
                            Async r = doRequest(useSelect);
                            if (r != null && r.resp() == null && r.err() instanceof MyError) {
                                ok.incrementAndGet();
                            } else {
                                bad.incrementAndGet();
                            }
                            garbage = new byte[1 << 10];
                        }
                    } finally {
                        wg.done();
                    }
                });
            }
            wg.await();
        });
        assertEquals(0, bad.get(), "requests that received a wrong value");
        assertEquals(outer * inner, ok.get(), "requests completed");
    }
}
