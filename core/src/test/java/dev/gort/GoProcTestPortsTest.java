package dev.gort;

import dev.gort.chan.Chan;
import dev.gort.chan.Select;
import dev.gort.sync.WaitGroup;
import dev.gort.testing.Sched;
import dev.gort.time.Time;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Ports of tests in Go's src/runtime/proc_test.go not covered by GoTest, SysmonTest or
 * SchedulerHoldsTest. Where Go's test sets GOMAXPROCS it is set here too (Sched restores it);
 * otherwise the test runs at the GOMAXPROCS it is given. A hang fails by the class timeout.
 * Go's TestPingPongHog is not here yet (its port failed 1 run in 20; see docs/reliability.md,
 * fifth session); SysmonTest.pingPongHogFairness covers its scheduling rule.
 */
@ExtendWith(Sched.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GoProcTestPortsTest {

    /**
     * Go's TestGoroutineParallelism2 (the load and no-load variants, without netpoll): P=4
     * goroutines, started two by two from P/2 goroutines, take turns through one counter while
     * spinning without a safe point, so they finish only if all four run at once. The load variant
     * first occupies every P with spinners that end together, so the Ms are just parking when the
     * real round starts.
     */
    @Test
    void goroutineParallelism2() {
        for (boolean load : new boolean[] {false, true}) {
            goroutineParallelism2(load);
        }
    }

    private void goroutineParallelism2(boolean load) {
        int p = 4, n = 10;
        Go.gomaxprocs(p);
        Go.run(() -> {
            for (int attempt = 0; attempt < n; attempt++) {
                if (load) {
                    Chan<Boolean> done = Chan.make();
                    AtomicInteger x = new AtomicInteger();
                    for (int k = 0; k < p; k++) {
                        Go.go(() -> {
                            if (x.incrementAndGet() == p) {
                                done.send(true);
                                return;
                            }
                            while (x.get() != p) {
                                Thread.onSpinWait();
                            }
                        });
                    }
                    done.recv();
                }
                Chan<Boolean> done = Chan.make();
                AtomicInteger x = new AtomicInteger();
                for (int k = 0; k < p / 2; k++) {
                    int pk = k;
                    Go.go(() -> {
                        for (int k2 = 0; k2 < 2; k2++) {
                            int pk2 = k2;
                            Go.go(() -> {
                                for (int i = 0; i < 3; i++) {
                                    int expected = p * i + pk * 2 + pk2;
                                    while (x.get() != expected) {
                                        Thread.onSpinWait(); // no safe point: needs its own P
                                    }
                                    x.set(expected + 1);
                                }
                                done.send(true);
                            });
                        }
                    });
                }
                for (int k = 0; k < p; k++) {
                    done.recv();
                }
                assertEquals(3 * p, x.get());
            }
        });
    }

    /**
     * Go's TestStopTheWorldDeadlock, with GOMAXPROCS changes in place of the GCs: one goroutine
     * resizes GOMAXPROCS back and forth 1000 times, another sets it to 3 1000 times, while a
     * perpetual chain of goroutines (each starts the next unless told to stop) keeps the run queues
     * busy. All must finish, and the chain must stop when told.
     */
    @Test
    void stopTheWorldDeadlock() {
        int procs = Go.gomaxprocs(0);
        Go.gomaxprocs(3);
        AtomicLong spawned = new AtomicLong();
        Go.run(() -> {
            Chan<Boolean> compl = Chan.make(2);
            Chan<Boolean> stop = Chan.make(1);
            Chan<Boolean> stopped = Chan.make(1);
            Go.go(() -> {
                for (int i = 0; i < 1000; i++) {
                    Go.gomaxprocs(i % 2 == 0 ? Math.max(1, procs) : 2);
                }
                compl.send(true);
            });
            Go.go(() -> {
                for (int i = 0; i < 1000; i++) {
                    Go.gomaxprocs(3);
                }
                compl.send(true);
            });
            Go.go(() -> perpetuumMobile(stop, stopped, spawned));
            compl.recv();
            compl.recv();
            stop.send(true);
            stopped.recv(); // the chain may have spawned nothing if both loops finished first
        });
    }

    private static void perpetuumMobile(Chan<Boolean> stop, Chan<Boolean> stopped, AtomicLong spawned) {
        new Select()
                .recv(stop, v -> stopped.send(true))
                .otherwise(() -> {
                    spawned.incrementAndGet();
                    Go.go(() -> perpetuumMobile(stop, stopped, spawned));
                })
                .run();
    }

    /**
     * Go's TestYieldLockedProgress: a goroutine locked to its thread loops on Gosched in a
     * non-blocking select; main must still get through to it.
     */
    @Test
    void yieldLockedProgress() {
        Go.run(() -> {
            for (int round = 0; round < 20; round++) {
                Chan<Boolean> c = Chan.make(), cack = Chan.make();
                Go.go(() -> {
                    Go.lockOSThread();
                    boolean[] got = {false};
                    while (!got[0]) {
                        new Select().recv(c, v -> got[0] = true).otherwise(Go::gosched).run();
                    }
                    cack.send(true);
                });
                Time.sleep(Duration.ofMillis(2));
                c.send(true);
                cack.recv();
            }
        });
    }

    /**
     * Go's TestYieldLocked: a locked goroutine alternates Gosched and short sleeps, and exits
     * still locked; then Go's TestBlockLocked: a locked goroutine blocks on N unbuffered sends.
     */
    @Test
    void yieldLockedAndBlockLocked() {
        Go.run(() -> {
            for (int round = 0; round < 10; round++) {
                Chan<Boolean> c = Chan.make();
                Go.go(() -> {
                    Go.lockOSThread();
                    for (int i = 0; i < 10; i++) {
                        Go.gosched();
                        Time.sleep(Duration.ofMillis(1));
                    }
                    c.send(true); // exits without unlocking, as Go's test does
                });
                c.recv();
                int n = 100;
                Chan<Integer> b = Chan.make();
                Go.go(() -> {
                    Go.lockOSThread();
                    for (int i = 0; i < n; i++) {
                        b.send(i);
                    }
                    Go.unlockOSThread();
                });
                for (int i = 0; i < n; i++) {
                    assertEquals(i, b.recv());
                }
            }
        });
    }

    /**
     * Go's TestNumGoroutine (its in-process part): the live goroutine count and a full stack dump
     * agree once exiting goroutines are gone. Here with a known set of parked goroutines, so the
     * dump is also checked for exactly those. (Go runs it in a process of its own; here earlier
     * tests' goroutines may still be on their way out, so no count is compared with one taken
     * before them: a goroutine that had sent its last value and not yet exited made base one too
     * high in a CI run.)
     */
    @Test
    void numGoroutineMatchesStackDump() {
        Go.run(() -> {
            Chan<Boolean> release = Chan.make();
            WaitGroup started = new WaitGroup();
            WaitGroup ended = new WaitGroup();
            int extra = 25;
            for (int i = 0; i < extra; i++) {
                started.add(1);
                ended.add(1);
                Go.go(() -> {
                    started.done();
                    release.recv();
                    ended.done();
                });
            }
            started.await();
            String dump = Go.stack(true);
            long ours = Arrays.stream(dump.split("\n\n"))
                    .filter(b -> b.startsWith("goroutine ") && b.contains("numGoroutineMatchesStackDump"))
                    .filter(b -> !b.contains("[running]"))
                    .count();
            assertEquals(extra, ours, dump);
            assertTrue(Go.numGoroutine() > extra);
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            for (;;) {
                Go.gosched();
                int n = Go.numGoroutine();
                int nstk = countGoroutineHeaders(Go.stack(true));
                if (n == nstk) {
                    break;
                }
                assertTrue(System.nanoTime() < until, "numGoroutine " + n + " != goroutines in dump " + nstk);
                Time.sleep(Duration.ofMillis(10));
            }
            release.close();
            ended.await();
        });
    }

    private static final Pattern HEADER = Pattern.compile("(?m)^goroutine \\d+ \\[");

    private static int countGoroutineHeaders(String dump) {
        Matcher m = HEADER.matcher(dump);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    /**
     * After Go's TestBigGOMAXPROCS: a run at GOMAXPROCS=256 (most Ps idle) where goroutines
     * ping-pong, fan out and sleep; nothing is lost, and shrinking back afterwards loses nothing.
     */
    @Test
    void bigGomaxprocs() {
        Go.gomaxprocs(256);
        AtomicInteger sum = new AtomicInteger();
        Go.run(() -> {
            WaitGroup wg = new WaitGroup();
            for (int g = 0; g < 64; g++) {
                int id = g;
                wg.go(() -> {
                    Chan<Integer> ping = Chan.make(), pong = Chan.make();
                    Go.go(() -> {
                        for (int v : ping) {
                            pong.send(v + 1);
                        }
                        pong.close();
                    });
                    for (int i = 0; i < 50; i++) {
                        ping.send(i);
                        assertEquals(i + 1, pong.recv());
                        if (i % 10 == id % 10) {
                            Time.sleep(Duration.ofNanos(1000));
                        }
                    }
                    ping.close();
                    assertEquals(null, pong.recv());
                    sum.incrementAndGet();
                });
            }
            Go.gomaxprocs(2);
            wg.await();
        });
        assertEquals(64, sum.get());
    }
}
