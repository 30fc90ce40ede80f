package dev.gort.time;

import dev.gort.Go;
import dev.gort.Panic;
import dev.gort.chan.Chan;
import dev.gort.chan.Recv;
import dev.gort.chan.RecvChan;
import dev.gort.chan.Select;
import dev.gort.sync.WaitGroup;
import dev.gort.synctest.Synctest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

@Timeout(30)
class TimeTest {
    static Duration ms(long n) {
        return Duration.ofMillis(n);
    }

    @Test
    void sleepInGoroutineAndPlatformThread() {
        long t0 = System.nanoTime();
        Time.sleep(ms(5)); // platform thread
        assertTrue(System.nanoTime() - t0 >= 5_000_000);
        Time.sleep(Duration.ZERO);
        Time.sleep(ms(-1));
        long[] took = {0};
        Go.run(() -> {
            long s = System.nanoTime();
            Time.sleep(ms(5));
            took[0] = System.nanoTime() - s;
        });
        assertTrue(took[0] >= 5_000_000);
    }

    @Test
    void afterDeliversTheTimeOnce() {
        Instant start = Instant.now();
        Go.run(() -> {
            RecvChan<Instant> c = Time.after(ms(10));
            Instant v = c.recv();
            assertFalse(v.isBefore(start.plusMillis(9)), "value " + v + " before deadline");
            assertNull(c.tryRecv(), "only one value");
        });
    }

    /** Select with a timeout case, the classic Go idiom. */
    @Test
    void selectWithTimeout() {
        Go.run(() -> {
            Chan<String> never = Chan.make();
            String[] got = {null};
            int chosen = new Select()
                    .recv(never, v -> got[0] = v)
                    .recv(Time.after(ms(5)), t -> got[0] = "timeout")
                    .run();
            assertEquals(1, chosen);
            assertEquals("timeout", got[0]);
        });
    }

    @Test
    void stopBeforeFiringPreventsTheValue() {
        Go.run(() -> {
            Timer t = Time.newTimer(ms(100));
            assertTrue(t.stop());
            assertFalse(t.stop(), "stopping twice: false");
            Time.sleep(ms(150));
            assertNull(t.c().tryRecv(), "a stopped timer sent a value");
        });
    }

    /** Go 1.23: a fired but unreceived value is discarded by stop, which then reports true. */
    @Test
    void stopAfterFiringDiscardsTheStaleValue() {
        Go.run(() -> {
            Timer t = Time.newTimer(ms(1));
            Time.sleep(ms(20)); // fired into the slot by now
            assertTrue(t.stop(), "stop of an expired, unreceived timer reports true (Go 1.23)");
            assertNull(t.c().tryRecv(), "stale value received after stop");
            assertFalse(t.stop());
        });
    }

    /** Reset on a running timer moves its deadline; no value for the old setting arrives. */
    @Test
    void resetRunningTimer() {
        Go.run(() -> {
            long t0 = System.nanoTime();
            Timer t = Time.newTimer(ms(10));
            assertTrue(t.reset(ms(60)), "reset of a running timer reports true");
            Instant v = t.c().recv();
            assertTrue(System.nanoTime() - t0 >= 60_000_000, "fired at the old deadline");
            assertNotNull(v);
            assertFalse(t.reset(ms(5)), "expired and received: reset reports false");
            t.c().recv(); // fires again after a reset
            assertNull(t.c().tryRecv());
        });
    }

    /** Reset after the timer fired but before the value was received: the old value is gone. */
    @Test
    void resetExpiredTimerDrains() {
        Go.run(() -> {
            Timer t = Time.newTimer(ms(1));
            Time.sleep(ms(20));
            long before = System.nanoTime();
            Instant resetAt = Instant.now();
            assertTrue(t.reset(ms(30)));
            Instant v = t.c().recv();
            assertTrue(System.nanoTime() - before >= 30_000_000, "received the stale value");
            assertFalse(v.isBefore(resetAt), "received the stale value's time");
        });
    }

