package dev.gort.agent.race;

import java.lang.ref.WeakReference;
import java.util.Arrays;

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

    /**
     * The shadow call stack (Go's racefuncenter/racefuncexit): the call sites of the instrumented
     * frames now running on this thread, outermost first; depth may exceed MAX_DEPTH, and the
     * frames past it are not recorded. interned[i] is the immutable StackNode of
     * stack[0..i], or null if not built since stack[i] was last pushed. Owner thread only.
     */
    int[] stack = new int[16];
    int depth;
    private StackNode[] interned = new StackNode[16];
    static final int MAX_DEPTH = 1024;

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

    /** Pushes call site on the shadow stack (before an instrumented call). Owner thread only. */
    void push(int site) {
        int d = depth++;
        if (d >= stack.length) {
            if (d >= MAX_DEPTH) {
                return;
            }
            stack = Arrays.copyOf(stack, stack.length * 2);
            interned = Arrays.copyOf(interned, stack.length);
        }
        stack[d] = site;
        interned[d] = null;
    }

    /**
     * The shadow stack as an immutable chain, for a shadow to keep with an access (the previous
     * access's stack in a report). Shares the prefix built by the last call, so repeated accesses
     * from one frame allocate nothing. Owner thread only.
     */
    StackNode stack() {
        int n = Math.min(depth, MAX_DEPTH);
        int k = n;
        while (k > 0 && interned[k - 1] == null) {
            k--;
        }
        StackNode s = k > 0 ? interned[k - 1] : null;
        for (int i = k; i < n; i++) {
            s = new StackNode(s, stack[i]);
            interned[i] = s;
        }
        return s;
    }

    /** Ends this thread's current epoch (after a release or a fork). Owner thread only. */
    void tick() {
        int c = vc.get(tid) + 1;
        vc.set(tid, c);
        epoch = Epoch.of(tid, c);
    }

    /**
     * A thread as reports name it: "goroutine 7", or "thread main" for another thread, with the
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
        /** Thread.threadId() and whether it is virtual (unnamed virtual threads are named by id). */
        final long threadId;
        final boolean virtual;
        final WeakReference<Thread> thread;
        /** Where it was created, innermost first; null if it was not seen being created. */
        final StackTraceElement[] createdAt;

        Info(int tid, int startClock, Thread thread, StackTraceElement[] createdAt) {
            this.tid = tid;
            this.startClock = startClock;
            this.thread = new WeakReference<>(thread);
            this.threadName = thread != null ? thread.getName() : "?";
            this.threadId = thread != null ? thread.threadId() : -1;
            this.virtual = thread != null && thread.isVirtual();
            this.createdAt = createdAt;
        }

        /**
         * "goroutine 7", "thread main", "virtual thread worker-1", or, for a thread without a name
         * (virtual threads have none by default), "virtual thread #31" / "thread #31" by its id.
         */
        String name() {
            if (goid > 0) {
                return "goroutine " + goid;
            }
            String kind = virtual ? "virtual thread " : "thread ";
            String n = threadName;
            return kind + (n == null || n.isEmpty() ? "#" + threadId : n);
        }

        /** name() capitalised, for the "created at" sections. */
        String title() {
            String n = name();
            return Character.toUpperCase(n.charAt(0)) + n.substring(1);
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
