package dev.gort.examples.sched;

import dev.gort.Go;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The hand-off (the seeds: "when a G blocks in a system call, the M releases its P and another M
 * takes it over"). At GOMAXPROCS=1 one goroutine makes a 300ms blocking call inside
 * {@code Go.syscall}, which blocks its M; the P is handed to another M, and 1,000 other goroutines
 * run on it meanwhile.
 */
public final class Handoff {
    private Handoff() {}

    public static void main(String[] args) throws Exception {
        show();
    }

    public static void show() throws Exception {
        int old = Go.gomaxprocs(1);
        try {
            AtomicInteger ranDuringSyscall = new AtomicInteger();
            CountDownLatch inSyscall = new CountDownLatch(1), done = new CountDownLatch(1);
            long[] syscallMs = new long[1];
            Go.run(() -> {
                Go.go(() -> {
                    try {
                        Go.syscall(() -> {
                            inSyscall.countDown();
                            long t0 = System.nanoTime();
                            // a blocking call that holds its thread (a JNI call, a pinned read...)
                            long end = t0 + TimeUnit.MILLISECONDS.toNanos(300);
                            while (System.nanoTime() < end) {
                                Thread.onSpinWait();
                            }
                            syscallMs[0] = (System.nanoTime() - t0) / 1_000_000;
                            return null;
                        }, true);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                    done.countDown();
                });
                try {
                    inSyscall.await();
                    System.out.print("  " + Go.schedtrace(false));
                    CountDownLatch others = new CountDownLatch(1000);
                    for (int i = 0; i < 1000; i++) {
                        Go.go(() -> {
                            if (done.getCount() > 0) {
                                ranDuringSyscall.incrementAndGet();
                            }
                            others.countDown();
                        });
                    }
                    others.await();
                    done.await();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            System.out.printf("  one goroutine blocked %d ms in Go.syscall on the only P's M;%n", syscallMs[0]);
            System.out.printf("  %d of 1000 other goroutines ran meanwhile, on the P handed to another M%n",
                    ranDuringSyscall.get());
        } finally {
            Go.gomaxprocs(old);
        }
    }
}