    @Test
    void afterFuncRunsInItsOwnGoroutine() throws Exception {
        CountDownLatch ran = new CountDownLatch(1);
        AtomicLong goid = new AtomicLong();
        Timer t = Time.afterFunc(ms(5), () -> {
            goid.set(Go.goid());
            ran.countDown();
        });
        assertNull(t.c());
        assertTrue(ran.await(5, TimeUnit.SECONDS));
        assertTrue(goid.get() > 0, "f did not run in a goroutine");
        assertFalse(t.stop(), "f already started");

        AtomicInteger runs = new AtomicInteger();
        CountDownLatch rearmed = new CountDownLatch(1);
        long t0 = System.nanoTime();
        Timer t2 = Time.afterFunc(ms(100), () -> {
            runs.incrementAndGet();
            rearmed.countDown();
        });
        boolean stopped = t2.stop();
        if (System.nanoTime() - t0 < TimeUnit.MILLISECONDS.toNanos(100)) { // else a loaded machine let it fire first
            assertTrue(stopped, "stop before the deadline reports true");
        }
        if (stopped) {
            Time.sleep(ms(150));
            assertEquals(0, runs.get(), "a stopped afterFunc ran");
            assertFalse(t2.reset(ms(1)), "reset of a stopped afterFunc timer reports false");
            assertTrue(rearmed.await(10, TimeUnit.SECONDS), "reset re-arms afterFunc");
            assertEquals(1, runs.get());
        }
    }

    /** An afterFunc goroutine belongs to the caller's run but is not its main: the run goes on. */
    @Test
    void afterFuncDoesNotEndTheRun() {
        boolean[] mainFinished = {false};
        AtomicInteger ran = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(1);
        Go.run(() -> {
            Time.afterFunc(ms(1), () -> {
                ran.incrementAndGet();
                done.countDown();
            });
            try {
                assertTrue(done.await(10, TimeUnit.SECONDS), "f never ran");
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            mainFinished[0] = true;
        });
        assertTrue(mainFinished[0], "Go.run returned before main finished");
        assertEquals(1, ran.get());
    }

    /**
     * A slow receiver sees dropped ticks, never a backlog: after 100ms without receiving from a
     * 10ms ticker, at most one tick is buffered, and the next 100ms deliver about 10 ticks, not 20.
     */
    @Test
    void tickerDropsTicksForSlowReceivers() {
        Go.run(() -> {
            Ticker tk = Time.newTicker(ms(10));
            Time.sleep(ms(100)); // ~10 ticks happen; the slot keeps one (the count below: the rest were dropped)
            // Go 1.23 presents a timer's channel as unbuffered: len and cap 0 with a tick waiting
            assertEquals(0, tk.c().len(), "len of a ticker's channel");
            assertEquals(0, tk.c().cap(), "cap of a ticker's channel");
            long end = System.nanoTime() + 100_000_000;
            int got = 0;
            Instant last = null;
            while (System.nanoTime() < end) {
                Instant v = tk.c().recv();
                if (last != null) {
                    assertFalse(v.isBefore(last), "ticks out of order");
                }
                last = v;
                got++;
            }
            assertTrue(got <= 13, got + " ticks in 100ms: the missed ticks were queued, not dropped");
            tk.stop();
            Time.sleep(ms(30));
            assertNull(tk.c().tryRecv(), "tick after stop");
            tk.reset(ms(2));
            assertNotNull(tk.c().recv(), "reset restarts the ticker");
            tk.stop();
        });
    }

    /** Go 1.23's chanlen and chancap: a timer's channel reports 0 whether or not its value waits. */
    @Test
    void timerChannelsReportLenAndCapZero() {
        Go.run(() -> {
            Timer t = Time.newTimer(ms(1));
            assertEquals(0, t.c().len());
            assertEquals(0, t.c().cap());
            Time.sleep(ms(20)); // fired: the value waits in the channel
            assertEquals(0, t.c().len(), "len with the value waiting");
            assertEquals(0, t.c().cap());
            assertNotNull(t.c().tryRecv(), "the value is there all the same");
            assertNull(t.c().tryRecv(), "only one value");
        });
    }

    @Test
    void tickerMisuse() {
        Panic p = assertThrows(Panic.class, () -> Time.newTicker(Duration.ZERO));
        assertEquals("non-positive interval for NewTicker", p.getMessage());
        Ticker tk = Time.newTicker(ms(100));
        Panic p2 = assertThrows(Panic.class, () -> tk.reset(ms(-1)));
        assertEquals("non-positive interval for Ticker.Reset", p2.getMessage());
        tk.stop();
        assertNull(Time.tick(Duration.ZERO));
        // Time.tick's ticker is never stopped, and gort does not collect unreferenced timers (Go
        // 1.23 does). Made in a bubble, it ticks on the bubble's clock, which ends with the bubble;
        // made outside, it ticked every millisecond for the rest of the JVM, and its pending timer
        // failed the quiescence checks of the test classes that ran after this one (SysmonTest,
        // TimersTest).
        Synctest.test(() -> {
            RecvChan<Instant> c = Time.tick(ms(1));
            assertNotNull(c.recv());
        });
    }

    /** Many goroutines sleeping different times all wake, in order of their durations within 5ms. */
    @Test
    void manyGoroutinesSleep() {
        int n = 1000;
        long[] wake = new long[n];
        Go.run(() -> {
            WaitGroup wg = new WaitGroup();
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                int id = i;
                wg.go(() -> {
                    Time.sleep(ms(10 + id % 50));
                    wake[id] = System.nanoTime() - t0;
                });
            }
            wg.await();
        });
        for (int i = 0; i < n; i++) {
            assertTrue(wake[i] >= (10 + i % 50) * 1_000_000L, "woke early: " + i);
        }
    }

