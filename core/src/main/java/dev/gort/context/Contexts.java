package dev.gort.context;

import dev.gort.Go;
import dev.gort.chan.RecvChan;
import dev.gort.chan.Select;
import dev.gort.sync.Once;
import dev.gort.time.Time;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/*
 * Contexts: the implementation behind Context's static methods, after Go's src/context/context.go
 * (emptyCtx, propagateCancel, parentCancelCtx, removeChild, valueCtx, withoutCancelCtx,
 * afterFuncCtx, Cause).
 *
 * Concepts
 * --------
 * A context tree: roots (background, todo) never cancel; CancelContext nodes cancel themselves
 * and every registered descendant; value and withoutCancel nodes are transparent links. A
 * CancelContext registers with its nearest cancelable ancestor (parentCancelCtx: found through
 * value(CANCEL_CTX_KEY), and only if that ancestor's done channel is the very channel the parent
 * reports, so a user wrapper that overrides done() is respected). Otherwise, if the parent can be
 * cancelled at all, one goroutine per child selects on both done channels (Go does the same).
 *
 * Differences from Go
 * -------------------
 *  - The done channel is a Chan<Void>; Go's is chan struct{}. A context cancelled before anyone
 *    asked for its done channel gets a closed one of its own, not a shared one (Go's closedchan):
 *    its close is the cancel's release for the race detector, which done() and err() acquire.
 *  - No goroutine counter for tests (Go's `goroutines` variable).
 */
final class Contexts {
    private Contexts() {}

    /** Go's cancelCtxKey: value(CANCEL_CTX_KEY) returns the nearest CancelContext. */
    static final Object CANCEL_CTX_KEY = new Object();

    /** A context that is never cancelled and has no deadline: Go's emptyCtx and withoutCancelCtx. */
    private interface NeverDone extends Context {
        @Override
        default Optional<Instant> deadline() {
            return Optional.empty();
        }

        @Override
        default RecvChan<Void> done() {
            return null;
        }

        @Override
        default ContextException err() {
            return null;
        }
    }

