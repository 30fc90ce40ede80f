package dev.gort.chan;

import dev.gort.Go;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

/** Every rule of Select (Go's select statement), over capacities 0, 1, 2, 10, 100. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SelectTest {

    @Test
    void defaultRunsWhenNothingIsReady() {
        Chan<Integer> a = Chan.make();
        Chan<Integer> b = Chan.make();
        AtomicInteger ran = new AtomicInteger();
        int chosen = new Select()
                .recv(a, v -> fail("a is not ready"))
                .send(b, 1, () -> fail("b has no receiver"))
                .otherwise(ran::incrementAndGet)
                .run();
        assertEquals(-1, chosen);
        assertEquals(1, ran.get());
    }

    @Test
    void noCasesWithDefaultRunsDefault() {
        AtomicInteger ran = new AtomicInteger();
        assertEquals(-1, new Select().otherwise(ran::incrementAndGet).run());
        assertEquals(1, ran.get());
    }

    @Test
    void multipleDefaultsAreRejected() {
        var s = new Select().otherwise(() -> {});
        assertEquals("multiple defaults in select",
                assertThrows(IllegalStateException.class, () -> s.otherwise(() -> {})).getMessage());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 10, 100})
    void nilChannelCaseIsNeverReady(int cap) {
        Chan<Integer> c = Chan.make(cap);
        Chan<Integer> nil = null;
        for (int i = 0; i < 200; i++) {
            int chosen = new Select()
                    .recv(nil, v -> fail("nil recv"))
                    .send(nil, 1, () -> fail("nil send"))
                    .otherwise(() -> {})
                    .run();
            assertEquals(-1, chosen);
        }
        if (cap > 0) {
            c.send(5);
            AtomicReference<Integer> got = new AtomicReference<>();
            assertEquals(1, new Select().recv(nil, v -> fail("nil")).recv(c, got::set).run());
            assertEquals(5, got.get());
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 10, 100})
    void closedChannelReceiveCaseIsReady(int cap) {
        Chan<Integer> c = Chan.make(cap);
        c.close();
        AtomicReference<Recv<Integer>> r = new AtomicReference<>();
        assertEquals(0, new Select().recvOk(c, r::set).otherwise(() -> fail("closed is ready")).run());
        assertEquals(new Recv<Integer>(null, false), r.get());
        AtomicInteger nulls = new AtomicInteger();
        assertEquals(0, new Select().recv(c, v -> { if (v == null) nulls.incrementAndGet(); }).run());
        assertEquals(1, nulls.get());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 10, 100})
    void sendCaseOnClosedChannelPanics(int cap) {
        Chan<Integer> c = Chan.make(cap);
        c.close();
        var e = assertThrows(ChanPanic.class, () -> new Select().send(c, 1, () -> {}).otherwise(() -> {}).run());
        assertEquals(ChanPanic.SEND_ON_CLOSED, e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 10, 100})
    void blockedSelectSendIsWokenByCloseAndPanics(int cap) {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Go.run(() -> {
            Chan<Integer> c = Chan.make(cap);
            for (int i = 0; i < cap; i++) {
                c.send(i);
            }
            Chan<Integer> other = Chan.make();
            Chan<Boolean> done = Chan.make();
            Go.go(() -> {
                try {
                    new Select().send(c, 9, () -> {}).recv(other, v -> {}).run();
                } catch (Throwable t) {
                    thrown.set(t);
                }
                done.send(true);
            });
            for (int i = 0; i < 50; i++) {
                Go.gosched();
            }
            c.close();
            done.recv();
        });
        assertInstanceOf(ChanPanic.class, thrown.get());
        assertEquals(ChanPanic.SEND_ON_CLOSED, thrown.get().getMessage());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 10, 100})
    void blockedSelectReceivesFromWhicheverIsSentTo(int cap) {
        Go.run(() -> {
            Chan<Integer> a = Chan.make(cap);
            Chan<Integer> b = Chan.make(cap);
            Chan<String> out = Chan.make(10);
            Select s = new Select()
                    .recv(a, v -> out.send("a" + v))
                    .recv(b, v -> out.send("b" + v));
            Go.go(() -> {
                for (int i = 0; i < 4; i++) {
                    s.run(); // the same Select, reused
                }
            });
            a.send(1);
            assertEquals("a1", out.recv());
            b.send(2);
            assertEquals("b2", out.recv());
            b.send(3);
            assertEquals("b3", out.recv());
            a.send(4);
            assertEquals("a4", out.recv());
        });
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 10, 100})
    void blockedSelectSendDeliversExactlyOnce(int cap) {
        int n = 2_000;
        List<Integer> got = new ArrayList<>();
        Go.run(() -> {
            Chan<Integer> a = Chan.make(cap);
            Chan<Integer> b = Chan.make(cap);
            Go.go(() -> {
                int[] next = {0};
                Select s = new Select()
                        .sendFrom(a, () -> next[0], () -> next[0]++)
                        .sendFrom(b, () -> next[0], () -> next[0]++);
                while (next[0] < n) {
                    s.run();
                }
                a.close();
                b.close();
            });
            AtomicInteger open = new AtomicInteger(2);
            AtomicReference<Chan<Integer>> ra = new AtomicReference<>(a), rb = new AtomicReference<>(b);
            while (open.get() > 0) {
                // Go's idiom: set a closed channel to nil so its case is never ready again.
                new Select()
                        .recvOk(ra.get(), x -> { if (x.ok()) got.add(x.value()); else { ra.set(null); open.decrementAndGet(); } })
                        .recvOk(rb.get(), x -> { if (x.ok()) got.add(x.value()); else { rb.set(null); open.decrementAndGet(); } })
                        .run();
            }
        });
        assertEquals(n, got.size());
        assertEquals(n, got.stream().distinct().count());
        got.sort(null);
        for (int i = 0; i < n; i++) {
            assertEquals(i, got.get(i));
        }
    }

    @Test
    void sameChannelTwiceInOneSelect() {
        Go.run(() -> {
            Chan<Integer> c = Chan.make();
            AtomicInteger sends = new AtomicInteger(), recvs = new AtomicInteger();
            Chan<Boolean> done = Chan.make(2);
            for (int g = 0; g < 2; g++) {
                Go.go(() -> {
                    for (int i = 0; i < 500; i++) {
                        new Select().send(c, i, sends::incrementAndGet).recv(c, v -> recvs.incrementAndGet()).run();
                    }
                    done.send(true);
                });
            }
            done.recv();
            done.recv();
            // Every exchange pairs one send with one receive.
            assertEquals(sends.get(), recvs.get());
            assertEquals(1000, sends.get() + recvs.get());
        });
    }

    @Test
    void selectsOverTheSameChannelsInOppositeOrderDoNotDeadlock() {
        int n = 2_000;
        Go.run(() -> {
            Chan<Integer> a = Chan.make();
            Chan<Integer> b = Chan.make();
            Chan<Boolean> done = Chan.make(4);
            // Two selecting senders, cases in opposite orders, and two selecting receivers.
            Go.go(() -> { for (int i = 0; i < n; i++) new Select().send(a, i, () -> {}).send(b, i, () -> {}).run(); done.send(true); });
            Go.go(() -> { for (int i = 0; i < n; i++) new Select().send(b, i, () -> {}).send(a, i, () -> {}).run(); done.send(true); });
            Go.go(() -> { for (int i = 0; i < n; i++) new Select().recv(a, v -> {}).recv(b, v -> {}).run(); done.send(true); });
            Go.go(() -> { for (int i = 0; i < n; i++) new Select().recv(b, v -> {}).recv(a, v -> {}).run(); done.send(true); });
            for (int i = 0; i < 4; i++) {
                done.recv();
            }
        });
    }

    @Test
    void readyCasesAreChosenUniformly() {
        // Four always-ready cases; 40,000 rounds; each count must be within 5 sigma of 10,000.
        int rounds = 40_000 * Integer.getInteger("gort.stress", 1), k = 4;
        Chan<Integer> c = Chan.make(1);
        c.close(); // a closed channel is always ready for receive
        Chan<Integer> d = Chan.make(rounds + 1);
        int[] counts = new int[k];
        Select s = new Select()
                .recv(c, v -> counts[0]++)
                .recvOk(c, v -> counts[1]++)
                .send(d, 0, () -> counts[2]++)
                .recv(c, v -> counts[3]++);
        for (int i = 0; i < rounds; i++) {
            s.run();
        }
        double p = 1.0 / k, mean = rounds * p, sigma = Math.sqrt(rounds * p * (1 - p));
        for (int i = 0; i < k; i++) {
            assertTrue(Math.abs(counts[i] - mean) < 5 * sigma, "case " + i + " chosen " + counts[i] + " times, expected " + mean + " +- " + 5 * sigma);
        }
    }

    @Test
    void selectReturnsIndexInOrderAdded() {
        Chan<Integer> a = Chan.make(1), b = Chan.make(1), c = Chan.make(1);
        c.send(1);
        assertEquals(2, new Select().recv(a, v -> {}).recv(b, v -> {}).recv(c, v -> {}).run());
        assertEquals(1, new Select().recv(a, v -> {}).send(b, 1, () -> {}).recv(c, v -> {}).run());
    }

    @Test
    void bodyIsRequired() {
        Chan<Integer> a = Chan.make();
        assertThrows(NullPointerException.class, () -> new Select().recv(a, null));
    }

    /**
     * Go's TestPseudoRandomSend: a select with two send cases on one channel, taken by a slow
     * receiver, so the select usually blocks with both cases queued on the channel. Both values
     * must show up (Go derives the lock order, and so the enqueue order, from the random poll
     * order; a fixed order made the first case win every blocked round).
     */
    @Test
    void pseudoRandomSend() {
        int n = 100;
        for (int cap : new int[] {0, n}) {
            Chan<Integer> c = Chan.make(cap);
            int[] l = new int[n];
            dev.gort.sync.Mutex m = new dev.gort.sync.Mutex();
            Go.run(() -> {
                m.lock();
                Go.go(() -> {
                    for (int i = 0; i < n; i++) {
                        Go.gosched();
                        l[i] = c.recv();
                    }
                    m.unlock();
                });
                Select s = new Select().send(c, 1, () -> {}).send(c, 0, () -> {});
                for (int i = 0; i < n; i++) {
                    s.run();
                }
                m.lock(); // wait
            });
            int n1 = 0;
            for (int v : l) {
                n1 += v;
            }
            int n0 = n - n1;
            assertTrue(n0 > n / 10 && n1 > n / 10, "want pseudorandom, got " + n0 + " zeros and " + n1 + " ones (cap " + cap + ")");
        }
    }

    /**
     * Go's TestSelectFairness: two always-ready buffered channels among four cases; over 10,000
     * trials neither may be chosen more than 5 sigma off half (Go: 4 sigma; 5 keeps a fair select
     * from failing once in 10^6 runs).
     */
    @Test
    void selectFairness() {
        int trials = 10_000;
        Chan<Integer> c1 = Chan.make(trials + 1), c2 = Chan.make(trials + 1);
        for (int i = 0; i < trials + 1; i++) {
            c1.send(1);
            c2.send(2);
        }
        Chan<Integer> c3 = Chan.make(), c4 = Chan.make(), out = Chan.make(), done = Chan.make();
        int[] cnt = new int[3];
        Go.run(() -> {
            dev.gort.sync.WaitGroup wg = new dev.gort.sync.WaitGroup();
            wg.go(() -> {
                int[] b = new int[1];
                Select pick = new Select().recv(c3, v -> b[0] = v).recv(c4, v -> b[0] = v)
                        .recv(c1, v -> b[0] = v).recv(c2, v -> b[0] = v);
                for (;;) {
                    pick.run();
                    boolean[] stop = {false};
                    new Select().send(out, b[0], () -> {}).recv(done, v -> stop[0] = true).run();
                    if (stop[0]) {
                        return;
                    }
                }
            });
            for (int i = 0; i < trials; i++) {
                int b = out.recv();
                assertTrue(b == 1 || b == 2, "unexpected value " + b);
                cnt[b]++;
            }
            done.close();
            wg.await();
        });
        double r = (double) cnt[1] / trials;
        assertTrue(Math.abs(r - 0.5) <= 5.0 / 2 / Math.sqrt(trials),
                "unfair select: in " + trials + " trials, results were " + cnt[1] + ", " + cnt[2]);
    }
}
