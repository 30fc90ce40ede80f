package dev.gort.tools.trace;

import dev.gort.Go;
import dev.gort.runtime.ParkExports;
import dev.gort.runtime.WaitReason;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A small channel-free program whose trace the tests check: goroutines that park with
 * LockSupport (ping-pong pairs), through the runtime's gopark with a wait reason, on a
 * CountDownLatch and a ReentrantLock, and that yield; plus a GOMAXPROCS change.
 */
final class TraceWorkload {
    private TraceWorkload() {}

    static final int PAIRS = 4, ROUNDS = 50, YIELDERS = 3, LOCKERS = 4;

    /** Runs the workload under a trace written to file; returns the file. */
    static Path traced(Path file) throws IOException {
        Go.startTrace(file);
        try {
            Go.run(TraceWorkload::main);
        } finally {
            Go.stopTrace();
        }
        return file;
    }

    static void main() {
        int old = Go.gomaxprocs(3);
        try {
            CountDownLatch done = new CountDownLatch(PAIRS * 2 + YIELDERS + LOCKERS);
            CountDownLatch go = new CountDownLatch(1);
            for (int i = 0; i < PAIRS; i++) {
                pingPong(done, i % 2 == 0);
            }
            for (int i = 0; i < YIELDERS; i++) {
                Go.go(() -> {
                    await(go);
                    for (int k = 0; k < ROUNDS; k++) {
                        Thread.yield();
                    }
                    done.countDown();
                });
            }
            ReentrantLock lock = new ReentrantLock();
            AtomicInteger counter = new AtomicInteger();
            for (int i = 0; i < LOCKERS; i++) {
                Go.go(() -> {
                    await(go);
                    for (int k = 0; k < ROUNDS; k++) {
                        lock.lock();
                        try {
                            counter.incrementAndGet();
                            Thread.yield();
                        } finally {
                            lock.unlock();
                        }
                    }
                    done.countDown();
                });
            }
            go.countDown();
            await(done);
        } finally {
            Go.gomaxprocs(old);
        }
    }

    /** Two goroutines handing a turn back and forth: with gopark (a wait reason) or plain LockSupport.park. */
    private static void pingPong(CountDownLatch done, boolean viaGopark) {
        AtomicInteger turn = new AtomicInteger();
        Thread[] threads = new Thread[2];
        CountDownLatch ready = new CountDownLatch(2);
        AtomicBoolean failed = new AtomicBoolean();
        for (int side = 0; side < 2; side++) {
            int me = side;
            Go.go(() -> {
                threads[me] = Thread.currentThread();
                ready.countDown();
                await(ready);
                for (int k = 0; k < ROUNDS; k++) {
                    while (turn.get() % 2 != me) {
                        if (viaGopark) {
                            ParkExports.gopark(WaitReason.SEMACQUIRE, turn);
                        } else {
                            LockSupport.park(turn);
                        }
                    }
                    turn.incrementAndGet();
                    ParkExports.goready(threads[1 - me]);
                }
                if (failed.get()) {
                    throw new AssertionError("ping-pong failed");
                }
                done.countDown();
            });
        }
    }

    private static void await(CountDownLatch l) {
        try {
            l.await();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
