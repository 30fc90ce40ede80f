package dev.gort.trace;

import dev.gort.context.Context;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * User annotations for the execution tracer, as Go's {@code runtime/trace}: tasks (a logical
 * operation, possibly spanning goroutines), regions (a stretch of one goroutine's time, within a
 * task) and log messages. The viewer ({@code gort trace FILE}) shows regions on the goroutine's
 * lane, and lists tasks and logs. While no trace or flight recorder runs, each call costs a field
 * read (a task still gets its id and context).
 * <pre>{@code
 * try (Task t = Trace.task(ctx, "order")) {
 *     Context c = t.context();                         // pass it on: children join the task
 *     try (Region r = Trace.region(c, "validate")) { validate(o); }
 *     Trace.log(c, "orderID", o.id());
 * }
 * }</pre>
 * A task travels in a {@link Context} as Go's does; {@code null} is the background context.
 */
public final class Trace {
    private Trace() {}

    private static final AtomicLong TASKS = new AtomicLong();
    /** The context key of the current task. */
    private static final Object TASK_KEY = new Object() {
        @Override
        public String toString() {
            return "trace.task";
        }
    };

    /** Whether a trace or flight recorder records annotations now (Go's {@code trace.IsEnabled}). */
    public static boolean isEnabled() {
        return dev.gort.runtime.Linkname.traceRecording();
    }

    /**
     * Go's {@code trace.NewTask}: begins a task named {@code name}, a child of {@code ctx}'s task if
     * it has one. End it with {@link Task#end()} (or try-with-resources).
     * @throws NullPointerException if name is null
     */
    public static Task task(Context ctx, String name) {
        Objects.requireNonNull(name, "task: name is null");
        Context parent = ctx != null ? ctx : Context.background();
        long id = TASKS.incrementAndGet();
        dev.gort.runtime.Linkname.traceUserTask(id, taskOf(parent), name);
        return new Task(id, Context.withValue(parent, TASK_KEY, id));
    }

    /**
     * Go's {@code trace.StartRegion}: the calling goroutine enters region {@code name} of ctx's task;
     * {@link Region#end()} (or try-with-resources) leaves it, on the same goroutine.
     * @throws NullPointerException if name is null
     */
    public static Region region(Context ctx, String name) {
        Objects.requireNonNull(name, "region: name is null");
        long task = taskOf(ctx);
        dev.gort.runtime.Linkname.traceUserRegion(task, name, true);
        return new Region(task, name);
    }

    /** Go's {@code trace.WithRegion}: runs fn inside region {@code name}. */
    public static void region(Context ctx, String name, Runnable fn) {
        try (Region r = region(ctx, name)) {
            fn.run();
        }
    }

    /**
     * Go's {@code trace.Log}: records message under category (may be empty) in ctx's task.
     * @throws NullPointerException if category or message is null
     */
    public static void log(Context ctx, String category, String message) {
        Objects.requireNonNull(category, "log: category is null");
        Objects.requireNonNull(message, "log: message is null");
        dev.gort.runtime.Linkname.traceUserLog(taskOf(ctx), category, message);
    }

    private static long taskOf(Context ctx) {
        return ctx != null && ctx.value(TASK_KEY) instanceof Long id ? id : 0;
    }

    /** A task: Go's {@code *trace.Task}. */
    public static final class Task implements AutoCloseable {
        private final long id;
        private final Context ctx;

        Task(long id, Context ctx) {
            this.id = id;
            this.ctx = ctx;
        }

        /** The context that carries this task: pass it to {@link #region}, {@link #log} and subtasks. */
        public Context context() {
            return ctx;
        }

        /** Ends the task (Go's {@code Task.End}). */
        public void end() {
            dev.gort.runtime.Linkname.traceUserTaskEnd(id);
        }

        @Override
        public void close() {
            end();
        }
    }

    /** A region: Go's {@code *trace.Region}. */
    public static final class Region implements AutoCloseable {
        private final long task;
        private final String name;

        Region(long task, String name) {
            this.task = task;
            this.name = name;
        }

        /** Leaves the region (Go's {@code Region.End}); call it on the goroutine that entered it. */
        public void end() {
            dev.gort.runtime.Linkname.traceUserRegion(task, name, false);
        }

        @Override
        public void close() {
            end();
        }
    }
}
