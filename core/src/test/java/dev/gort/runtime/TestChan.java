package dev.gort.runtime;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A minimal test Blocker: a counting "channel" (send adds a permit, recv takes one) that parks
 * through Proc.gopark. It lets checkdead's unit tests exercise the Blocker contract (recording
 * whether a platform thread created or used it) apart from HChan; the end-to-end deadlock programs
 * in tools use gort's real channels.
 */
public final class TestChan implements Blocker {
    private final AtomicInteger permits = new AtomicInteger();
    private final ConcurrentLinkedQueue<Thread> waiters = new ConcurrentLinkedQueue<>();
    private volatile boolean touched;

    public TestChan() {
        touch();
    }

    private void touch() {
        if (!touched && Proc.currentG() == null) {
            touched = true;
        }
    }

    @Override
    public boolean touchedByPlatformThread() {
        return touched;
    }

    /** Takes a permit, parking with reason CHAN_RECEIVE until there is one. */
    public void recv() {
        touch();
        G gp = Proc.currentG();
        Thread me = Thread.currentThread();
        for (;;) {
            int p = permits.get();
            if (p > 0) {
                if (permits.compareAndSet(p, p - 1)) {
                    return;
                }
                continue;
            }
            waiters.add(me);
            if (permits.get() == 0) {
                Proc.gopark(gp, WaitReason.CHAN_RECEIVE, this);
            }
            waiters.remove(me);
        }
    }

    /** Adds a permit and wakes every waiter (they re-check). */
    public void send() {
        touch();
        permits.incrementAndGet();
        for (Thread t; (t = waiters.poll()) != null; ) {
            Proc.goready(t);
        }
    }

    /** Parks for ever with Go's "select (no cases)", as select {} does. */
    public static void selectForever() {
        G gp = Proc.currentG();
        for (;;) {
            Proc.gopark(gp, WaitReason.SELECT_NO_CASES, null);
        }
    }
}
