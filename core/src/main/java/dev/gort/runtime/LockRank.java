package dev.gort.runtime;

import java.util.ArrayList;

/*
 * LockRank: the runtime's lock order, in one table, checked under -ea (Go's lockrank.go).
 *
 * Every lock that Ms and goroutines share is an RLock with a rank. A thread may take a lock only
 * while every lock it already holds has a lower rank; HCHAN alone may be taken again while a
 * channel lock is held, because select locks all its channels at once, in channel-id order
 * (SelectGo.sellock). Taking the lock a thread already holds (ReentrantLock's reentrance) is
 * allowed, and so is a tryLock out of order (it cannot wait, so it cannot deadlock: Timers' runner
 * tries a timer's lock under its heap's). The order, lowest first:
 *
 *   RESIZE   procresize (Proc.resizeLock)
 *   TIMER    one runtime timer's state and heap membership (Timer.mu)
 *   HCHAN    a channel (HChan.lock); several at once only in id order
 *   TIMERS   one timer heap (Timers.lock)
 *   BUBBLE   a synctest bubble's members, run queue and token (Bubble.lock)
 *   SCHED    sched.lock: global run queue, idle P and M lists (Proc.lock)
 *   ALLG     one stripe of the live-goroutine registry (AllGs); a leaf: nothing is taken under it
 *
 * Why this order: a timer's function runs under its TIMER lock and sends on a channel (HCHAN); a
 * channel operation readies a goroutine, which may take BUBBLE (a bubble's member) or SCHED; stop
 * and reset take TIMER, then the heap's TIMERS; a bubble fires its timers without its lock;
 * procresize takes SCHED under RESIZE. Nothing takes a lower rank under SCHED. ALLG is last (as
 * Go's allg ranks after sched) so that creating, exiting and walking goroutines may happen anywhere.
 *
 * Outside the table: the tracer's per-buffer spin locks (TraceSession.Buf), leaves under which
 * nothing is taken, so they may be taken under any of these.
 *
 * The check keeps, per thread, the RLocks it holds. Only with assertions on (the tests run with
 * -ea): without them RLock never calls in here. A goroutine keeps its list across no park, since
 * it is pinned to its M while it holds any of these (see Proc's "Inside the runtime").
 */
enum LockRank {
    RESIZE,
    TIMER,
    HCHAN,
    TIMERS,
    BUBBLE,
    SCHED,
    ALLG;

    /** Whether lock-rank checking is on: with assertions enabled for the runtime package. */
    static final boolean CHECK = LockRank.class.desiredAssertionStatus();

    private static final ThreadLocal<ArrayList<RLock>> HELD = ThreadLocal.withInitial(ArrayList::new);

    /**
     * Checks that the calling thread may take l now (unless ordered is false: a tryLock cannot
     * deadlock, so it may take a lock out of order), and records it as held. CHECK only.
     */
    static void acquire(RLock l, boolean ordered) {
        ArrayList<RLock> held = HELD.get();
        if (ordered && !held.contains(l)) {
            for (RLock h : held) {
                boolean ok = h.rank.ordinal() < l.rank.ordinal() || (h.rank == HCHAN && l.rank == HCHAN);
                if (!ok) {
                    throw new AssertionError("lock ordering problem: taking " + l.rank + " while holding "
                            + h.rank + " (see LockRank)");
                }
            }
        }
        held.add(l);
    }

    /** Records that the calling thread released one hold of l. CHECK only. */
    static void release(RLock l) {
        ArrayList<RLock> held = HELD.get();
        int i = held.lastIndexOf(l);
        if (i < 0) {
            throw new AssertionError("unlock of " + l.rank + " lock not held by " + Thread.currentThread());
        }
        held.remove(i);
    }

    /** The number of runtime locks the calling thread holds. CHECK only. */
    static int held() {
        return HELD.get().size();
    }
}
