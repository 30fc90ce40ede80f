package dev.gort.agent.race;

import com.google.common.collect.MapMaker;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.Future;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The happens-before edges of work handed to the JDK's executors, futures and fork/join pools
 * (see "Tasks, futures and threads" in FastTrack's essay for the design and its limits).
 *
 * A call that hands code to an executor or a CompletableFuture (a Submission) wraps each
 * functional argument in a Task. The Task is its own synchronisation address:
 *  - submission -> start: the submitter releases to the Task before the call; the Task acquires
 *    it when it starts to run, on whatever thread;
 *  - end -> get/join: the Task releases to itself when the code returns (or throws), and the
 *    Future or CompletionStage the call returned is linked to it, so whoever acquires the future
 *    (every call on a java.util.concurrent object acquires its receiver: get, join, isDone, ...)
 *    acquires the Task as well;
 *  - completion -> dependent stage: a Task made for a stage's dependent (thenApply, whenComplete,
 *    thenCombine, ...) acquires the stages it depends on when it starts; a Task whose function
 *    returns a stage (thenCompose) links itself to that stage;
 *  - end -> termination: a Task run by an executor releases to the executor's termination address,
 *    which close() and a successful awaitTermination() acquire; invokeAll/invokeAny acquire
 *    their Tasks when they return.
 * Fork/join tasks need no wrapper: fork/execute/submit release the ForkJoinTask, its compute()
 * (instrumented, being application code) acquires it at entry and releases it at exit, and
 * join/invoke/get acquire it.
 *
 * Weak maps key every table by the future, task or executor, so none outlives what it is about.
 */
final class Tasks {
    private Tasks() {}

    /** future or stage (or Task) -> the addresses acquiring it also acquires. Weak keys. */
    private static final ConcurrentMap<Object, Object[]> links = new MapMaker().weakKeys().makeMap();
    /** executor -> its termination address. Weak keys. */
    private static final ConcurrentMap<Object, Object> terminations = new MapMaker().weakKeys().makeMap();
    /** Set once the first link is made; until then acquire skips the lookup. */
    private static volatile boolean linked;
    /** How deep acquire follows links (a chain of stages; a cycle cannot loop for ever). */
    private static final int MAX_LINK_DEPTH = 16;

    /** Argument kinds, as the transformer classifies a parameter's declared type. */
    static final int FUNCTION = 0, BIFUNCTION = 1, CALLABLES = 2, STAGE = 3, EXECUTOR = 4, FJ_TASK = 5;

    /** One call that hands over work: what its Tasks need to know. Filled before the call, read after. */
    static final class Submission {
        final Object receiver;
        final boolean waits;
        final List<Object> tasks = new ArrayList<>(2);
        final List<Object> stages = new ArrayList<>(1);
        Object executor;

        Submission(Object receiver, boolean waits) {
            this.receiver = receiver;
            this.waits = waits;
            if (receiver instanceof Executor) {
                executor = receiver;
            }
            if (receiver instanceof CompletionStage<?> || receiver instanceof Future<?>) {
                stages.add(receiver);
            }
        }
    }

    /** Before a hand-over call's arguments are processed. */
    static Submission submission(Object receiver, boolean waits) {
        return new Submission(receiver, waits);
    }

