package dev.gort.runtime;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/*
 * RLock: a lock that both Ms and goroutines take (sched.lock, a timer, a timer heap, a channel),
 * after Go's runtime mutex (lock_futex.go), with a rank in the runtime's lock order (LockRank).
 *
 * The rule (Proc's "Inside the runtime"): a goroutine that holds a runtime lock is never
 * descheduled. Go gets this from acquirem: while m.locks > 0 nothing preempts the goroutine, and a
 * contended runtime lock sleeps the whole M on a futex, never the goroutine alone. gort gets it by
 * pinning: a virtual thread that takes an RLock first pins itself to its carrier (Proc.acquirem),
 * and unpins when it releases the lock (Proc.releasem). Pinned, it cannot be unmounted: if the
 * lock is contended, ReentrantLock parks it and the JDK parks the carrier itself (the M sleeps, as
 * Go's futexsleep), and whatever it does while holding the lock (a contended monitor, a println,
 * a class initialiser) keeps the M too. So an M that blocks on an RLock always waits for a holder
 * that is running on some thread, never for a goroutine stuck in a run queue behind it.
 *
 * A platform thread (an M, sysmon, the JDK's timer or poller threads) locks normally.
 *
 * Contention (Go's lock2): a lock found held is spun on before anyone sleeps. Its holder is running
 * on some thread (the rule above) and mostly holds it for a few pointer writes (the longest holds
 * are procresize's allocations under sched.lock and a channel timer's send under its timer's
 * lock), so on a machine with more than one CPU the waiter re-reads the lock word between
 * spin-waits (SPINS of them, about Go's four procyield(30)) and takes it as soon as it reads free;
 * only then does it queue and park on the ReentrantLock, which sleeps the M on a futex, as Go's
 * futexsleep. With one CPU the holder cannot run while the waiter spins, so the waiter parks at
 * once (Go sets spin to 0 when ncpu is 1). Without the spin, two goroutines taking turns with
 * Go.gosched at GOMAXPROCS 2 (both Ms on sched.lock for the global queue) parked an M 0.15-0.16
 * times per round trip; with it, 0.001 or less (docs/benchmarks.md, "The runtime lock's spin").
 * A waiter that spins may take the lock ahead of one already queued, as ReentrantLock's own
 * non-fair acquire already let it, and as Go's futex lock does.
 *
 * Only lock, tryLock and unlock are offered: an interruptible or timed acquisition, or a
 * Condition, would let a goroutine wait inside the runtime, which the rule forbids.
 *
 * Rejected alternatives
 *  - ReentrantLock's own acquire alone (gort before): it queues and parks a waiter after a few
 *    tries, so under contention every collision cost a futex sleep and wake-up, often longer than
 *    the whole critical section it waited for.
 *  - Spinning with tryLock and yielding the P after a while (gort before): the yield unmounts the
 *    goroutine with the runtime half-way through a transition (a P handed off but not yet given
 *    to an M; a timer's monitor held) and put it behind the very work it blocked. Both hung
 *    programs for good.
 *  - Running every runtime transition on the M after the goroutine unmounts (Go's mcall): right
 *    for transitions that end in a park, but Go.syscall must hand its P off and keep running.
 *
 * Differences from Go
 *  - A pinned goroutine that blocks keeps its P's M blocked with it; Go's futexsleep does the same
 *    to the M, so the difference is only that gort's M keeps carrying the same goroutine.
 *  - Go's lock2 also yields the thread once (osyield) between spinning and sleeping; gort goes
 *    from the spin straight to the queue, since the spin is bounded and a long hold is rare.
 */
final class RLock extends ReentrantLock {
    /** Spin-waits before a contended lock() sleeps: see the essay. 0 on a machine with one CPU. */
    static final int SPINS = Runtime.getRuntime().availableProcessors() > 1 ? 128 : 0;

    /** This lock's place in the lock order. Immutable. */
    final LockRank rank;

    RLock(LockRank rank) {
        this.rank = rank;
    }

    @Override
    public void lock() {
        if (LockRank.CHECK) {
            LockRank.acquire(this, true);
        }
        Proc.acquirem();
        if (!super.tryLock()) {
            lockSlow();
        }
    }

    /** Go's lock2 after its first try: spin on the lock word (test, then try), then queue and sleep. */
    private void lockSlow() {
        for (int i = 0; i < SPINS; i++) {
            Thread.onSpinWait();
            if (!isLocked() && super.tryLock()) {
                return;
            }
        }
        super.lock();
    }

    @Override
    public boolean tryLock() {
        Proc.acquirem();
        if (super.tryLock()) {
            if (LockRank.CHECK) {
                LockRank.acquire(this, false);
            }
            return true;
        }
        Proc.releasem();
        return false;
    }

    @Override
    public void unlock() {
        super.unlock();
        if (LockRank.CHECK) {
            LockRank.release(this);
        }
        Proc.releasem();
    }

    @Override
    public void lockInterruptibly() {
        throw new UnsupportedOperationException("RLock: a runtime lock is never waited for interruptibly");
    }

    @Override
    public boolean tryLock(long time, TimeUnit unit) {
        throw new UnsupportedOperationException("RLock: a runtime lock is never waited for with a timeout");
    }

    @Override
    public Condition newCondition() {
        throw new UnsupportedOperationException("RLock: nothing waits inside the runtime");
    }
}
