package dev.gort.errgroup;

import dev.gort.Go;
import dev.gort.Panic;
import dev.gort.chan.Chan;
import dev.gort.context.CancelContext;
import dev.gort.context.Context;
import dev.gort.sync.Once;
import dev.gort.sync.WaitGroup;

/*
 * Group: golang.org/x/sync/errgroup.Group, in its own package as Go keeps it (x/sync/errgroup, not
 * sync): it needs context, and context needs sync's Mutex and Once, so in sync it would close a loop
 * sync -> context -> sync.
 *
 * A WaitGroup counts the tasks; the first task error is kept (a Once guards it) and cancels the
 * group's context, if it has one, with that error as the cause; await waits for every task, then
 * cancels the context (so a derived context never leaks) and returns the first error. setLimit
 * bounds the number of active tasks with a buffered channel of tokens, exactly as errgroup's
 * `sem chan token`: go sends a token (blocking while the group is full), a task's end receives it.
 *
 * Differences from errgroup: a task is a Task (a Runnable that may throw); any Exception it throws
 * is its error (Go returns an error value). A java.lang.Error is not an error value: it escapes the
 * task's goroutine as a panic, as a panic does in Go.
 */
/**
 * An {@code errgroup.Group}: a collection of goroutines working on subtasks of a common task.
 * {@link #await} waits for all of them and returns the first error; with {@link #withContext} the
 * first error also cancels the group's {@link #context()}. A zero Group (new Group()) has no
 * limit and does not cancel anything on error.
 */
public final class Group {
    /** A subtask: its error is whatever Exception it throws. */
    @FunctionalInterface
    public interface Task {
        /** Does the work; an exception it throws is the task's error. */
        void run() throws Exception;
    }

    private final CancelContext ctx;
    private final WaitGroup wg = new WaitGroup();
    private final Once errOnce = new Once();
    /** Written once under errOnce; read after wg.await (which orders it). */
    private volatile Exception err;
    /** Tokens for setLimit; null means no limit. Written by setLimit, which must not race with go. */
    private volatile Chan<Object> sem;

    /** A group without a context and without a limit. */
    public Group() {
        this.ctx = null;
    }

    private Group(CancelContext ctx) {
        this.ctx = ctx;
    }

    /**
     * errgroup's {@code WithContext}: a group whose {@link #context()} derives from ctx and is
     * cancelled the first time a task fails or when {@link #await} returns, whichever is first.
     */
    public static Group withContext(Context ctx) {
        return new Group(Context.withCancelCause(ctx));
    }

    /** The derived context (for withContext groups), else {@link Context#background()}. */
    public Context context() {
        return ctx != null ? ctx : Context.background();
    }

    /**
     * Runs f in a new goroutine. The first call to fail (throw) sets the group's error and
     * cancels its context. With a limit, blocks until a task slot is free.
     */
    public void go(Task f) {
        if (f == null) {
            throw new NullPointerException("Group.go: f is null");
        }
        Chan<Object> s = sem;
        if (s != null) {
            s.send(Boolean.TRUE);
        }
        start(f, s);
    }

    /** Runs f in a new goroutine only if the limit allows it now; reports whether it started. */
    public boolean tryGo(Task f) {
        if (f == null) {
            throw new NullPointerException("Group.tryGo: f is null");
        }
        Chan<Object> s = sem;
        if (s != null && !s.trySend(Boolean.TRUE)) {
            return false;
        }
        start(f, s);
        return true;
    }

    private void start(Task f, Chan<Object> s) {
        wg.add(1);
        Go.go(() -> {
            try {
                f.run();
            } catch (Exception e) {
                errOnce.run(() -> {
                    err = e;
                    if (ctx != null) {
                        ctx.cancel(e);
                    }
                });
            } finally {
                if (s != null) {
                    s.recv();
                }
                wg.done();
            }
        });
    }

    /**
     * Waits for every task started with go, then returns the first error (null if none). A
     * withContext group's context is cancelled by then.
     */
    public Exception await() {
        wg.await();
        if (ctx != null) {
            ctx.cancel(err);
        }
        return err;
    }

    /**
     * Limits the number of active tasks to n (negative: no limit; 0 blocks every go). Must not
     * be called while tasks are active, except to lift the limit (n negative), as Go's.
     *
     * @throws Panic "errgroup: modify limit while N goroutines in the group are still active" (n >= 0)
     */
    public void setLimit(int n) {
        if (n < 0) {
            sem = null; // as Go: lifting the limit is allowed at any time (running tasks hold their own semaphore)
            return;
        }
        Chan<Object> s = sem;
        if (s != null && s.len() != 0) {
            throw new Panic("errgroup: modify limit while " + s.len() + " goroutines in the group are still active");
        }
        sem = Chan.make(n);
    }
}
