package dev.gort.bench;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The channel rows of Go's {@code runtime/chan_test.go}, written once over {@link BChan} and
 * {@link Rt}. Each method is one benchmark invocation and must run inside {@code rt.run}'s main
 * goroutine. Where Go uses {@code b.RunParallel}, P goroutines share the work, P being the fork's
 * parallelism. The Kotlin peer of each row is {@code dev.gort.bench.kt.KChanRows}.
 */
final class ChanRows {
    private ChanRows() {}

    static final Integer ONE = 1;
    static final Integer ZERO = 0;
    /** Go's CallsPerSched: producers take work in batches of this many elements. */
    static final int BATCH = 1000;
    /** Go's C in ChanUncontended/ChanContended. */
    static final int C = 100;

    /** Runs body(i) in p goroutines and waits for all of them. */
    static void parallel(Rt rt, int p, IntBody body) {
        CountDownLatch done = new CountDownLatch(p);
        for (int i = 0; i < p; i++) {
            int id = i;
            rt.go(() -> {
                body.run(id);
                done.countDown();
            });
        }
        Bench.await(done);
    }

    interface IntBody {
        void run(int i);
    }

    /** ChanSync: two goroutines hand values back and forth over one unbuffered channel; n hand-offs. */
    static void chanSync(Rt rt, BChan.Maker mk, int n) {
        BChan c = mk.make(0);
        parallel(rt, 2, id -> {
            for (int j = 0; j < n / 2; j++) {
                if (id == 0) {
                    c.recv();
                    c.send(ZERO);
                } else {
                    c.send(ZERO);
                    c.recv();
                }
            }
        });
    }

    /**
     * ChanProdCons{cap}: P producers and P consumers over one channel of capacity cap; producers
     * claim batches of {@link #BATCH} from a shared counter; each sends the sentinel 0 at the end and
     * each consumer stops at one. n elements (a multiple of BATCH).
     */
    static void prodCons(Rt rt, BChan.Maker mk, int cap, int p, int n) {
        BChan c = mk.make(cap);
        AtomicInteger batches = new AtomicInteger(n / BATCH);
        parallel(rt, 2 * p, id -> {
            if (id % 2 == 0) {
                while (batches.getAndDecrement() > 0) {
                    for (int g = 0; g < BATCH; g++) {
                        c.send(ONE);
                    }
                }
                c.send(ZERO);
            } else {
                while (c.recv() != ZERO) {
                    // consume
                }
            }
        });
    }

    /** ChanUncontended: each of P goroutines fills and drains its own channel of capacity 100; n fills+drains. */
    static void uncontended(Rt rt, BChan.Maker mk, int p, int n) {
        parallel(rt, p, id -> {
            BChan c = mk.make(C);
            for (int j = n / p; j > 0; j--) {
                for (int i = 0; i < C; i++) {
                    c.send(ZERO);
                }
                for (int i = 0; i < C; i++) {
                    c.recv();
                }
            }
        });
    }

    /** ChanContended: as uncontended, but all P goroutines share one channel of capacity 100·P. */
    static void contended(Rt rt, BChan.Maker mk, int p, int n) {
        BChan c = mk.make(C * p);
        parallel(rt, p, id -> {
            for (int j = n / p; j > 0; j--) {
                for (int i = 0; i < C; i++) {
                    c.send(ZERO);
                }
                for (int i = 0; i < C; i++) {
                    c.recv();
                }
            }
        });
    }

    /** ChanNonblocking: P goroutines poll an empty unbuffered channel; n polls. */
    static void nonblocking(Rt rt, BChan.Maker mk, int p, int n) {
        BChan c = mk.make(0);
        parallel(rt, p, id -> {
            for (int j = n / p; j > 0; j--) {
                Bench.check(c.tryRecv() == null, "received from an empty channel");
            }
        });
    }

    /** ChanSem: a channel of capacity P used as a semaphore by P goroutines; n acquire+release. */
    static void sem(Rt rt, BChan.Maker mk, int p, int n) {
        BChan c = mk.make(p);
        parallel(rt, p, id -> {
            for (int j = n / p; j > 0; j--) {
                c.send(ZERO);
                c.recv();
            }
        });
    }

    /** ChanCreation: make a channel of capacity 1, send and receive once; n times over P goroutines. */
    static void creation(Rt rt, BChan.Maker mk, int p, int n) {
        parallel(rt, p, id -> {
            for (int j = n / p; j > 0; j--) {
                BChan c = mk.make(1);
                c.send(ZERO);
                c.recv();
            }
        });
    }

    /**
     * SelectNonblock: four non-blocking selects per op, each one case plus a default (Go compiles
     * these to {@code selectnbrecv}/{@code selectnbsend}): receive from an unbuffered and from an
     * empty buffered channel, send to an unbuffered channel without receiver and to a full
     * buffered one. Shared by P goroutines; n ops.
     */
    static void selectNonblock(Rt rt, BChan.Maker mk, int p, int n) {
        BChan c1 = mk.make(0);
        BChan c2 = mk.make(0);
        BChan c3 = mk.make(1);
        BChan c4 = mk.make(1);
        parallel(rt, p, id -> {
            for (int j = n / p; j > 0; j--) {
                c1.tryRecv();
                c2.trySend(ZERO);
                c3.tryRecv();
                c4.trySend(ZERO);
            }
        });
    }

    /** Ping-pong: a ball goes back and forth over two unbuffered channels; n round trips. */
    static void pingPong(Rt rt, BChan.Maker mk, int n) {
        BChan ping = mk.make(0);
        BChan pong = mk.make(0);
        CountDownLatch done = new CountDownLatch(1);
        rt.go(() -> {
            for (int j = 0; j < n; j++) {
                pong.send(ping.recv());
            }
            done.countDown();
        });
        Object ball = ONE;
        for (int j = 0; j < n; j++) {
            ping.send(ball);
            ball = pong.recv();
        }
        Bench.check(ball == ONE, "ping-pong lost its ball");
        Bench.await(done);
    }

    /** Skynet: 10-ary tree of goroutines over size leaves; each node sums its children over an unbuffered channel. */
    static void skynet(Rt rt, BChan.Maker mk, BChan out, long num, int size) {
        if (size == 1) {
            out.send(num);
            return;
        }
        BChan rc = mk.make(0);
        int sub = size / 10;
        for (int i = 0; i < 10; i++) {
            long subNum = num + (long) i * sub;
            rt.go(() -> skynet(rt, mk, rc, subNum, sub));
        }
        long sum = 0;
        for (int i = 0; i < 10; i++) {
            sum += (Long) rc.recv();
        }
        out.send(sum);
    }
}
