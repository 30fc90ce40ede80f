package dev.gort.runtime;

import dev.gort.Go;
import dev.gort.testing.Sched;
import dev.gort.time.Time;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.gort.testing.Sched.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Regressions for the ways the scheduler lost goroutines (Proc's "Inside the runtime", Sysmon's
 * deep sleep, destroyp's wake-up), and Go's TestGoroutineParallelism after GOMAXPROCS changes.
 * Each test finishes only if nothing is lost; a hang fails it by timeout with the dump.
 */
@ExtendWith(Sched.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SchedulerHoldsTest {
    private static final int STRESS = Integer.getInteger("gort.stress", 1);

    /**
     * A P was lost in a syscall hand-off: handoffp ran on the goroutine, and a contended sched.lock
     * made it yield with its P owned by nobody (schedtrace: P0 SCHED m=-1, every M idle). Many
     * goroutines hand their P off while others stay runnable; every one must finish.
     */
    @Test
    void syscallHandoffUnderLoadLosesNoP() throws Exception {
        for (int procs : new int[] {1, Go.gomaxprocs(0)}) {
            Go.gomaxprocs(procs);
            int n = 200;
            CountDownLatch done = new CountDownLatch(n);
            Go.run(() -> {
                for (int i = 0; i < n; i++) {
                    Go.go(() -> {
                        for (int k = 0; k < 50 * STRESS; k++) {
                            try {
                                Go.syscall(() -> {
                                    Thread.onSpinWait();
                                    return null;
                                }, true);
                            } catch (Exception e) {
                                throw new IllegalStateException(e);
                            }
                            Go.gosched();
                        }
                        done.countDown();
                    });
                }
                await(done);
            });
        }
    }

    /** Spins with no safe point until stop is set or 20 s pass; returns whether it was stopped. */
    private static boolean spinUntil(AtomicBoolean stop) {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!stop.get()) {
            if (System.nanoTime() > end) {
                return false;
            }
            Thread.onSpinWait();
        }
        return true;
    }

    /**
     * Sysmon slept for ever once every P had been idle: a timer runner took the idle P without
     * waking it, so a goroutine that then spun without a safe point was never retaken, and main's
     * sleep did not return until the spinner gave up. Main must stop the spinner.
     */
    @Test
    void sysmonWatchesAPThatATimerTookFromIdle() {
        mainStopsASpinnerThatStartsAfter(() -> Time.sleep(Duration.ofMillis(20)));
    }

    /** As above, with the P taken from idle by a goroutine returning from Go.syscall. */
    @Test
    void sysmonWatchesAPThatExitsyscallTookFromIdle() {
        mainStopsASpinnerThatStartsAfter(() -> {
            try {
                Go.syscall(() -> {
                    long end = System.nanoTime() + 20_000_000;
                    while (System.nanoTime() < end) {
                        Thread.onSpinWait(); // holds its M, as a system call does; the P went idle
                    }
                    return null;
                }, true);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /**
     * At GOMAXPROCS=1 a goroutine runs before (every P idle meanwhile: sysmon deep asleep), then
     * spins with no safe point; main, asleep for 100ms, must get the P back from sysmon and stop it.
     */
    private static void mainStopsASpinnerThatStartsAfter(Runnable before) {
        Go.gomaxprocs(1);
        for (int round = 0; round < 3 * STRESS; round++) {
            AtomicBoolean stop = new AtomicBoolean();
            AtomicBoolean stoppedByMain = new AtomicBoolean();
            CountDownLatch spun = new CountDownLatch(1);
            Go.run(() -> {
                Go.go(() -> {
                    before.run();
                    stoppedByMain.set(spinUntil(stop));
                    spun.countDown();
                });
                Time.sleep(Duration.ofMillis(100));
                stop.set(true);
                await(spun);
            });
            assertTrue(stoppedByMain.get(), "main's sleep returned only after the spinner gave up");
        }
    }

    /**
     * Once Go.gomaxprocs(1) has returned, no goroutine starts on a P past it, even when an M was
     * already looking for work with that P as the count shrank (procresize does not stop the world:
     * Proc's "GOMAXPROCS"). The two goroutines before each shrink wake a second M, which then spins
     * in findRunnable holding P1.
     */
    @Test
    void noGoroutineStartsOnAPPastAShrunkGomaxprocs() {
        for (int t = 0; t < 1000 * STRESS; t++) {
            Go.gomaxprocs(2);
            CountDownLatch warm = new CountDownLatch(2);
            for (int i = 0; i < 2; i++) {
                Go.go(warm::countDown);
            }
            await(warm);
            Go.gomaxprocs(1);
            AtomicInteger pid = new AtomicInteger(-1);
            CountDownLatch ran = new CountDownLatch(1);
            Go.go(() -> {
                pid.set(M.current().p.id);
                ran.countDown();
            });
            await(ran);
            assertEquals(0, pid.get(), "round " + t + ": a goroutine made after GOMAXPROCS(1) returned ran on P" + pid.get());
        }
    }

    /**
     * Go's TestGoroutineParallelism after GOMAXPROCS changes: P goroutines that spin without safe
     * points and take turns through one counter can only finish if all P of them run at once.
     * Before each round GOMAXPROCS is moved away and back while goroutines are queued, so Ps are
     * destroyed with work on them (destroyp must wake Ms for what it drains), and a P that an M
     * was about to destroy may be live again (destroyp must not kill it).
     */
    @Test
    void goroutineParallelismAfterGomaxprocsChanges() {
        int p = 4;
        int[][] moves = {{8, p}, {2, p}, {1, p}, {6, 3, p}};
        for (int[] move : moves) {
            for (int t = 0; t < 3 * STRESS; t++) {
                Go.run(() -> {
                    AtomicInteger busy = new AtomicInteger();
                    CountDownLatch queued = new CountDownLatch(64);
                    for (int i = 0; i < 64; i++) {
                        Go.go(() -> {
                            busy.incrementAndGet();
                            Go.gosched();
                            queued.countDown();
                        });
                    }
                    for (int procs : move) {
                        Go.gomaxprocs(procs);
                    }
                    await(queued);
                    AtomicInteger x = new AtomicInteger();
                    CountDownLatch done = new CountDownLatch(p);
                    for (int k = 0; k < p; k++) {
                        int me = k;
                        Go.go(() -> {
                            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                            for (int i = 0; i < 3; i++) {
                                int expected = p * i + me;
                                while (x.get() != expected) {
                                    assertTrue(System.nanoTime() < end, "timed out: the P goroutines never ran at once");
                                    Thread.onSpinWait();
                                }
                                x.set(expected + 1);
                            }
                            done.countDown();
                        });
                    }
                    await(done);
                    assertEquals(3 * p, x.get());
                });
            }
        }
    }

    /**
     * GOMAXPROCS shrunk and grown as fast as a platform thread can while goroutines yield, so
     * that Ms are often spinning when their P dies under them: no M dies, the spinning count comes
     * back to zero, and every goroutine finishes. A spinning M whose P died between schedule()'s
     * look and destroyp's stopped still counted as spinning: stopm's assertion killed it, and
     * without -ea wakep would never start another M (found by clean-clone CI).
     */
    @Test
    void spinningMsSurviveTheirPDying() throws Exception {
        int n = 2000;
        AtomicInteger mDeaths = new AtomicInteger();
        Thread.UncaughtExceptionHandler old = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> {
            if (t instanceof M) {
                mDeaths.incrementAndGet();
            }
            e.printStackTrace();
        });
        try {
            CountDownLatch done = new CountDownLatch(n);
            AtomicBoolean stop = new AtomicBoolean();
            Thread resizer = Thread.ofPlatform().start(() -> {
                for (int i = 0; !stop.get(); i++) {
                    Go.gomaxprocs(i % 2 == 0 ? 1 : 8);
                }
            });
            for (int i = 0; i < n; i++) {
                Go.go(() -> {
                    for (int k = 0; k < 500; k++) {
                        Thread.yield();
                    }
                    done.countDown();
                });
            }
            await(done);
            stop.set(true);
            resizer.join();
            Go.gomaxprocs(2);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (Proc.nmspinning.get() != 0 && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            assertEquals(0, mDeaths.get(), "Ms died");
            assertEquals(0, Proc.nmspinning.get(), "an M still counted as spinning");
        } finally {
            Thread.setDefaultUncaughtExceptionHandler(old);
        }
    }
}
