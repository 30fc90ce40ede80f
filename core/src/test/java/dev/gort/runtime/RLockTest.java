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
 * Regression for the lost wake-up the benchmarks found (docs/benchmarks.md, "Syncs.sleep"): at
 * GOMAXPROCS=1, with 32,768 idle timers on the P, 1,000 goroutines sleeping 1ns each. The P's M
 * blocked on a timer heap's lock behind a goroutine parked in that lock's queue, which needed that
 * very M to run. With RLock a goroutine never parks in such a queue; every round must finish.
 */
@ExtendWith(Sched.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RLockTest {
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
}
