package dev.gort.context;

import dev.gort.chan.RecvChan;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * Go's {@code context.Context}: carries a deadline, a cancellation signal and request-scoped
 * values across API boundaries and between goroutines.
 *
 * <p>A context is done when it is cancelled, when its deadline passes, or when its parent is done;
 * then {@link #done()} is closed (a receive, or a {@code Select} case on it, proceeds) and
 * {@link #err()} returns {@link #CANCELED} or {@link #DEADLINE_EXCEEDED}. Cancellation propagates
 * from a parent to all its descendants; a cancelled child is unlinked from its parent at once, so a
 * long-lived parent does not accumulate dead children. All methods are safe for concurrent use.
 *
 * <pre>{@code
 * var ctx = Context.withTimeout(Context.background(), Duration.ofMillis(50));
 * try {
 *     new Select()
 *         .recv(results, r -> use(r))
 *         .recv(ctx.done(), x -> System.out.println(ctx.err())) // context deadline exceeded
 *         .run();
 * } finally {
 *     ctx.cancel(); // always release the context's resources
 * }
 * }</pre>
 *
 * <p>Implement this interface only to wrap contexts; derive contexts with the static methods.
 * Each derivation (withCancel, withCancelCause, withDeadline*, withTimeout*, withValue,
 * withoutCancel, afterFunc) throws a {@code NullPointerException} with Go's panic message
 * "cannot create context from nil parent" when the parent is null. A user context whose done
 * channel closes while its {@link #err()} is still null breaks this contract; a child deriving
 * from it then panics ({@link dev.gort.Panic}) with Go's "context: internal error: missing
 * cancel error".
 */
public interface Context {
    /** Go's {@code context.Canceled}: "context canceled". */
    ContextException CANCELED = ContextException.CANCELED;
    /** Go's {@code context.DeadlineExceeded}: "context deadline exceeded". */
    ContextException DEADLINE_EXCEEDED = ContextException.DEADLINE_EXCEEDED;

    /** Go's {@code Deadline()}: when this context will be cancelled for time, if ever. */
    Optional<Instant> deadline();

    /**
     * Go's {@code Done()}: a channel closed when this context is done, or null (Go's nil channel)
     * if it can never be cancelled. Nothing is ever sent on it. Successive calls return the same
     * channel.
     */
    RecvChan<Void> done();

    /**
     * Go's {@code Err()}: null while not done; then {@link #CANCELED} if cancelled, or
     * {@link #DEADLINE_EXCEEDED} if its deadline passed. Stays the same once non-null.
     */
    ContextException err();

    /** Go's {@code Value(key)}: the value bound to key here or in an ancestor, or null. */
    Object value(Object key);

    // ------------------------------------------------------------------ roots

    /** Go's {@code context.Background()}: never cancelled, no deadline, no values. */
    static Context background() {
        return Contexts.BACKGROUND;
    }

    /** Go's {@code context.TODO()}: as background, for code not yet given a context. */
    static Context todo() {
        return Contexts.TODO;
    }

    // ------------------------------------------------------------------ derived

    /**
     * Go's {@code context.WithCancel}: a child of parent that is done when its {@code cancel()} is
     * called or parent is done. Call {@code cancel()} as soon as the work is done, to unlink it.
     */
    static CancelContext withCancel(Context parent) {
        return Contexts.withCancel(parent, null);
    }

    /**
     * Go's {@code context.WithCancelCause}: as withCancel; {@link CancelContext#cancel(Throwable)}
     * records a cause, which {@link #cause(Context)} returns (err() is still {@link #CANCELED}).
     */
    static CancelContext withCancelCause(Context parent) {
        return Contexts.withCancel(parent, null);
    }

    /**
     * Go's {@code context.WithDeadline}: a child that is done at d (with
     * {@link #DEADLINE_EXCEEDED}), when cancelled, or when parent is done. If parent's deadline is
     * earlier the child simply follows it.
     */
    static CancelContext withDeadline(Context parent, Instant d) {
        return Contexts.withDeadline(parent, d, null);
    }

    /** Go's {@code context.WithDeadlineCause}: as withDeadline; cause is recorded when the deadline passes. */
    static CancelContext withDeadlineCause(Context parent, Instant d, Throwable cause) {
        return Contexts.withDeadline(parent, d, cause);
    }

    /** Go's {@code context.WithTimeout}: {@code withDeadline(parent, now + timeout)}. */
    static CancelContext withTimeout(Context parent, Duration timeout) {
        return Contexts.withDeadline(parent, Contexts.deadlineAfter(timeout), null);
    }

    /** Go's {@code context.WithTimeoutCause}. */
    static CancelContext withTimeoutCause(Context parent, Duration timeout, Throwable cause) {
        return Contexts.withDeadline(parent, Contexts.deadlineAfter(timeout), cause);
    }

    /**
     * Go's {@code context.WithValue}: a child carrying key -&gt; val. Keys are compared with
     * {@code equals}; use a private key type to avoid collisions.
     *
     * @throws NullPointerException if key is null (Go: "nil key")
     */
    static Context withValue(Context parent, Object key, Object val) {
        return Contexts.withValue(parent, key, val);
    }

    /**
     * Go's {@code context.WithoutCancel}: a child with parent's values that is never cancelled
     * and has no deadline.
     */
    static Context withoutCancel(Context parent) {
        return Contexts.withoutCancel(parent);
    }

    /**
     * Go's {@code context.AfterFunc}: runs f in its own goroutine once ctx is done (at once if it
     * already is). The returned stop function unregisters f: it returns true if that stopped f
     * from being run, false if f has already been started or stop was already called.
     */
    static BooleanSupplier afterFunc(Context ctx, Runnable f) {
        return Contexts.afterFunc(ctx, f);
    }

    /**
     * Go's {@code context.Cause}: why c was cancelled: the cause given to
     * {@link CancelContext#cancel(Throwable)} (or withDeadlineCause), else {@link #err()}; null
     * while c is not done.
     */
    static Throwable cause(Context c) {
        return Contexts.cause(c);
    }
}
