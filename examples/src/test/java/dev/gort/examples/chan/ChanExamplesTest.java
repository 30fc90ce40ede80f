package dev.gort.examples.chan;

import dev.gort.Go;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ChanExamplesTest {
    @Test
    void sieveFindsPrimes() {
        AtomicReference<List<Integer>> p = new AtomicReference<>();
        Go.run(() -> p.set(PrimeSieve.primes(10)));
        assertEquals(List.of(2, 3, 5, 7, 11, 13, 17, 19, 23, 29), p.get());
    }

    @Test
    void pipelineSumsSquares() {
        long[] sum = new long[1];
        Go.run(() -> sum[0] = Pipeline.sumOfSquares(500, 3));
        assertEquals(500L * 501 * 1001 / 6, sum[0]);
    }

    @Test
    void workerPoolDoesEveryJobOnce() {
        int[][] per = new int[1][];
        Go.run(() -> per[0] = WorkerPool.run(3, 30));
        assertEquals(30, per[0][0] + per[0][1] + per[0][2]);
    }

    @Test
    void selectTimeoutPicksWhicheverComesFirst() {
        String[] r = new String[2];
        Go.run(() -> {
            r[0] = SelectTimeout.await(0, 10_000);
            r[1] = SelectTimeout.await(10_000, 1);
        });
        assertEquals("result after 0 ms", r[0]);
        assertEquals("timeout after 1 ms", r[1]);
    }
}
