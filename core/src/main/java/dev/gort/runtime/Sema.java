package dev.gort.runtime;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.ReentrantLock;

/*
 * Sema: the runtime semaphore that package sync parks on, after Go's src/runtime/sema.go
 * (semacquire1, semrelease1, cansemacquire, semaRoot, sync_runtime_canSpin/doSpin).
 *
 * Concepts
 * --------
 * A Sema is Go's `sema uint32` word together with the queue of goroutines waiting on it. semacquire
 * waits until the count is positive and decrements it; semrelease increments it and wakes one
 * waiter. It is a sleep/wakeup primitive, not a lock: sync.Mutex, RWMutex and WaitGroup build
 * their fast paths on their own state words and come here only to sleep.
 *
 * Go hashes the address of the word into 251 semaRoots, each a lock plus a treap of per-address
 * wait lists. gort keeps the wait list in the Sema object itself (a Java object is its own
 * address) and keeps Go's striping only for the lock: ROOTS, 251 locks chosen by identity hash, so
 * a Mutex costs two small objects and no lock of its own.
 *
 * Protocol
 * --------
 * semacquire(lifo, reason):
 *   1. fast path: cansemacquire (CAS the count down if positive);
 *   2. under the root lock: nwait++, try cansemacquire once more (a release may have come in
 *      between), else enqueue the waiter at the tail (or the head, with lifo) and unlock;
 *   3. gopark until the waiter's `woken` flag is set (park can return spuriously);
 *   4. if the releaser handed the count to us (ticket == 1) we own it; else try cansemacquire and
 *      go round again if another goroutine barged in.
 * semrelease(handoff):
 *   1. count++; if nwait == 0 nobody sleeps: done (the "Dekker" pair: the acquirer writes nwait
 *      then reads count, the releaser writes count then reads nwait; both volatile, so one of the
 *      two sees the other);
 *   2. under the root lock dequeue the head waiter, nwait--;
 *   3. with handoff, take the count on the waiter's behalf (ticket = 1) so no barging goroutine
 *      can steal it; set woken and goready the waiter (normally into our runnext); then, if the
 *      count was handed over and we are a goroutine, yield our P so the waiter runs at once (Go's
 *      goyield, Proc.goyield: we wait at our P's local tail, not on the global queue). A barger
 *      that took the count first leaves ticket 0: no yield, and the waiter tries again (step 4 of
 *      semacquire).
 *
 * Invariants
 * ----------
 *  - nwait == the number of queued waiters whenever the root lock is free.
 *  - A waiter is in the queue iff it is not woken; only a releaser, under the root lock, dequeues.
 *  - count is never negative.
 *
 * Blocker
 * -------
 * The Sema is the blocker goroutines park on. touched is set once a thread that is not a goroutine
 * waits on it or releases it with a waiter queued, or when the sync type owning it says so
 * (touch()): such a thread may still release a sleeping goroutine, so checkdead must not call it a
 * deadlock. The fast paths (a count taken, or given with nobody queued) do not look: a sync type
 * whose own fast paths a platform thread may take without reaching the Sema (Mutex's unlock,
 * RWMutex's unlocks) touches it on every use by such a thread, lock and unlock alike.
 *
 * A Sema made by a member of a synctest bubble records it: a member waiting on it (Mutex, RWMutex,
 * WaitGroup) is durably blocked there. A WaitGroup moves its Sema to the bubble of the add that
 * starts its counter from 0 (associate(), Go 1.25's rule: a WaitGroup belongs to the bubble its Add
 * was called in; WaitGroup holds this Sema's monitor around associate and the CAS that publishes
 * the count, so two racing adds from 0 cannot both associate), so one made outside the bubble and counted inside it blocks durably too, and one
 * counted outside any bubble does not. canSpin is false inside bubbles (one member runs at a
 * time, so nobody could release the Sema during a spin, and spinning would make seeded schedules
 * depend on the machine).
 *
 * Rejected alternatives
 * ---------------------
 *  - j.u.c's AbstractQueuedSynchronizer: its waits show as plain JDK parks (no wait reason, no
 *    blocker the deadlock detector understands), and it has no handoff or LIFO requeue option,
 *    which Mutex's starvation mode needs.
 *  - One ReentrantLock per Sema: one more allocation per Mutex for a lock taken only on the slow
 *    path; Go's striping is enough.
 *  - A global map from address to queue (Go's treap): a Java object is its own address.
 *
 * Differences from Go
 * -------------------
 *  - Wait lists live in the Sema, not in a treap under the root (see above).
 *  - Waiters are objects allocated per slow acquire, not pooled sudogs.
 *  - Park may return spuriously (LockSupport), so each waiter has a `woken` flag set by the
 *    releaser after dequeuing it; Go's goparkunlock wakes exactly once.
 *  - Interrupts: LockSupport.park returns at once for an interrupted thread. semacquire, like Go,
 *    cannot be interrupted: it clears the flag while it waits and restores it before returning.
 *  - No mutex-profile accounting (acquiretime, blockevent).
 */
