package dev.gort;

import dev.gort.runtime.TestChan;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * No false positives under churn: goroutines keep passing tokens over channels only goroutines
 * use, and every few rounds one of them sleeps in JDK code or waits for a platform thread, so the
 * process keeps going idle with most goroutines parked on untouched Blockers. checkdead must never
 * fire; the run must complete with every token delivered.
 */
@Timeout(60)
class CheckdeadStressTest {
    private static final int STRESS = Integer.getInteger("gort.stress", 1);

    @Test
    void busyProgramsNeverDeadlock() throws Exception {
        int pairs = 4, rounds = 400 * STRESS;
        AtomicInteger delivered = new AtomicInteger();
        TestChan fromPlatform = new TestChan(); // made on this platform thread: touched
        Thread feeder = Thread.ofPlatform().daemon().start(() -> {
            for (int i = 0; i < pairs * rounds / 10; i++) {
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    return;
                }
                fromPlatform.send();
            }
        });
        Go.run(() -> {
            TestChan done = new TestChan();
            for (int p = 0; p < pairs; p++) {
                TestChan ping = new TestChan(), pong = new TestChan();
                Go.go(() -> {
                    for (int i = 0; i < rounds; i++) {
                        ping.send();
                        pong.recv();
                        delivered.incrementAndGet();
                        if (i % 10 == 5) {
                            fromPlatform.recv(); // waits for a platform thread
                        }
                    }
                    done.send();
                });
                Go.go(() -> {
                    for (int i = 0; i < rounds; i++) {
                        ping.recv();
                        if (i % 10 == 0) {
                            try {
                                Thread.sleep(1); // a JDK park, with its partner parked on pong
                            } catch (InterruptedException e) {
                                throw new IllegalStateException(e);
                            }
                        }
                        pong.send();
                    }
                    done.send();
                });
            }
            for (int i = 0; i < 2 * pairs; i++) {
                done.recv();
            }
        });
        feeder.join(10_000);
        assertEquals(pairs * rounds, delivered.get());
    }
}