    @Test
    void recvOnTimerChannelParks() {
        Go.run(() -> {
            Timer t = Time.newTimer(ms(5));
            Recv<Instant> r = t.c().recvOk();
            assertTrue(r.ok());
        });
    }

    /**
     * Go's TestTimerFairness (proc_test.go): two goroutines keep a channel always ready; a timer
     * must still win the select eventually. And TestTimerFairness2: goroutines that only do
     * non-blocking channel operations must not keep a timer from firing.
     */
    @Test
    void timerFairness() {
        Go.run(() -> {
            Chan<Boolean> done = Chan.make(), c = Chan.make();
            for (int i = 0; i < 2; i++) {
                Go.go(() -> {
                    boolean[] stop = {false};
                    Select s = new Select().send(c, true, () -> {}).recv(done, v -> stop[0] = true);
                    while (!stop[0]) {
                        s.run();
                    }
                });
            }
            RecvChan<Instant> timer = Time.after(ms(20));
            boolean[] fired = {false};
            Select s = new Select().recv(c, v -> {}).recv(timer, v -> fired[0] = true);
            while (!fired[0]) {
                s.run();
            }
            done.close();
        });
    }

    @Test
    void timerFairness2() {
        Go.run(() -> {
            Chan<Boolean> done = Chan.make();
            Chan<Boolean> c = Chan.make(1);
            WaitGroup wg = new WaitGroup();
            for (int i = 0; i < 2; i++) {
                wg.go(() -> {
                    RecvChan<Instant> timer = Time.after(ms(20));
                    boolean[] fired = {false};
                    Select s = new Select().send(c, true, () -> {}).otherwise(() -> {});
                    Select r = new Select().recv(c, v -> {}).otherwise(() -> {});
                    Select t = new Select().recv(timer, v -> fired[0] = true).recv(done, v -> fired[0] = true).otherwise(() -> {});
                    while (!fired[0]) {
                        s.run();
                        r.run();
                        t.run();
                    }
                });
            }
            wg.await();
            done.close();
        });
    }