/**
 * The runtime semaphore (Go's sema.go) that {@code dev.gort.sync} parks goroutines on. Internal.
 */
public final class Sema implements Blocker {
    /** Go's semTabSize: the number of root locks. */
    private static final int SEM_TAB_SIZE = 251;
    /** The root locks (Go's semtable[i].root.lock), chosen by identity hash. Leaf locks: nothing is taken under them. */
    private static final ReentrantLock[] ROOTS = new ReentrantLock[SEM_TAB_SIZE];

    static {
        for (int i = 0; i < SEM_TAB_SIZE; i++) {
            ROOTS[i] = new ReentrantLock();
        }
    }

    /** Go's *addr: the count. CAS or atomic add by any thread. */
    private volatile int count;
    /** Queued waiters (Go's root.nwait). Written under the root lock with atomic adds, read without it. */
    private volatile int nwait;
    /** The wait list. Under the root lock. */
    private Waiter head, tail;
    /** Set once a platform thread uses this Sema; never cleared. Plain volatile write by any thread. */
    private volatile boolean touched;
    /**
     * The synctest bubble it was made in, or null: a wait on it is durable there (see Bubble). Set
     * again only by associate (a WaitGroup's add from 0). Volatile: read by the bubble's durability
     * check on another thread.
     */
    volatile Bubble bubble = Bubble.currentIfAny();

    /** A semaphore with count 0. */
    public Sema() {}

    /** A semaphore with the given initial count (at least 0). */
    public Sema(int initial) {
        if (initial < 0) {
            throw new IllegalArgumentException("Sema: negative initial count " + initial);
        }
        this.count = initial;
    }

    /**
     * One sleeping goroutine or thread (Go's sudog for semaphores and notify lists). Fields other
     * than woken are written by the waiter before it is queued, or by the waker before it sets
     * woken (a volatile write that publishes them).
     */
    static final class Waiter {
        final Thread thread;
        final G g;
        Waiter next;
        /** 1 when semrelease handed the count over (handoff); for notify lists, the ticket number. */
        int ticket;
        /** Set by the waker after dequeuing this waiter, just before goready. */
        volatile boolean woken;

        Waiter(Thread thread, G g) {
            this.thread = thread;
            this.g = g;
        }

        /** Parks until woken, uninterruptibly; returns whether an interrupt was swallowed. The waiter's own thread only. */
        boolean parkUntilWoken(WaitReason reason, Object blocker) {
            boolean interrupted = false;
            while (!woken) {
                Proc.gopark(g, reason, blocker);
                if (Thread.interrupted()) {
                    interrupted = true;
                }
            }
            return interrupted;
        }
    }

    static ReentrantLock rootFor(Object addr) {
        return ROOTS[(System.identityHashCode(addr) & 0x7fffffff) % SEM_TAB_SIZE];
    }

    // ------------------------------------------------------------------ acquire

    /** Go's cansemacquire: decrement the count if it is positive. Any thread. */
    boolean cansemacquire() {
        for (;;) {
            int v = count;
            if (v == 0) {
                return false;
            }
            if (COUNT.compareAndSet(this, v, v - 1)) {
                return true;
            }
        }
    }

