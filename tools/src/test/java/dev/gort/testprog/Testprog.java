package dev.gort.testprog;

import dev.gort.runtime.Blocker;
import dev.gort.runtime.G;
import dev.gort.runtime.Proc;
import dev.gort.runtime.WaitReason;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the crash programs share, as Go's testprog/main.go: {@code select {}} and a minimal
 * channel. Chan parks through the runtime's gopark and is a Blocker, as gort's channels are; it
 * stands in for dev.gort.Chan, which another branch is writing (swap it in once merged).
 */
final class Testprog {
    private Testprog() {}

    /** Go's {@code select {}}: parks for ever. */
    static void selectForever() {
        G gp = Proc.currentG();
        for (;;) {
            Proc.gopark(gp, WaitReason.SELECT_NO_CASES, null);
        }
    }

    /** A counting channel of tokens: send adds one, recv takes one. */
    static final class Chan implements Blocker {
        private final AtomicInteger tokens = new AtomicInteger();
        private final ConcurrentLinkedQueue<Thread> waiters = new ConcurrentLinkedQueue<>();
        private volatile boolean touched = Proc.currentG() == null;

        @Override
        public boolean touchedByPlatformThread() {
            return touched;
        }

        void recv() {
            if (Proc.currentG() == null) {
                touched = true;
            }
            G gp = Proc.currentG();
            for (;;) {
                int n = tokens.get();
                if (n > 0 && tokens.compareAndSet(n, n - 1)) {
                    return;
                }
                if (n == 0) {
                    Thread me = Thread.currentThread();
                    waiters.add(me);
                    if (tokens.get() == 0) {
                        Proc.gopark(gp, WaitReason.CHAN_RECEIVE, this);
                    }
                    waiters.remove(me);
                }
            }
        }

        void send() {
            if (Proc.currentG() == null) {
                touched = true;
            }
            tokens.incrementAndGet();
            for (Thread t; (t = waiters.poll()) != null; ) {
                Proc.goready(t);
            }
        }
    }
}
