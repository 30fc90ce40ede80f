package dev.gort.sync;

import dev.gort.runtime.Linkname;
import dev.gort.runtime.Race;
import dev.gort.runtime.Sema;
import dev.gort.runtime.WaitReason;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/*
 * Mutex: Go's sync.Mutex (src/internal/sync/mutex.go, re-exported by src/sync/mutex.go): the same
 * state word and the same transitions, one for one.
 *
 * State word
 * ----------
 *   bit 0  LOCKED    someone holds the mutex
 *   bit 1  WOKEN     a goroutine has been woken (or is spinning) and will compete for the lock, so
 *                    Unlock need not wake another
 *   bit 2  STARVING  starvation mode (below)
 *   bits 3.. waiter count: goroutines parked on sema (or about to park)
 *
 * Two modes (Go's "Mutex fairness" essay)
 * ---------------------------------------
 * Normal mode: waiters queue FIFO on the semaphore, but a woken waiter does not own the mutex: it
 * competes with newly arriving goroutines, which usually win (they are already running on a CPU).
 * A waiter that loses is requeued at the FRONT (lifo). A waiter that has waited more than 1ms
 * switches the mutex to starvation mode.
 * Starvation mode: Unlock hands the mutex directly to the first waiter (semrelease with handoff);
 * newcomers do not try to take it and do not spin, they queue at the tail. The mode ends when the
 * waiter that gets the mutex is the last one, or waited less than 1ms.
 * Normal mode is much faster (a goroutine can take the mutex many times in a row); starvation mode
 * bounds tail latency.
 *
 * Invariants
 * ----------
 *  - STARVING implies at least one waiter, or the new owner is clearing it.
 *  - In starvation mode LOCKED is set only by the handed-off waiter (the delta in lockSlow).
 *  - A mutex is not bound to a goroutine: any goroutine (or thread) may unlock it.
 *
 * Rejected alternatives
 * ---------------------
 *  - ReentrantLock/AQS: reentrant, owner-bound (unlock by another thread throws), no starvation
 *    mode, and its parks are invisible to gort's dumps and deadlock detector.
 *
 * Differences from Go
 * -------------------
 *  - Unlocking an unlocked mutex throws dev.gort.FatalError after Proc.syncFatal reported it and
 *    ended the runs; Go exits the process. The bad decrement is undone first, so a mutex that no
 *    other goroutine touched meanwhile is as it was for anything that outlives the fatal error
 *    (tests, other runs). One locked concurrently with the misuse can be left inconsistent (a
 *    locker that read the transient -1 as "starving" waits for a hand-off that never comes): the
 *    program is already over, as Go's would be, and a CAS loop on every unlock to prevent it
 *    would cost the correct programs.
 *  - Platform threads may use a Mutex; the first one that does (lock, tryLock, or unlock, which
 *    may be all a thread does with a mutex a goroutine locked) marks the semaphore as touched,
 *    before it changes the state word, so the deadlock detector does not blame goroutines waiting
 *    on it (see Blocker). The check is Linkname.outsideGoroutines(), which counts a virtual thread
 *    of the JDK's own scheduler as outside too.
 *  - No mutex profiling, no copy check (Java objects are not copied).
 *  - The 1ms starvation threshold is measured on the runtime's nanotime (Linkname.nanotime,
 *    Bubble.clock): the fake clock inside a synctest bubble, so seeded schedules do not depend on
 *    the machine's speed.
 */
/**
 * Go's {@code sync.Mutex}: a mutual exclusion lock for goroutines.
 *
 * <p>Not reentrant: a goroutine that locks a Mutex it already holds deadlocks. A Mutex is not
 * associated with a goroutine: one goroutine may lock it and another unlock it. Waiters park
 * through gort's runtime (wait reason {@code sync.Mutex.Lock}). Fairness is Go's: normal mode
 * lets running goroutines barge ahead; a waiter blocked for more than 1ms switches the mutex to
 * starvation mode, where ownership is handed directly to the waiter at the front of the queue.
 *
 * <p>Memory: an {@link #unlock} happens-before every later {@link #lock} that returns.
 */
public final class Mutex implements Locker {
    static final int MUTEX_LOCKED = 1;
    static final int MUTEX_WOKEN = 2;
    static final int MUTEX_STARVING = 4;
    static final int MUTEX_WAITER_SHIFT = 3;
    static final long STARVATION_THRESHOLD_NS = 1_000_000;

    /** The state word, see the essay. CAS and atomic add by any thread. */
    private volatile int state;
    /** Where waiters sleep. */
    private final Sema sema = new Sema();

    /** An unlocked mutex. */
    public Mutex() {}

    /** Locks the mutex, parking the calling goroutine until it is available. */
    @Override
    public void lock() {
        if (Linkname.outsideGoroutines()) {
            sema.touch();
        }
        if (STATE.compareAndSet(this, 0, MUTEX_LOCKED)) {
            Race.acquire(this);
            return;
        }
        lockSlow();
    }

    /**
     * Tries to lock the mutex without waiting; reports whether it succeeded. As in Go, correct uses
     * are rare: it fails whenever the mutex is held or in starvation mode.
     */
    public boolean tryLock() {
        if (Linkname.outsideGoroutines()) {
            sema.touch(); // before the CAS, as lock: from the CAS on, a goroutine may wait for our unlock
        }
        int old = state;
        if ((old & (MUTEX_LOCKED | MUTEX_STARVING)) != 0) {
            return false;
        }
        if (!STATE.compareAndSet(this, old, old | MUTEX_LOCKED)) {
            return false;
        }
        Race.acquire(this);
        return true;
    }

