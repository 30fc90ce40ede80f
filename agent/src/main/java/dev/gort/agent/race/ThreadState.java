package dev.gort.agent.race;

import java.lang.ref.WeakReference;

/**
 * One thread's detector state (TSan's ThreadState): its tid, its vector clock and its current
 * epoch. Goroutines and platform threads alike have one; a goroutine's is made by its creator at
 * goStart (inheriting the creator's clock) and adopted by the goroutine at its first access.
 *
 * Fields are written by the owning thread only, except before the thread starts (its creator
 * fills vc) and after it ended (a joiner reads vc): Thread.start and Thread.join order those.
 */
final class ThreadState {
    final int tid;
    final VectorClock vc;
    /** Epoch vc[tid]@tid, cached. Owner thread only. */
    long epoch;
    /** What reports say about this thread; shared, immutable once set up. */
    final Info info;
    /** One-entry cache of the last object whose shadow this thread looked up (see Shadows). */
    Object lastObj;
    Object lastShadow;

    /**
     * What this thread knows of the earlier tenants of its own tid (their clocks are all below
     * info.startClock, and vc[tid] holds this thread's own clock). See "Tid reuse" in FastTrack.
     * Owner thread only.
     */
    int prevKnown;

    ThreadState(int tid, VectorClock vc, Info info) {
        this.tid = tid;
        this.vc = vc;
        this.info = info;
        int inherited = vc.get(tid);
        prevKnown = Math.min(inherited, info.startClock - 1);
        vc.set(tid, Math.max(info.startClock, inherited));
        this.epoch = Epoch.of(tid, vc.get(tid));
    }

    /** Whether epoch e happens before this thread's present (FastTrack's e <= C_t). Owner thread only. */
    boolean knows(long e) {
        int t = Epoch.tid(e), c = Epoch.clock(e);
        if (t == tid && c < info.startClock) {
            return c <= prevKnown; // an earlier tenant of this tid
        }
        return c <= vc.get(t);
    }

    /**
     * C_t := C_t join other, keeping what other says of earlier tenants of this tid apart. A value
     * at or past this tenant's start means other has merged this thread's own clock over whatever
     * it knew of the earlier tenants, so they are taken as fully seen (no race is invented; one
     * with them may be missed). Owner thread only.
     */
    void join(VectorClock other) {
        int v = other.get(tid);
        if (v >= info.startClock) {
            prevKnown = info.startClock - 1;
        } else if (v > prevKnown) {
            prevKnown = v;
        }
        vc.join(other);
    }

    /** Ends this thread's current epoch (after a release or a fork). Owner thread only. */
    void tick() {
        int c = vc.get(tid) + 1;
        vc.set(tid, c);
        epoch = Epoch.of(tid, c);
    }

    /**
     * A thread as reports name it: "goroutine 7", or "thread main" for a platform thread, with the
     * stack of its creation when the detector saw it (goStart or Thread.start).
     */
    static final class Info {
        final int tid;
        /**
         * The first clock of this thread's tenure of tid: tids of ended threads are reused (see
         * FastTrack, "Tid reuse"), each tenant starting past the last one's final clock.
         */
        final int startClock;
        /** The previous tenant of tid (bounded chain), for reports about its old accesses. */
        Info previous;
        /** The goroutine id, or -1 for a platform thread. Set once when the thread adopts its state. */
        volatile long goid = -1;
        volatile String threadName;
        final WeakReference<Thread> thread;
        /** Where it was created, innermost first; null if it was not seen being created. */
        final StackTraceElement[] createdAt;

        Info(int tid, int startClock, Thread thread, StackTraceElement[] createdAt) {
            this.tid = tid;
            this.startClock = startClock;
            this.thread = new WeakReference<>(thread);
            this.threadName = thread != null ? thread.getName() : "?";
            this.createdAt = createdAt;
        }

        /** "goroutine 7" or "thread main". */
        String name() {
            return goid > 0 ? "goroutine " + goid : "thread " + threadName;
        }

        /** "Goroutine 7" or "Thread main", for the "created at" sections. */
        String title() {
            return goid > 0 ? "Goroutine " + goid : "Thread " + threadName;
        }

        /** The tenant of this tid that made an access at clock c (this one or an earlier one). */
        Info at(int c) {
            Info i = this;
            while (i != null && i.startClock > c) {
                i = i.previous;
            }
            return i;
        }

        boolean running() {
            Thread t = thread.get();
            return t != null && t.isAlive();
        }
    }
}
