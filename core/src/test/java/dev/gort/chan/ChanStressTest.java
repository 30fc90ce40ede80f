package dev.gort.chan;

import dev.gort.Go;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.*;

/** Stress, scaled by -Dgort.stress (1 = CI size). */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ChanStressTest {
    private static final int STRESS = Integer.getInteger("gort.stress", 1);

    /**
     * Senders and receivers, plain and select, over three channels: every value sent is received
     * exactly once, and after close none is lost (receivers drain until every channel is closed).
     */
    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 10, 100})
    void manySendersAndReceiversEveryValueOnce(int cap) {
        int senders = 8, receivers = 8, perSender = 2_000 * STRESS;
        int total = senders * perSender;
        AtomicIntegerArray seen = new AtomicIntegerArray(total);
        Go.run(() -> {
            @SuppressWarnings("unchecked")
            Chan<Integer>[] cs = new Chan[] {Chan.make(cap), Chan.make(cap), Chan.make(cap)};
            Chan<Boolean> sent = Chan.make(senders);
            Chan<Boolean> recvd = Chan.make(receivers);
            for (int s = 0; s < senders; s++) {
                int base = s * perSender, kind = s % 3;
                Go.go(() -> {
                    int[] v = {base};
                    Select sel = new Select()
                            .sendFrom(cs[0], () -> v[0], () -> {})
                            .sendFrom(cs[1], () -> v[0], () -> {})
                            .sendFrom(cs[2], () -> v[0], () -> {});
                    for (; v[0] < base + perSender; v[0]++) {
                        switch (kind) {
                            case 0 -> sel.run();
                            case 1 -> cs[v[0] % 3].send(v[0]);
                            default -> {
                                while (!cs[v[0] % 3].trySend(v[0])) {
                                    Go.gosched();
                                }
                            }
                        }
                    }
                    sent.send(true);
                });
            }
            for (int r = 0; r < receivers; r++) {
                int kind = r % 2;
                Go.go(() -> {
                    @SuppressWarnings("unchecked")
                    Chan<Integer>[] mine = cs.clone();
                    int[] open = {3};
                    if (kind == 0) {
                        // Go's idiom: a closed channel's case is set to nil.
                        while (open[0] > 0) {
                            Select sel = new Select();
                            for (int i = 0; i < 3; i++) {
                                int idx = i;
                                sel.recvOk(mine[i], x -> {
                                    if (x.ok()) {
                                        seen.incrementAndGet(x.value());
                                    } else {
                                        mine[idx] = null;
                                        open[0]--;
                                    }
                                });
                            }
                            sel.run();
                        }
                    } else {
                        for (int i = 0; i < 3; i++) {
                            for (int x : cs[i]) {
                                seen.incrementAndGet(x);
                            }
                        }
                    }
                    recvd.send(true);
                });
            }
            for (int s = 0; s < senders; s++) {
                sent.recv();
            }
            for (Chan<Integer> c : cs) {
                c.close();
            }
            for (int r = 0; r < receivers; r++) {
                recvd.recv();
            }
        });
        for (int i = 0; i < total; i++) {
            assertEquals(1, seen.get(i), "value " + i + " received " + seen.get(i) + " times");
        }
    }

    /** Select fairness over 100,000 rounds with two and three ready cases, within 5 sigma. */
    @Test
    void selectFairness() {
        int rounds = 100_000 * STRESS;
        for (int k : new int[] {2, 3}) {
            Chan<Integer> closed = Chan.make();
            closed.close();
            int[] counts = new int[k];
            Select s = new Select();
            for (int i = 0; i < k; i++) {
                int idx = i;
                s.recv(closed, v -> counts[idx]++);
            }
            for (int i = 0; i < rounds; i++) {
                s.run();
            }
            double p = 1.0 / k, mean = rounds * p, sigma = Math.sqrt(rounds * p * (1 - p));
            for (int i = 0; i < k; i++) {
                assertTrue(Math.abs(counts[i] - mean) < 5 * sigma,
                        k + " cases: case " + i + " chosen " + counts[i] + " times; expected " + mean + " +- " + 5 * sigma);
            }
        }
    }

    /** Fairness between a ready buffered channel and a blocked-partner unbuffered one, across goroutines. */
    @Test
    void selectFairnessAcrossGoroutines() {
        int rounds = 20_000 * STRESS;
        int[] counts = new int[2];
        Go.run(() -> {
            Chan<Integer> a = Chan.make(rounds);
            Chan<Integer> b = Chan.make(rounds);
            for (int i = 0; i < rounds; i++) {
                a.send(i);
                b.send(i);
            }
            Select s = new Select().recv(a, v -> counts[0]++).recv(b, v -> counts[1]++);
            for (int i = 0; i < rounds; i++) {
                s.run();
            }
        });
        double mean = rounds / 2.0, sigma = Math.sqrt(rounds * 0.25);
        assertTrue(Math.abs(counts[0] - mean) < 5 * sigma, "a chosen " + counts[0] + " of " + rounds);
    }

    /**
     * No lost wake-ups: 1,000 small randomized programs (random GOMAXPROCS, capacities, numbers of
     * goroutines, plain or select operations); each must finish with every value delivered. A lost
     * wake-up hangs a run, which the timeout reports.
     */
    @Test
    void noLostWakeupsInRandomizedRuns() {
        int runs = 1_000 * STRESS;
        int before = Go.gomaxprocs(0);
        long seed = System.nanoTime();
        SplittableRandom rnd = new SplittableRandom(seed);
        try {
            for (int run = 0; run < runs; run++) {
                Go.gomaxprocs(1 + rnd.nextInt(4));
                int cap = new int[] {0, 0, 1, 2, 10}[rnd.nextInt(5)];
                int producers = 1 + rnd.nextInt(4), consumers = 1 + rnd.nextInt(4), per = 1 + rnd.nextInt(50);
                boolean select = rnd.nextBoolean();
                AtomicLong sum = new AtomicLong();
                int r = run;
                Go.run(() -> {
                    Chan<Integer> c = Chan.make(cap);
                    Chan<Integer> quit = Chan.make();
                    Chan<Boolean> done = Chan.make();
                    for (int p = 0; p < producers; p++) {
                        Go.go(() -> {
                            for (int i = 1; i <= per; i++) {
                                if (select) {
                                    int v = i;
                                    new Select().send(c, v, () -> {}).recv(quit, x -> fail("quit is never sent on")).run();
                                } else {
                                    c.send(i);
                                }
                            }
                            done.send(true);
                        });
                    }
                    Chan<Boolean> cdone = Chan.make();
                    for (int q = 0; q < consumers; q++) {
                        Go.go(() -> {
                            for (int v : c) {
                                sum.addAndGet(v);
                            }
                            cdone.send(true);
                        });
                    }
                    for (int p = 0; p < producers; p++) {
                        done.recv();
                    }
                    c.close();
                    for (int q = 0; q < consumers; q++) {
                        cdone.recv();
                    }
                });
                assertEquals((long) producers * per * (per + 1) / 2, sum.get(), "run " + r + " (seed " + seed + ")");
            }
        } finally {
            Go.gomaxprocs(before);
        }
    }
}