    private void lockSlow() {
        long waitStartTime = 0;
        boolean starving = false;
        boolean awoke = false;
        int iter = 0;
        int old = state;
        for (;;) {
            // Do not spin in starvation mode: ownership is handed off to waiters.
            if ((old & (MUTEX_LOCKED | MUTEX_STARVING)) == MUTEX_LOCKED && Linkname.canSpin(iter)) {
                // Active spinning makes sense. Set WOKEN so Unlock does not wake another waiter.
                if (!awoke && (old & MUTEX_WOKEN) == 0 && (old >>> MUTEX_WAITER_SHIFT) != 0
                        && STATE.compareAndSet(this, old, old | MUTEX_WOKEN)) {
                    awoke = true;
                }
                Linkname.doSpin();
                iter++;
                old = state;
                continue;
            }
            int next = old;
            if ((old & MUTEX_STARVING) == 0) {
                next |= MUTEX_LOCKED; // newcomers do not take a starving mutex
            }
            if ((old & (MUTEX_LOCKED | MUTEX_STARVING)) != 0) {
                next += 1 << MUTEX_WAITER_SHIFT;
            }
            // Switch to starvation mode only if the mutex is locked; otherwise Unlock expects
            // waiters, which might not be there.
            if (starving && (old & MUTEX_LOCKED) != 0) {
                next |= MUTEX_STARVING;
            }
            if (awoke) {
                // We were woken from sleep (or set WOKEN while spinning): reset the flag.
                if ((next & MUTEX_WOKEN) == 0) {
                    throw Linkname.syncFatal("sync: inconsistent mutex state");
                }
                next &= ~MUTEX_WOKEN;
            }
            if (STATE.compareAndSet(this, old, next)) {
                if ((old & (MUTEX_LOCKED | MUTEX_STARVING)) == 0) {
                    break; // locked with CAS
                }
                // If we waited before, queue at the front.
                boolean queueLifo = waitStartTime != 0;
                if (waitStartTime == 0) {
                    waitStartTime = Linkname.nanotime();
                }
                sema.semacquire(queueLifo, WaitReason.SYNC_MUTEX_LOCK);
                starving = starving || Linkname.nanotime() - waitStartTime > STARVATION_THRESHOLD_NS;
                old = state;
                if ((old & MUTEX_STARVING) != 0) {
                    // The mutex was handed off to us; the state is inconsistent until we fix it:
                    // LOCKED is not set and we are still counted as a waiter.
                    if ((old & (MUTEX_LOCKED | MUTEX_WOKEN)) != 0 || (old >>> MUTEX_WAITER_SHIFT) == 0) {
                        throw Linkname.syncFatal("sync: inconsistent mutex state");
                    }
                    int delta = MUTEX_LOCKED - (1 << MUTEX_WAITER_SHIFT);
                    if (!starving || (old >>> MUTEX_WAITER_SHIFT) == 1) {
                        // Exit starvation mode: we are the last waiter or did not wait long.
                        delta -= MUTEX_STARVING;
                    }
                    STATE.getAndAdd(this, delta);
                    break;
                }
                awoke = true;
                iter = 0;
            } else {
                old = state;
            }
        }
        Race.acquire(this);
    }

    /**
     * Unlocks the mutex. Any goroutine or thread may unlock it.
     *
     * @throws dev.gort.FatalError "sync: unlock of unlocked mutex" (Go's fatal error: reported on
     *     stderr and ends every active {@code Go.run}) if the mutex is not locked
     */
    @Override
    public void unlock() {
        if (Linkname.outsideGoroutines()) {
            sema.touch(); // before the fast path: a thread that only unlocks has used the mutex too
        }
        Race.release(this);
        int next = (int) STATE.getAndAdd(this, -MUTEX_LOCKED) - MUTEX_LOCKED;
        if (next != 0) {
            unlockSlow(next);
        }
    }

    private void unlockSlow(int next) {
        if (((next + MUTEX_LOCKED) & MUTEX_LOCKED) == 0) {
            STATE.getAndAdd(this, MUTEX_LOCKED); // undo, so the state stays consistent for dumps
            throw Linkname.syncFatal("sync: unlock of unlocked mutex");
        }
        if ((next & MUTEX_STARVING) == 0) {
            int old = next;
            for (;;) {
                // Nobody to wake, or a goroutine has already been woken or grabbed the lock, or
                // the mutex is starving (ownership goes to the next waiter, not us).
                if ((old >>> MUTEX_WAITER_SHIFT) == 0 || (old & (MUTEX_LOCKED | MUTEX_WOKEN | MUTEX_STARVING)) != 0) {
                    return;
                }
                // Take the right to wake someone.
                int n = (old - (1 << MUTEX_WAITER_SHIFT)) | MUTEX_WOKEN;
                if (STATE.compareAndSet(this, old, n)) {
                    sema.semrelease(false);
                    return;
                }
                old = state;
            }
        } else {
            // Starvation mode: hand ownership to the next waiter and yield our time slice so it
            // runs at once. LOCKED stays clear; the waiter sets it. While STARVING is set the
            // mutex counts as locked, so newcomers do not take it.
            sema.semrelease(true);
        }
    }

    /** The state word, a racy snapshot (tests). */
    int state() {
        return state;
    }

    @Override
    public String toString() {
        int s = state;
        return "Mutex[" + ((s & MUTEX_LOCKED) != 0 ? "locked" : "unlocked")
                + ((s & MUTEX_STARVING) != 0 ? ", starving" : "")
                + ", waiters=" + (s >>> MUTEX_WAITER_SHIFT) + "]";
    }

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Mutex.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