    /**
     * After Go's TestTimerStopStress and the ticker stop/reset races: goroutines stop and reset a
     * shared set of tickers and afterFunc timers while they fire. Nothing may throw, and for every
     * afterFunc timer, fires equal the stops that found it no longer pending (Go's Stop contract).
     */
    @Test
    void timerStopResetStress() {
        int workers = 8, ops = 20_000 * Integer.getInteger("gort.stress", 1);
        Ticker[] tickers = new Ticker[16];
        AtomicInteger[] fired = new AtomicInteger[16];
        Timer[] funcs = new Timer[16];
        AtomicInteger notPendingStops = new AtomicInteger(), prevented = new AtomicInteger();
        Go.run(() -> {
            for (int i = 0; i < tickers.length; i++) {
                tickers[i] = Time.newTicker(Duration.ofNanos(1_000 + i));
                AtomicInteger f = fired[i] = new AtomicInteger();
                funcs[i] = Time.afterFunc(Duration.ofNanos(500 + i), f::incrementAndGet);
            }
            WaitGroup wg = new WaitGroup();
            for (int w = 0; w < workers; w++) {
                wg.go(() -> {
                    java.util.Random r = new java.util.Random();
                    for (int k = 0; k < ops; k++) {
                        int i = r.nextInt(tickers.length);
                        switch (r.nextInt(100)) {
                            case 0 -> Go.gosched();
                            case 1, 2, 3 -> tickers[i].c().tryRecv();
                            default -> {
                                if (r.nextBoolean()) {
                                    tickers[i].stop();
                                } else {
                                    tickers[i].reset(Duration.ofNanos(500 + r.nextInt(5_000)));
                                }
                            }
                        }
                    }
                });
            }
            wg.await();
            for (Ticker t : tickers) {
                t.stop();
            }
            for (Timer t : funcs) {
                if (t.stop()) {
                    prevented.incrementAndGet();
                } else {
                    notPendingStops.incrementAndGet();
                }
            }
        });
        int fires = 0;
        for (AtomicInteger f : fired) {
            fires += f.get();
        }
        // afterFunc starts f in a goroutine: wait (bounded) for the started ones to run.
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (fires < notPendingStops.get() && System.nanoTime() < end) {
            Thread.onSpinWait();
            fires = 0;
            for (AtomicInteger f : fired) {
                fires += f.get();
            }
        }
        assertEquals(notPendingStops.get(), fires, "afterFunc fires vs stops that came too late");
        assertEquals(16, prevented.get() + notPendingStops.get());
    }

    /**
     * A ticker whose next tick is past the end of the clock ticks no more (Go's maxWhen), rather
     * than wrapping to a deadline in the past. Reachable on a synctest bubble's clock, which
     * starts in 2000 and jumps.
     */
    @Test
    void aTickerWhoseNextTickOverflowsTicksNoMore() {
        Instant[] first = {null};
        Recv<?>[] second = {null};
        Synctest.test(() -> {
            Ticker t = Time.newTicker(Duration.ofNanos(4_200_000_000_000_000_000L)); // about 133 years
            first[0] = t.c().recv(); // the bubble's clock jumps to the first tick
            second[0] = t.c().tryRecv(); // the next one would be past 2262
            t.stop();
        });
        assertEquals(Instant.parse("2000-01-01T00:00:00Z").plusNanos(4_200_000_000_000_000_000L), first[0]);
        assertNull(second[0]);
    }

    /**
     * Go 1.23: a receive from a timer channel after the deadline finds the value, blocking or not,
     * even while no M has run the timer's heap (here the goroutine holds its P in a spin, and
     * sysmon's grace for overdue timers is 1 ms).
     */
    @Test
    void aReceiveAfterTheDeadlineFindsTheValue() {
        Go.run(() -> {
            for (int i = 0; i < 200; i++) {
                Timer zero = Time.newTimer(Duration.ZERO);
                assertNotNull(zero.c().tryRecv(), "a zero timer's value is there at once");
                assertFalse(zero.stop(), "fired: nothing to stop");

                Timer soon = Time.newTimer(Duration.ofNanos(100_000));
                long end = System.nanoTime() + 400_000;
                while (System.nanoTime() < end) {
                    Thread.onSpinWait(); // holds the P: no scheduler round runs its heap
                }
                if (soon.c().tryRecv() == null) { // stop() true: still pending, or fired just after the look
                    fail("due 300 us ago, yet the receive found nothing; stop() = " + soon.stop());
                }

                boolean[] fired = {false};
                new Select().recv(Time.after(Duration.ZERO), v -> fired[0] = true).otherwise(() -> { }).run();
                assertTrue(fired[0], "a select with a default takes a due timer's case");

                Ticker tk = Time.newTicker(Duration.ofNanos(50_000));
                end = System.nanoTime() + 200_000;
                while (System.nanoTime() < end) {
                    Thread.onSpinWait();
                }
                assertNotNull(tk.c().tryRecv(), "a due tick is there");
                tk.stop();
            }
        });
    }
}
