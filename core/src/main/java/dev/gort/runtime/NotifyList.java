package dev.gort.runtime;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.ReentrantLock;

/*
 * NotifyList: the ticket-based wait list under sync.Cond, after the notifyList half of Go's
 * src/runtime/sema.go (notifyListAdd, notifyListWait, notifyListNotifyOne, notifyListNotifyAll).
 *
 * Concepts
 * --------
 * A waiter first takes a ticket (notifyListAdd, an atomic increment of `wait`) while it still holds
 * the Cond's lock, then releases that lock, then sleeps on its ticket (notifyListWait). `notify` is
 * the next ticket to be woken. Signal wakes exactly ticket `notify` and advances it; Broadcast
 * moves `notify` up to `wait` and wakes everyone queued. Because the ticket is taken before the
 * lock is released, a Signal that happens after the waiter unlocked but before it queued is not
 * lost: notifyListWait sees its ticket is already below `notify` and returns at once.
 *
 * Invariants
 * ----------
 *  - Tickets are compared with wraparound (less(a, b) is (a - b) < 0 as ints).
 *  - notify <= wait (mod 2^32), and every queued waiter has notify <= ticket < wait.
 *  - A queued waiter is woken (its woken flag set, then goready) exactly once, by the notifier
 *    that removed it under the root lock.
 *
 * Rejected alternatives
 * ---------------------
 *  - Object.wait/notify or a j.u.c Condition: both are tied to one lock type, while sync.Cond
 *    works over any Locker, and neither shows Go's wait reason.
 *
 * Blocker
 * -------
 * touched is set once a thread that is not a goroutine takes a ticket or notifies, whether or not
 * anyone waits: a platform thread that signalled a Cond once may signal it again, so a goroutine
 * waiting on it is not a deadlock (see Checkdead). A notify marks first, before it reads wait: a
 * platform thread that read "nobody waits" and lost its core before marking left a goroutine that
 * took a ticket meanwhile parked on an untouched list while that thread would signal again (by
 * reading; no test can hold a thread between the read and the mark). The test is
 * Proc.outsideGoroutines, which counts a virtual thread of the JDK's own scheduler as outside too.
 *
 * Differences from Go
 * -------------------
 *  - The list lock is one of Sema's striped root locks instead of a lock in the struct.
 *  - Park may return spuriously, so waiters loop on their woken flag (see Sema).
 *  - notifyListWait is not interruptible; it keeps the interrupt flag, as Sema does.
 */
/** The ticket-based wait list under {@code sync.Cond} (Go's notifyList). Internal. */
public final class NotifyList implements Blocker {
    /** The next ticket to hand out. Atomic add by any thread. */
    private volatile int wait;
    /** The next ticket to be notified. Written under the root lock, read without it. */
    private volatile int notify;
    /** Waiters in ticket order, mostly. Under the root lock. */
    private Sema.Waiter head, tail;
    /** See Blocker and the essay. Set (plain volatile write, never cleared) by any thread that is not a goroutine. */
    private volatile boolean touched;

    private static boolean less(int a, int b) {
        return a - b < 0;
    }

    /** Go's notifyListAdd: take a ticket. Call while holding the Cond's lock. Any thread. */
    public int notifyListAdd() {
        if (Proc.currentG() == null) {
            touched = true;
        }
        return (int) WAIT.getAndAdd(this, 1);
    }

    /** Go's notifyListWait: sleep until ticket t is notified (return at once if it already was). Any thread. */
    public void notifyListWait(int t) {
        G gp = Proc.currentG();
        ReentrantLock root = Sema.rootFor(this);
        Sema.Waiter s;
        root.lock();
        try {
            if (less(t, notify)) {
                return;
            }
            s = new Sema.Waiter(Thread.currentThread(), gp);
            s.ticket = t;
            if (tail == null) {
                head = s;
            } else {
                tail.next = s;
            }
            tail = s;
        } finally {
            root.unlock();
        }
        if (s.parkUntilWoken(WaitReason.SYNC_COND_WAIT, this)) {
            Thread.currentThread().interrupt();
        }
    }

    /** Go's notifyListNotifyAll: wake every waiter that holds a ticket. Any thread. */
    public void notifyListNotifyAll() {
        touchIfPlatform(); // first: from its read of wait on, the caller uses the list (see the essay)
        if (wait == notify) {
            return; // nobody waits
        }
        Sema.Waiter s;
        ReentrantLock root = Sema.rootFor(this);
        root.lock();
        try {
            s = head;
            head = tail = null;
            notify = wait;
        } finally {
            root.unlock();
        }
        while (s != null) {
            Sema.Waiter next = s.next;
            s.next = null;
            s.woken = true;
            Proc.goready(s.thread);
            s = next;
        }
    }

    /** Go's notifyListNotifyOne: wake the waiter holding ticket notify, if any, and advance notify. Any thread. */
    public void notifyListNotifyOne() {
        touchIfPlatform(); // first: from its read of wait on, the caller uses the list (see the essay)
        if (wait == notify) {
            return; // nobody waits
        }
        Sema.Waiter found = null;
        ReentrantLock root = Sema.rootFor(this);
        root.lock();
        try {
            int t = notify;
            if (t == wait) {
                return;
            }
            notify = t + 1;
            // The waiter with ticket t may not have queued yet; then notifyListWait sees
            // less(t, notify) and does not sleep.
            for (Sema.Waiter p = null, s = head; s != null; p = s, s = s.next) {
                if (s.ticket == t) {
                    Sema.Waiter n = s.next;
                    if (p != null) {
                        p.next = n;
                    } else {
                        head = n;
                    }
                    if (tail == s) {
                        tail = p;
                    }
                    s.next = null;
                    found = s;
                    break;
                }
            }
        } finally {
            root.unlock();
        }
        if (found != null) {
            found.woken = true;
            Proc.goready(found.thread);
        }
    }

    /** The notify fast path's touch: a platform thread's notify with nobody waiting (see the essay). */
    private void touchIfPlatform() {
        if (!touched && Proc.outsideGoroutines()) {
            touched = true;
        }
    }

    @Override
    public boolean touchedByPlatformThread() {
        return touched;
    }

    private static final VarHandle WAIT;

    static {
        try {
            WAIT = MethodHandles.lookup().findVarHandle(NotifyList.class, "wait", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
