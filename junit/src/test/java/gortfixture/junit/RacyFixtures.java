package gortfixture.junit;

import dev.gort.junit.GoTest;
import dev.gort.sync.Mutex;
import dev.gort.sync.WaitGroup;

/**
 * Run by RaceTest under the race detector (the agent instruments gortfixture.*): one test with a
 * data race, one without.
 */
public class RacyFixtures {
    static int racy;
    static int guarded;

    @GoTest
    void races() {
        WaitGroup wg = new WaitGroup();
        for (int g = 0; g < 2; g++) {
            wg.go(() -> {
                for (int i = 0; i < 1000; i++) {
                    racy++; // two goroutines, no synchronisation
                }
            });
        }
        wg.await();
    }

    @GoTest
    void doesNotRace() {
        Mutex mu = new Mutex();
        WaitGroup wg = new WaitGroup();
        for (int g = 0; g < 2; g++) {
            wg.go(() -> {
                for (int i = 0; i < 1000; i++) {
                    mu.lock();
                    try {
                        guarded++;
                    } finally {
                        mu.unlock();
                    }
                }
            });
        }
        wg.await();
    }
}