    /** Go's emptyCtx. */
    private record Empty(String name) implements NeverDone {
        @Override
        public Object value(Object key) {
            return null;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static final Context BACKGROUND = new Empty("context.Background");
    static final Context TODO = new Empty("context.TODO");

    private static Context checkParent(Context parent) {
        return Objects.requireNonNull(parent, "cannot create context from nil parent");
    }

    static CancelContext withCancel(Context parent, Instant deadline) {
        CancelContext c = new CancelContext(checkParent(parent), deadline);
        propagateCancel(parent, c, c.self);
        return c;
    }

    /** Go's propagateCancel: arrange for child (registered as `as`) to be cancelled when parent is. */
    static void propagateCancel(Context parent, CancelContext child, CancelContext.Canceler as) {
        RecvChan<Void> pdone = parent.done();
        if (pdone == null) {
            return; // parent is never cancelled
        }
        if (parent.err() != null) {
            as.cancel(false, parent.err(), cause(parent));
            return;
        }
        CancelContext p = parentCancelCtx(parent, pdone);
        if (p != null) {
            p.addChild(as);
            return;
        }
        // A foreign Context: watch both done channels in a goroutine.
        RecvChan<Void> cdone = child.done();
        Go.go("gort: context.propagateCancel", () -> new Select()
                .recv(pdone, v -> as.cancel(false, parent.err(), cause(parent)))
                .recv(cdone, v -> { })
                .run());
    }

    /** Go's parentCancelCtx: the CancelContext whose done channel parent reports, or null. */
    private static CancelContext parentCancelCtx(Context parent, RecvChan<Void> pdone) {
        if (!(parent.value(CANCEL_CTX_KEY) instanceof CancelContext p)) {
            return null;
        }
        return p.done() == pdone ? p : null;
    }

    /** Go's removeChild: unlink child from its nearest cancelable ancestor. */
    static void removeChild(Context parent, CancelContext.Canceler child) {
        if (parent.value(CANCEL_CTX_KEY) instanceof CancelContext p) {
            p.removeChild(child);
        }
    }

    static Instant deadlineAfter(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout is null");
        try {
            return Time.now().plus(timeout);
        } catch (ArithmeticException | java.time.DateTimeException e) {
            return Instant.MAX;
        }
    }

    static CancelContext withDeadline(Context parent, Instant d, Throwable cause) {
        checkParent(parent);
        Objects.requireNonNull(d, "deadline is null");
        Optional<Instant> cur = parent.deadline();
        if (cur.isPresent() && cur.get().isBefore(d)) {
            return withCancel(parent, null); // the current deadline is already sooner
        }
        CancelContext c = withCancel(parent, d);
        long ns;
        try {
            ns = Duration.between(Time.now(), d).toNanos();
        } catch (ArithmeticException e) {
            ns = Long.MAX_VALUE;
        }
        if (ns <= 0) {
            c.cancel(true, Context.DEADLINE_EXCEEDED, cause); // deadline has already passed
            return c;
        }
        c.armTimer(ns, cause);
        return c;
    }

    /** Go's valueCtx. */
    private record Value(Context parent, Object key, Object val) implements Context {
        @Override
        public Optional<Instant> deadline() {
            return parent.deadline();
        }

        @Override
        public RecvChan<Void> done() {
            return parent.done();
        }

        @Override
        public ContextException err() {
            return parent.err();
        }

        @Override
        public Object value(Object k) {
            return key.equals(k) ? val : parent.value(k);
        }

        @Override
        public String toString() {
            return parent + ".WithValue(" + key + ", " + val + ")";
        }
    }

    static Context withValue(Context parent, Object key, Object val) {
        checkParent(parent);
        if (key == null) {
            throw new NullPointerException("nil key");
        }
        return new Value(parent, key, val);
    }

    /** Go's withoutCancelCtx. */
    private record WithoutCancel(Context parent) implements NeverDone {
        @Override
        public Object value(Object k) {
            return k == CANCEL_CTX_KEY ? null : parent.value(k);
        }

        @Override
        public String toString() {
            return parent + ".WithoutCancel";
        }
    }

    static Context withoutCancel(Context parent) {
        return new WithoutCancel(checkParent(parent));
    }

    /** Go's AfterFunc and afterFuncCtx. */
    static BooleanSupplier afterFunc(Context ctx, Runnable f) {
        checkParent(ctx);
        Objects.requireNonNull(f, "afterFunc: f is null");
        CancelContext a = new CancelContext(ctx, null);
        Once once = new Once();
        CancelContext.Canceler[] self = new CancelContext.Canceler[1];
        self[0] = (removeFromParent, err, cause) -> {
            a.cancel(false, err, cause);
            if (removeFromParent) {
                removeChild(ctx, self[0]);
            }
            once.run(() -> Go.go(f));
        };
        propagateCancel(ctx, a, self[0]);
        return () -> {
            boolean[] stopped = {false};
            once.run(() -> stopped[0] = true);
            if (stopped[0]) {
                self[0].cancel(true, Context.CANCELED, null);
            }
            return stopped[0];
        };
    }

    /**
     * Go's Cause: the nearest cancel context's cause if it has one; else c's own error, which a
     * custom context that cancelled itself under a live cancel context has without a cause.
     *
     * A cancel context's cause is set with its error, under its lock (never null once cancelled),
     * so for c itself the one read is exact. For a context derived from it, the cancel may land
     * between the read of the cause and that of c.err(): Go's Cause then returns the bare error
     * (Canceled where a cause was given; TestCauseRace's window). Here a non-null error is
     * followed by a second read of the cause, which is set by then if that cancel set the error.
     */
    static Throwable cause(Context c) {
        if (c.value(CANCEL_CTX_KEY) instanceof CancelContext cc) {
            Throwable t = cc.causeLocked();
            if (t != null || cc == c) {
                return t;
            }
            Throwable e = c.err();
            if (e == null) {
                return null;
            }
            t = cc.causeLocked();
            return t != null ? t : e;
        }
        return c.err();
    }
}