    /**
     * Go's semacquire1: waits until the count is positive, then decrements it. With lifo the caller
     * queues at the head (Mutex's waiters that already waited once). The goroutine parks with
     * reason; not interruptible (the interrupt flag is kept). Any thread.
     */
    public void semacquire(boolean lifo, WaitReason reason) {
        if (cansemacquire()) {
            return;
        }
        G gp = Proc.currentG();
        if (gp == null) {
            touched = true;
        }
        ReentrantLock root = rootFor(this);
        boolean interrupted = false;
        Waiter s = null;
        for (;;) {
            root.lock();
            try {
                NWAIT.getAndAdd(this, 1);
                if (cansemacquire()) {
                    NWAIT.getAndAdd(this, -1);
                    break;
                }
                s = new Waiter(Thread.currentThread(), gp);
                enqueue(s, lifo);
            } finally {
                root.unlock();
            }
            interrupted |= s.parkUntilWoken(reason, this);
            if (s.ticket != 0 || cansemacquire()) {
                break;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Root lock must be held. */
    private void enqueue(Waiter s, boolean lifo) {
        assert rootFor(this).isHeldByCurrentThread() : "enqueue: root lock not held";
        if (head == null) {
            head = tail = s;
        } else if (lifo) {
            s.next = head;
            head = s;
        } else {
            tail.next = s;
            tail = s;
        }
    }

    // ------------------------------------------------------------------ release

    /**
     * Go's semrelease1: increments the count and wakes one waiter. With handoff the count goes
     * straight to the woken waiter, which then runs in place of the caller (Mutex's starvation
     * mode). Any thread.
     */
    public void semrelease(boolean handoff) {
        COUNT.getAndAdd(this, 1);
        if (nwait == 0) {
            return;
        }
        G gp = Proc.currentG();
        if (gp == null) {
            touched = true;
        }
        Waiter s;
        ReentrantLock root = rootFor(this);
        root.lock();
        try {
            if (nwait == 0) {
                return; // the last waiter acquired on its own between our two reads
            }
            s = head;
            if (s == null) {
                return;
            }
            head = s.next;
            if (head == null) {
                tail = null;
            }
            s.next = null;
            NWAIT.getAndAdd(this, -1);
        } finally {
            root.unlock();
        }
        if (handoff && cansemacquire()) {
            s.ticket = 1;
        }
        s.woken = true;
        Proc.goready(s.thread);
        if (s.ticket == 1 && gp != null) {
            Proc.goyield(gp); // let the waiter, now in our runnext, run at once
        }
    }

    /**
     * Go 1.25's WaitGroup association: makes a wait on this Sema durable in the caller's bubble (not
     * durable anywhere if the caller is in none), and returns whether the caller is in one.
     * WaitGroup calls it from the add that starts its counter from 0, before any waiter can queue
     * for that count (see "Blocker"), whenever a bubble is live or the group was a bubble's.
     */
    public boolean associate() {
        Bubble b = Bubble.currentIfAny();
        if (bubble != b) { // a read, not a write, when the group is counted where it was before
            bubble = b;
        }
        Runnable hook = associateHook;
        if (hook != null) {
            hook.run();
        }
        return b != null;
    }

    /**
     * A test seam (Exports.onWaitGroupAssociate): run by an add from 0 right after associate wrote
     * the association, before WaitGroup's CAS publishes the count. Null outside tests.
     */
    static volatile Runnable associateHook;

    /**
     * Go 1.25's WaitGroup.Add check for an add while the count is above 0: the caller must be in
     * the bubble the group is associated with (bubbled: its count was started in a bubble, this
     * Sema's), or outside every bubble if it is associated with none. Returns null, or Go's fatal
     * error's message: "sync: WaitGroup.Add called from multiple synctest bubbles" or "... from
     * inside and outside synctest bubble".
     */
    public String bubbleMismatch(boolean bubbled) {
        Bubble b = Bubble.currentIfAny(), a = bubbled ? bubble : null;
        if (a == b) {
            return null;
        }
        return a != null && b != null ? "sync: WaitGroup.Add called from multiple synctest bubbles"
                : "sync: WaitGroup.Add called from inside and outside synctest bubble";
    }

    /** Marks this Sema as used by a thread that is not a goroutine (see Blocker). Any thread. */
    public void touch() {
        if (!touched) {
            touched = true;
        }
    }

    @Override
    public boolean touchedByPlatformThread() {
        return touched;
    }

    /** The count, a racy snapshot (tests and dumps). */
    int count() {
        return count;
    }

    /** The number of queued waiters, a racy snapshot (tests and dumps). */
    int waiters() {
        return nwait;
    }

    // ------------------------------------------------------------------ spinning (proc.go's sync_runtime_canSpin)

    private static final int ACTIVE_SPIN = 4;
    private static final int ACTIVE_SPIN_CNT = 30;
    private static final boolean MULTICORE = Runtime.getRuntime().availableProcessors() > 1;

    /**
     * Go's sync_runtime_canSpin: spinning for a lock is worth it only a few times, on a multicore
     * machine, when some other P is running goroutines (one may be about to unlock) and the caller's
     * own P has nothing else to run. Any thread.
     */
    static boolean canSpin(int iter) {
        if (Bubble.live != 0 && Bubble.current() != null) {
            return false; // a bubble runs one goroutine at a time: nobody could unlock meanwhile
        }
        if (iter >= ACTIVE_SPIN || !MULTICORE
                || Proc.gomaxprocs <= Proc.npidle.get() + Proc.nmspinning.get() + 1) {
            return false;
        }
        M mp = M.current();
        P pp = mp != null ? mp.p : null;
        return pp == null || pp.runqempty();
    }

    /** Go's sync_runtime_doSpin: a short busy wait (procyield(30)). */
    static void doSpin() {
        for (int i = 0; i < ACTIVE_SPIN_CNT; i++) {
            Thread.onSpinWait();
        }
    }

    private static final VarHandle COUNT;
    private static final VarHandle NWAIT;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            COUNT = l.findVarHandle(Sema.class, "count", int.class);
            NWAIT = l.findVarHandle(Sema.class, "nwait", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
