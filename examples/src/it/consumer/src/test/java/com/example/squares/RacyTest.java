package com.example.squares;

import dev.gort.junit.GoTest;
import dev.gort.sync.Mutex;
import dev.gort.sync.WaitGroup;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Run under the race detector: the first test races on purpose and fails; the second passes. */
class RacyTest {
    private int count;

    @GoTest
    void countsWithoutALock() {
        WaitGroup wg = new WaitGroup();
        for (int g = 0; g < 2; g++) {
            wg.go(() -> {
                for (int i = 0; i < 100; i++) {
                    count++;
                }
            });
        }
        wg.await();
    }

    @GoTest
    void countsUnderAMutex() {
        Mutex mu = new Mutex();
        WaitGroup wg = new WaitGroup();
        for (int g = 0; g < 2; g++) {
            wg.go(() -> {
                for (int i = 0; i < 100; i++) {
                    mu.lock();
                    try {
                        count++;
                    } finally {
                        mu.unlock();
                    }
                }
            });
        }
        wg.await();
        assertEquals(200, count);
    }
}
