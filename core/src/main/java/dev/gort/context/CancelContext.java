package dev.gort.context;

import dev.gort.Panic;
import dev.gort.chan.Chan;
import dev.gort.chan.RecvChan;
import dev.gort.runtime.Linkname;
import dev.gort.sync.Mutex;

import java.time.Instant;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/*
 * CancelContext: Go's cancelCtx and timerCtx (src/context/context.go).
 *
 * State, all under mu (a gort Mutex):
 *   done      the Done channel, made lazily (an unbuffered Chan closed on cancel); a context
 *             cancelled before anyone asked for done() gets the shared closed channel
 *   children  cancelable descendants registered by propagateCancel; null once cancelled
 *   err/cause set once by the first cancel
 * cancel(removeFromParent, err, cause): under mu, set err/cause, close done, cancel every child
 * (lock order: parent's mu, then child's mu, down the tree), drop children; then, outside mu,
 * unlink from the parent (parent's mu). A child never holds its mu while taking its parent's, so
 * the order is always parent before child.
 *
 * Linking (Go's propagateCancel): if the parent is one of ours, the child registers in its
 * children set (or is cancelled at once if the parent already is). Otherwise (a user Context with
 * a done channel) a goroutine waits in a Select on parent.done() and child.done().
 *
 * Invariants
 * ----------
 *  - err != null iff cancelled; once set, err, cause and a closed done never change.
 *  - A registered child is in exactly one parent's children set until it is cancelled.
 *  - platform set implies every registered child's platform is set, and done, once made, is
 *    marked (both under mu; see "Blocker").
 *
 * Blocker (the deadlock detector)
 * -------------------------------
 * Goroutines wait on done, a channel made lazily by whoever asks first, often a goroutine; but
 * whoever holds the context may close it, by cancelling it or an ancestor. So a context a thread
 * outside the goroutines made or used (done, err, or a child made of it) is marked (platform), and
 * so are its registered descendants (addChild under the parent's mu, or heldByPlatform's walk
 * down, parent's mu before child's as cancel), and its done channel is marked as a platform
 * thread's (Linkname.chanHeldByPlatformThread) when made or when the context is marked, before any
 * cancel that thread makes can close it: checkdead then does not call a goroutine waiting on it
 * Go's deadlock. heldByPlatform sets the flag last, after those marks: a second thread whose
 * done() or err() reads it set and returns (touchIfPlatform's one racy read) has used a context
 * already marked. Set first, a thread that read it while the first was descheduled between the
 * flag and its marks went on holding an unmarked done channel (by reading, as the sync types'
 * mark-first rule; no test can hold a thread between the two). Before, a context made on a
 * platform thread and cancelled there later, or a goroutine's child of it, left a goroutine
 * waiting on its done channel reported as deadlocked. The test is Linkname.outsideGoroutines (a
 * platform thread, or a virtual thread of the JDK's own scheduler), one check on done and err
 * while unmarked (as the sync types'). A context a goroutine made that a platform thread only
 * holds is Go.run's documented hole, as a channel; what an AfterFunc's function wakes is the
 * function's (as a task queued on an executor).
 *
 * Differences from Go: one class for cancelCtx and timerCtx (the timer field is null without a
 * deadline); the deadline timer is a dev.gort.time AfterFunc timer, as Go's.
 */
/**
 * A {@link Context} that can be cancelled: returned by {@link Context#withCancel},
 * {@link Context#withCancelCause}, {@link Context#withTimeout} and {@link Context#withDeadline}.
 * {@link #cancel()} is Go's {@code CancelFunc}, {@link #cancel(Throwable)} its
 * {@code CancelCauseFunc}; calling either more than once does nothing.
 */
public final class CancelContext implements Context {
    final Context parent;
    private final Instant deadline;
    final Mutex mu = new Mutex();
    /** Written under mu (once); volatile so done() reads it without the lock once made (Go's atomic.Value). */
    private volatile Chan<Void> done;
    /** Under mu; null once cancelled. */
    private Set<Canceler> children = new HashSet<>();
    /** Under mu (written once); volatile so err() can read it without the lock. */
    private volatile ContextException err;
    /** Under mu. */
    private Throwable cause;
    /** The deadline timer, or null. Under mu. */
    private dev.gort.time.Timer timer;
    /**
     * A thread that is not a goroutine made or used this context or a cancelable ancestor it is
     * registered with, and so may cancel it (see "Blocker"). Set once, never cleared: in the
     * constructor, else under mu, after done and the registered children are marked; read under mu
     * (and racily by touchIfPlatform's fast test, which then skips marks already made).
     */
    private volatile boolean platform;
    /** This context as a child of its parent. */
    final Canceler self = new Canceler() {
        @Override
        public void cancel(boolean removeFromParent, ContextException err, Throwable cause) {
            CancelContext.this.cancel(removeFromParent, err, cause);
        }

        @Override
        public void heldByPlatform() {
            CancelContext.this.heldByPlatform();
        }
    };

    /** Something a cancelCtx cancels when it is cancelled (Go's canceler). */
    @FunctionalInterface
    interface Canceler {
        void cancel(boolean removeFromParent, ContextException err, Throwable cause);

        /** Its parent may be cancelled by a thread outside the goroutines (see "Blocker"). */
        default void heldByPlatform() {}
    }

