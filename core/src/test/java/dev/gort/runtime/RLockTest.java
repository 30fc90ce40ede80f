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

import static dev.gort.testing.Sched.await;

/**
 * RLock and the rule of Proc's "Inside the runtime": a goroutine that holds a runtime lock stays on
 * its M, and locks are taken in LockRank's order (checked under -ea, which the tests run with).
 *
 * Also the regression for the lost wake-up the benchmarks found (docs/benchmarks.md, "Syncs.sleep"): at
 * GOMAXPROCS=1, with 32,768 idle timers on the P, 1,000 goroutines sleeping 1ns each. The P's M
 * blocked on a timer heap's lock behind a goroutine parked in that lock's queue, which needed that
 * very M to run. With RLock a goroutine never parks in such a queue; every round must finish.
 */
@ExtendWith(Sched.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RLockTest {
    @Test
    void aGoroutineHoldingARuntimeLockStaysOnItsM() {
        RLock l = new RLock(LockRank.HCHAN);
        Go.run(() -> {
            l.lock();
            try {
                Thread carrier = VThreads.currentCarrier();
                Thread.yield(); // would unmount an unpinned goroutine and requeue it globally
                java.util.concurrent.locks.LockSupport.parkNanos(1_000_000); // a park: blocks the M itself
                org.junit.jupiter.api.Assertions.assertSame(carrier, VThreads.currentCarrier());
            } finally {
                l.unlock();
            }
        });
    }

    @Test
    void lockOrderIsChecked() {
        org.junit.jupiter.api.Assumptions.assumeTrue(LockRank.CHECK, "needs -ea");
        RLock sched = new RLock(LockRank.SCHED), chan = new RLock(LockRank.HCHAN), chan2 = new RLock(LockRank.HCHAN);
        sched.lock();
        try {
            AssertionError e = org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class, chan::lock);
            org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("taking HCHAN while holding SCHED"), e.getMessage());
            org.junit.jupiter.api.Assertions.assertTrue(chan.tryLock(), "a tryLock may go out of order");
            chan.unlock();
        } finally {
            sched.unlock();
        }
        chan.lock(); // channels together (select), then sched.lock: in order
        chan2.lock();
        sched.lock();
        sched.unlock();
        chan2.unlock();
        chan.unlock();
        org.junit.jupiter.api.Assertions.assertEquals(0, LockRank.held());
    }

    @Test
    void sleepersOnOnePWithManyIdleTimersAllWake() {
        Go.gomaxprocs(1);
        Go.run(() -> {
            for (int i = 0; i < 32_768; i++) {
                Time.afterFunc(Duration.ofHours(1), () -> { });
            }
        });
        for (int round = 0; round < 20 * Integer.getInteger("gort.stress", 1); round++) {
            CountDownLatch done = new CountDownLatch(1000);
            Go.run(() -> {
                for (int i = 0; i < 1000; i++) {
                    Go.go(() -> {
                        Time.sleep(Duration.ofNanos(1));
                        done.countDown();
                    });
                }
                await(done);
            });
        }
    }

    /**
     * Contention (RLock's essay, Go's lock2): goroutines on every P and platform threads take one
     * lock in short sections, through the spin and the sleep alike; the count says every section
     * ran alone. Then a waiter behind a long holder stops spinning and sleeps (it shows WAITING,
     * queued on this lock), and takes the lock once it is released. What the spin buys (fewer
     * sleeps) is a matter of speed, measured in docs/benchmarks.md ("The runtime lock's spin"),
     * not asserted here.
     */
    @Test
    void aContendedLockExcludesSpinsThenSleeps() throws Exception {
        RLock l = new RLock(LockRank.HCHAN);
        int perThread = 20_000, goroutines = 4, threads = 2;
        long[] count = {0};
        CountDownLatch done = new CountDownLatch(goroutines + threads);
        Runnable body = () -> {
            for (int i = 0; i < perThread; i++) {
                l.lock();
                try {
                    count[0]++; // plain: only mutual exclusion keeps it exact
                } finally {
                    l.unlock();
                }
            }
            done.countDown();
        };
        for (int t = 0; t < threads; t++) {
            Thread.ofPlatform().daemon().start(body);
        }
        Go.run(() -> {
            for (int g = 0; g < goroutines; g++) {
                Go.go(body);
            }
            await(done);
        });
        l.lock();
        try {
            org.junit.jupiter.api.Assertions.assertEquals((long) perThread * (goroutines + threads), count[0]);
        } finally {
            l.unlock();
        }

        java.util.concurrent.atomic.AtomicBoolean held = new java.util.concurrent.atomic.AtomicBoolean(true);
        java.util.concurrent.atomic.AtomicBoolean sawHeld = new java.util.concurrent.atomic.AtomicBoolean();
        l.lock();
        Thread waiter = Thread.ofPlatform().daemon().start(() -> {
            l.lock();
            try {
                sawHeld.set(held.get());
            } finally {
                l.unlock();
            }
        });
        try {
            while (waiter.getState() != Thread.State.WAITING) { // spins at most RLock.SPINS times, then parks
                org.junit.jupiter.api.Assertions.assertTrue(waiter.isAlive(), "the waiter took a held lock");
                Thread.onSpinWait();
            }
            org.junit.jupiter.api.Assertions.assertTrue(l.hasQueuedThread(waiter), "the waiter sleeps, but not queued on the lock");
        } finally {
            held.set(false);
            l.unlock();
        }
        waiter.join();
        org.junit.jupiter.api.Assertions.assertFalse(sawHeld.get(), "the waiter ran its section while the lock was held");
    }
}