    /** One argument of a hand-over call; returns what to pass instead (a Task for code). */
    static Object arg(Submission s, Object v, int kind) {
        if (v == null) {
            return null; // the call itself throws its NullPointerException
        }
        switch (kind) {
            case FUNCTION, BIFUNCTION -> {
                if (v instanceof ForkJoinTask<?> t) {
                    forkTask(s, t);
                    return v;
                }
                Wrapper t = kind == BIFUNCTION ? new BiTask(v, s) : new Task(v, s);
                start(t, s);
                if (v instanceof Future<?> || v instanceof CompletionStage<?>) {
                    link(v, t); // a FutureTask handed to execute(): its get() sees the end
                }
                return t;
            }
            case CALLABLES -> {
                if (!(v instanceof Collection<?> c)) {
                    return v;
                }
                for (Object e : c) {
                    if (e != null && !(e instanceof ForkJoinTask<?>) && !(e instanceof Callable<?>)) {
                        return v; // not tasks (an application's own invokeAll(Collection<String>)): no hand-over
                    }
                }
                List<Object> out = new ArrayList<>(c.size());
                for (Object e : c) {
                    if (e instanceof ForkJoinTask<?> t) {
                        forkTask(s, t);
                        out.add(t);
                    } else if (e != null) {
                        Task t = new Task(e, s);
                        start(t, s);
                        out.add(t);
                    } else {
                        out.add(null);
                    }
                }
                return out;
            }
            case STAGE -> {
                if (v instanceof Object[] a) {
                    for (Object o : a) {
                        if (o != null) {
                            s.stages.add(o);
                        }
                    }
                } else {
                    s.stages.add(v);
                }
                return v;
            }
            case EXECUTOR -> {
                s.executor = v;
                return v;
            }
            case FJ_TASK -> {
                if (v instanceof Object[] a) {
                    for (Object o : a) {
                        if (o instanceof ForkJoinTask<?> t) {
                            forkTask(s, t);
                        }
                    }
                } else if (v instanceof ForkJoinTask<?> t) {
                    forkTask(s, t);
                }
                return v;
            }
            default -> {
                return v;
            }
        }
    }

    private static void start(Wrapper t, Submission s) {
        s.tasks.add(t);
        FastTrack.INSTANCE.releaseMerge(t); // submission -> start
    }

    private static void forkTask(Submission s, ForkJoinTask<?> t) {
        s.tasks.add(t);
        FastTrack.INSTANCE.releaseMerge(t); // fork -> compute() (see computeBegin)
    }

    /** After the call returned result (null for void or a primitive). */
    static void done(Object result, Submission s) {
        if (result != null && result != s.receiver && (result instanceof Future<?> || result instanceof CompletionStage<?>)
                && !s.tasks.contains(result)) {
            List<Object> to = new ArrayList<>(s.tasks.size() + s.stages.size());
            to.addAll(s.tasks);
            to.addAll(s.stages);
            if (!to.isEmpty()) {
                link(result, to.toArray());
            }
        }
        if (s.waits) { // invoke, invokeAll, invokeAny: the tasks have ended (or been cancelled)
            for (Object t : s.tasks) {
                acquire(t, 0);
            }
        }
    }

    /** Acquiring from also acquires each of to (and what they link to). */
    static void link(Object from, Object... to) {
        links.merge(from, to, (a, b) -> {
            Object[] c = java.util.Arrays.copyOf(a, a.length + b.length);
            System.arraycopy(b, 0, c, a.length, b.length);
            return c;
        });
        linked = true;
    }

    /** Acquires what o links to (RaceRuntime.acquire has acquired o itself). */
    static void acquireLinks(Object o) {
        if (linked) {
            Object[] to = links.get(o);
            if (to != null) {
                for (Object t : to) {
                    acquire(t, 1);
                }
            }
        }
    }

    private static void acquire(Object o, int depth) {
        FastTrack.INSTANCE.acquire(o);
        if (depth < MAX_LINK_DEPTH && linked) {
            Object[] to = links.get(o);
            if (to != null) {
                for (Object t : to) {
                    acquire(t, depth + 1);
                }
            }
        }
    }

    /** The address a task's end releases to and close/awaitTermination of executor acquire. */
    static Object termination(Object executor) {
        return terminations.computeIfAbsent(executor, k -> new Object());
    }

    /** After executor.close(), or awaitTermination/awaitQuiescence that returned true. */
    static void terminated(Object executor) {
        Object t = terminations.get(executor);
        if (t != null) {
            FastTrack.INSTANCE.acquire(t);
        }
    }

