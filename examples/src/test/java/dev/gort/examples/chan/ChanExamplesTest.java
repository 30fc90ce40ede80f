package dev.gort.examples.chan;

import dev.gort.junit.GoTest;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The channel examples under @GoTest: each body is a main goroutine, and a deadlock, a goroutine
 * an example leaves behind, or a hang (30 s) fails the test with the goroutine dump.
 */
class ChanExamplesTest {
    /** Go's sieve leaves its generator and filters blocked once main has its primes, as in Go. */
    @GoTest(timeout = "30s", ignoreLeaks = true)
    void sieveFindsPrimes() {
        assertEquals(List.of(2, 3, 5, 7, 11, 13, 17, 19, 23, 29), PrimeSieve.primes(10));
    }

    @GoTest(timeout = "30s")
    void pipelineSumsSquares() {
        assertEquals(500L * 501 * 1001 / 6, Pipeline.sumOfSquares(500, 3));
    }

    @GoTest(timeout = "30s")
    void workerPoolDoesEveryJobOnce() {
        int[] per = WorkerPool.run(3, 30);
        assertEquals(30, per[0] + per[1] + per[2]);
    }

    @GoTest(timeout = "30s")
    void selectTimeoutPicksWhicheverComesFirst() {
        assertEquals("result after 0 ms", SelectTimeout.await(0, 10_000));
        // the slow worker finishes half a second later and exits: within the leak check's grace
        assertEquals("timeout after 1 ms", SelectTimeout.await(500, 1));
    }
}
