package dev.gort.runtime;

import java.util.concurrent.locks.ReentrantLock;

/*
 * RLock: a lock that both Ms and goroutines take (sched.lock, a timer heap, a channel), after Go's
 * runtime mutex (lock_futex.go): a goroutine spins for it and never parks in its queue.
 *
 * Why. A ReentrantLock parks a contended virtual thread, which unmounts it and queues it in the
 * lock's FIFO. If an M then blocks on the same lock behind it, the goroutine is first in line but
 * needs an M to run and take the lock; with every M of a P parked behind it, nothing runs: a
 * deadlock (seen with GOMAXPROCS changes from a goroutine). Go never parks a goroutine on a
 * runtime lock: lock() spins, then sleeps the whole M.
 *
 * Protocol. A platform thread (an M, sysmon, the JDK's timer or poller threads) locks normally and
 * may park. A virtual thread takes the lock only by tryLock: it spins (Thread.onSpinWait), and
 * after a while yields its P (Thread.yield, which re-queues it without entering the lock's queue;
 * inside execute(), where the JDK pins the caller, the yield does nothing and it keeps spinning).
 * Critical sections are short and never park, so the spin is short.
 *
 * Differences from Go
 *  - Go's lock sleeps the M on a futex after spinning; a virtual thread cannot put its carrier to
 *    sleep without pinning, which the JDK does not offer, so it yields instead.
 */
final class RLock extends ReentrantLock {
    private static final int SPINS = 128;

    @Override
    public void lock() {
        if (!Thread.currentThread().isVirtual()) {
            super.lock();
            return;
        }
        for (int i = 0; !tryLock(); i++) {
            if (i < SPINS) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
                i = 0;
            }
        }
    }
}