    /** At entry of a compute() method: if this is a ForkJoinTask, it acquires its fork. */
    static void computeBegin(Object self) {
        if (self instanceof ForkJoinTask<?>) {
            acquire(self, 0);
        }
    }

    /** At exit of a compute() method: the end of a ForkJoinTask, for join/invoke/get. */
    static void computeEnd(Object self) {
        if (self instanceof ForkJoinTask<?>) {
            FastTrack.INSTANCE.releaseMerge(self);
        }
    }

    /**
     * Code handed to an executor or a stage, in place of the application's object, to which it
     * delegates. Task implements every functional interface such calls take but BiFunction (whose
     * andThen clashes with Function's), BiTask that one: the transformer casts it back to the
     * parameter's type.
     */
    abstract static class Wrapper {
        final Object fn;
        final Submission sub;

        Wrapper(Object fn, Submission sub) {
            this.fn = fn;
            this.sub = sub;
        }

        /** Acquires the submission and the stages it depends on; returns the shadow stack depth. */
        final int begin() {
            ThreadState ts = FastTrack.ts();
            acquire(this, 0);
            for (Object st : sub.stages) {
                acquire(st, 0);
            }
            return ts.depth;
        }

        /** Releases the task's end (to itself and to its executor's termination). */
        final void end(int depth, Object result) {
            if (result instanceof CompletionStage<?> || result instanceof Future<?>) {
                link(this, result); // thenCompose: the stage completes when result does
            }
            FastTrack.INSTANCE.releaseMerge(this);
            if (sub.executor != null) {
                FastTrack.INSTANCE.releaseMerge(termination(sub.executor));
            }
            FastTrack.ts().depth = depth;
        }

        @Override
        public String toString() {
            return fn.toString();
        }
    }

    /** A wrapper for every functional type but BiFunction. */
    static final class Task extends Wrapper implements Runnable, Callable<Object>, Supplier<Object>,
            Function<Object, Object>, Consumer<Object>, BiConsumer<Object, Object> {
        Task(Object fn, Submission sub) {
            super(fn, sub);
        }

        @Override
        public void run() {
            int d = begin();
            try {
                ((Runnable) fn).run();
            } finally {
                end(d, null);
            }
        }

        @Override
        public Object call() throws Exception {
            int d = begin();
            Object r = null;
            try {
                return r = ((Callable<?>) fn).call();
            } finally {
                end(d, r);
            }
        }

        @Override
        public Object get() {
            int d = begin();
            Object r = null;
            try {
                return r = ((Supplier<?>) fn).get();
            } finally {
                end(d, r);
            }
        }

        @Override
        @SuppressWarnings("unchecked")
        public Object apply(Object a) {
            int d = begin();
            Object r = null;
            try {
                return r = ((Function<Object, ?>) fn).apply(a);
            } finally {
                end(d, r);
            }
        }

        @Override
        @SuppressWarnings("unchecked")
        public void accept(Object a) {
            int d = begin();
            try {
                ((Consumer<Object>) fn).accept(a);
            } finally {
                end(d, null);
            }
        }

        @Override
        @SuppressWarnings("unchecked")
        public void accept(Object a, Object b) {
            int d = begin();
            try {
                ((BiConsumer<Object, Object>) fn).accept(a, b);
            } finally {
                end(d, null);
            }
        }
    }

    /** A wrapper for a BiFunction (thenCombine, handle). */
    static final class BiTask extends Wrapper implements BiFunction<Object, Object, Object> {
        BiTask(Object fn, Submission sub) {
            super(fn, sub);
        }

        @Override
        @SuppressWarnings("unchecked")
        public Object apply(Object a, Object b) {
            int d = begin();
            Object r = null;
            try {
                return r = ((BiFunction<Object, Object, ?>) fn).apply(a, b);
            } finally {
                end(d, r);
            }
        }
    }
}
