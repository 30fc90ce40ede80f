package dev.gort.agent;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Orders two accesses in real time without a happens-before edge the race detector can see: this
 * class is in dev.gort, which the agent never instruments, so its latch calls are not hooked. The
 * race fixtures use it to fix which access of a racy pair comes first, so the report is exact.
 */
public final class Unseen {
    private Unseen() {}

    public static void countDown(CountDownLatch l) {
        l.countDown();
    }

    public static void await(CountDownLatch l) {
        try {
            if (!l.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("Unseen.await: not counted down in 30 s");
            }
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