    CancelContext(Context parent, Instant deadline) {
        this.parent = parent;
        this.deadline = deadline;
        this.platform = Linkname.outsideGoroutines(); // before anyone can make done
    }

    /** Marks this context, if the caller is a platform thread (cheap test; see "Blocker"). */
    private void touchIfPlatform() {
        if (!platform && Linkname.outsideGoroutines()) {
            heldByPlatform();
        }
    }

    /**
     * Marks this context and its registered descendants as cancelable by a thread outside the
     * goroutines, and their done channels as that thread's (see "Blocker"). Any thread; takes mu,
     * then each child's, as cancel.
     */
    void heldByPlatform() {
        mu.lock();
        try {
            if (platform) {
                return;
            }
            if (done != null) {
                Linkname.chanHeldByPlatformThread(done);
            }
            if (children != null) {
                for (Canceler child : children) {
                    child.heldByPlatform();
                }
            }
            platform = true; // last: touchIfPlatform's racy test skips only finished marks
        } finally {
            mu.unlock();
        }
    }

    /** Makes done, marked first if this context is a platform thread's (see "Blocker"). Under mu. */
    private Chan<Void> makeDoneLocked() {
        Chan<Void> d = Chan.make();
        if (platform) {
            Linkname.chanHeldByPlatformThread(d);
        }
        done = d;
        return d;
    }

    @Override
    public Optional<Instant> deadline() {
        return deadline != null ? Optional.of(deadline) : parent.deadline();
    }

    @Override
    public RecvChan<Void> done() {
        touchIfPlatform();
        Chan<Void> d = done;
        if (d != null) {
            return d;
        }
        mu.lock();
        try {
            if (done == null) {
                return makeDoneLocked(); // cancel makes its own when it comes first
            }
            return done;
        } finally {
            mu.unlock();
        }
    }

    /**
     * Go's Err: null until done() is closed, then why. The error is written before the done
     * channel is closed (cancel), so a non-null one waits for the close, which is under way: "if
     * Done is not yet closed, Err returns nil" holds for a reader that races cancel, as Go's.
     */
    @Override
    public ContextException err() {
        touchIfPlatform();
        ContextException e = err;
        if (e != null) {
            done().recv(); // closed, or about to be: returns at once
        }
        return e;
    }

    @Override
    public Object value(Object key) {
        if (key == Contexts.CANCEL_CTX_KEY) {
            return this;
        }
        return parent.value(key);
    }

    /** Go's CancelFunc: cancels this context and its descendants with {@link Context#CANCELED}. Idempotent. */
    public void cancel() {
        cancel(true, CANCELED, null);
    }

    /**
     * Go's CancelCauseFunc: cancels with {@link Context#CANCELED} and records cause for
     * {@link Context#cause}; a null cause records CANCELED. Idempotent: only the first call counts.
     */
    public void cancel(Throwable cause) {
        cancel(true, CANCELED, cause);
    }

    /** Go's cancelCtx.cancel. */
    void cancel(boolean removeFromParent, ContextException e, Throwable c) {
        if (e == null) {
            throw new Panic("context: internal error: missing cancel error");
        }
        if (c == null) {
            c = e;
        }
        Set<Canceler> kids;
        mu.lock();
        try {
            if (err != null) {
                return; // already cancelled
            }
            cause = c;
            err = e;
            if (done == null) {
                // a channel of its own, not the shared closed one: its close is this cancel's
                // release, which a later done() or err() acquires (-race; Go: its atomic loads)
                makeDoneLocked();
            }
            done.close();
            kids = children;
            children = null;
            if (timer != null) {
                timer.stop();
                timer = null;
            }
            // Go cancels the children while holding the parent's lock.
            for (Canceler child : kids) {
                child.cancel(false, e, c);
            }
        } finally {
            mu.unlock();
        }
        if (removeFromParent) {
            Contexts.removeChild(parent, self);
        }
    }

    /** Registers child, or cancels it at once if this context is already cancelled. */
    void addChild(Canceler child) {
        ContextException e;
        Throwable c;
        mu.lock();
        try {
            if (err == null) {
                children.add(child);
                if (platform) {
                    child.heldByPlatform(); // under our mu: a concurrent heldByPlatform walks it otherwise
                }
                return;
            }
            e = err;
            c = cause;
        } finally {
            mu.unlock();
        }
        child.cancel(false, e, c);
    }

    void removeChild(Canceler child) {
        mu.lock();
        try {
            if (children != null) {
                children.remove(child);
            }
        } finally {
            mu.unlock();
        }
    }

    /** Arms the deadline timer unless already cancelled. */
    void armTimer(long nanosFromNow, Throwable c) {
        mu.lock();
        try {
            if (err == null) {
                timer = dev.gort.time.Time.afterFunc(java.time.Duration.ofNanos(nanosFromNow),
                        () -> cancel(true, DEADLINE_EXCEEDED, c));
            }
        } finally {
            mu.unlock();
        }
    }

    Throwable causeLocked() {
        mu.lock();
        try {
            return cause;
        } finally {
            mu.unlock();
        }
    }

    /** Registered children (tests: no leak after cancel). */
    int childCount() {
        mu.lock();
        try {
            return children == null ? 0 : children.size();
        } finally {
            mu.unlock();
        }
    }

    @Override
    public String toString() {
        return parent + (deadline != null ? ".WithDeadline(" + deadline + ")" : ".WithCancel");
    }
}
