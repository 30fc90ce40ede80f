package dev.gort.agent.race;

import com.google.common.collect.MapMaker;

import java.util.concurrent.ConcurrentMap;

/**
 * The calls the agent inserts into application code in race mode (Go's compiler inserts
 * runtime.raceread/racewrite and friends the same way). Public because instrumented classes in
 * any package call them; not an API.
 */
public final class RaceRuntime {
    private RaceRuntime() {}

    /** Internal name, for the transformer. */
    public static final String NAME = "dev/gort/agent/race/RaceRuntime";

    /** Condition -> its Lock, recorded at newCondition() call sites (await releases the lock). */
    private static final ConcurrentMap<Object, Object> conditionLocks = new MapMaker().weakKeys().makeMap();

    // ---------------------------------------------------------------- fields and arrays

    /** After GETFIELD o.f at site. */
    public static void read(Object o, int site) {
        if (o == null) {
            return;
        }
        Sites.FieldInfo f = Sites.get(site).field();
        if (f.isFinal) {
            return;
        }
        ThreadState ts = FastTrack.ts();
        VarState x = Shadows.field(ts, o, f);
        if (f.isVolatile) {
            FastTrack.acquire(ts, x);
        } else {
            FastTrack.read(ts, x, site, o, f);
        }
    }

    /** Before PUTFIELD o.f at site. */
    public static void write(Object o, int site) {
        if (o == null) {
            return;
        }
        Sites.FieldInfo f = Sites.get(site).field();
        if (f.isFinal) {
            return;
        }
        ThreadState ts = FastTrack.ts();
        VarState x = Shadows.field(ts, o, f);
        if (f.isVolatile) {
            FastTrack.release(ts, x, true);
        } else {
            FastTrack.write(ts, x, site, o, f);
        }
    }

    /** After GETSTATIC at site. */
    public static void readStatic(int site) {
        Sites.FieldInfo f = Sites.get(site).field();
        if (f.isFinal) {
            return;
        }
        ThreadState ts = FastTrack.ts();
        VarState x = Shadows.staticField(f);
        if (f.isVolatile) {
            FastTrack.acquire(ts, x);
        } else {
            FastTrack.read(ts, x, site, null, f);
        }
    }

    /** Before PUTSTATIC at site. */
    public static void writeStatic(int site) {
        Sites.FieldInfo f = Sites.get(site).field();
        if (f.isFinal) {
            return;
        }
        ThreadState ts = FastTrack.ts();
        VarState x = Shadows.staticField(f);
        if (f.isVolatile) {
            FastTrack.release(ts, x, true);
        } else {
            FastTrack.write(ts, x, site, null, f);
        }
    }

    /** Before xALOAD a[i] at site. */
    public static void readArray(Object a, int i, int site) {
        if (a == null) {
            return;
        }
        ThreadState ts = FastTrack.ts();
        ArrayShadow sh = Shadows.array(ts, a);
        if (i >= 0 && i < sh.length()) { // else the access itself throws
            sh.read(ts, i, site, a);
        }
    }

    /** Before xASTORE a[i] at site. */
    public static void writeArray(Object a, int i, int site) {
        if (a == null) {
            return;
        }
        ThreadState ts = FastTrack.ts();
        ArrayShadow sh = Shadows.array(ts, a);
        if (i >= 0 && i < sh.length()) {
            sh.write(ts, i, site, a);
        }
    }

    /** How calls on a collection's class are treated. */
    private static final ClassValue<Integer> COLLECTION_KIND = new ClassValue<>() {
        @Override
        protected Integer computeValue(Class<?> c) {
            String n = c.getName();
            if (n.startsWith("java.util.concurrent.") || n.startsWith("java.util.Collections$Synchronized")
                    || n.equals("java.util.Vector") || n.equals("java.util.Stack")
                    || n.equals("java.util.Hashtable")) {
                return SYNCHRONISED;
            }
            if (n.startsWith("java.util.") && !n.startsWith("java.util.ImmutableCollections")
                    && !n.startsWith("java.util.Collections$Unmodifiable")) {
                return CHECKED;
            }
            return IGNORED; // the application's own collections are instrumented themselves
        }
    };
    private static final int CHECKED = 0, SYNCHRONISED = 1, IGNORED = 2;

    /** The whole contents of a JDK collection, as one variable. */
    private static final Sites.FieldInfo CONTENTS = new Sites.FieldInfo("<contents>", null, false, false, false);

    /**
     * Before a call on a java.util collection c at site (a read or a write, by the site's kind).
     * Thread-safe JDK collections (concurrent, synchronized wrappers, Vector) synchronise instead:
     * a release here, an acquire in collectionDone.
     */
    public static void collection(Object c, int site) {
        if (c == null) {
            return;
        }
        switch (COLLECTION_KIND.get(c.getClass())) {
            case CHECKED -> {
                ThreadState ts = FastTrack.ts();
                VarState x = Shadows.field(ts, c, CONTENTS);
                if (Sites.get(site).kind == Sites.WRITE) {
                    FastTrack.write(ts, x, site, c, CONTENTS);
                } else {
                    FastTrack.read(ts, x, site, c, CONTENTS);
                }
            }
            case SYNCHRONISED -> release(c); // and acquire after the call: collectionDone
            default -> {
            }
        }
    }

    /**
     * After a call on a java.util collection c: a thread-safe one (see collection) acquires, as
     * any j.u.c call does after it returns. Acquiring before the call, with the release, would miss
     * the release of a put that the call then observes: a false race on what the put published.
     */
    public static void collectionDone(Object c) {
        if (c != null && COLLECTION_KIND.get(c.getClass()) == SYNCHRONISED) {
            acquire(c);
        }
    }

    // ---------------------------------------------------------------- synchronisation

    /** After MONITORENTER, at synchronized-method entry, after Object.wait and after a j.u.c call. */
    public static void acquire(Object o) {
        if (o == null) {
            return;
        }
        FastTrack.INSTANCE.acquire(o);
        Tasks.acquireLinks(o);
        if (!conditionLocks.isEmpty()) {
            Object lock = conditionLocks.get(o);
            if (lock != null) {
                FastTrack.INSTANCE.acquire(lock);
            }
        }
    }

    /** Before MONITOREXIT, at synchronized-method exit, before Object.wait and before a j.u.c call. */
    public static void release(Object o) {
        if (o == null) {
            return;
        }
        if (!conditionLocks.isEmpty()) {
            Object lock = conditionLocks.get(o);
            if (lock != null) {
                FastTrack.INSTANCE.releaseMerge(lock);
            }
        }
        FastTrack.INSTANCE.releaseMerge(o);
    }

    /** After lock.newCondition() returned cond. */
    public static void newCondition(Object cond, Object lock) {
        if (cond != null && lock != null) {
            conditionLocks.put(cond, lock);
        }
    }

    // ---------------------------------------------------------------- shadow call stack

    /** At an instrumented method's entry: the thread's state, kept in a local for the calls below. */
    public static Object enter() {
        return FastTrack.ts();
    }

    /** At an instrumented method's entry: the shadow stack's depth, which every call returns to. */
    public static int depth(Object ts) {
        return ((ThreadState) ts).depth;
    }

    /** Before an instrumented call at site (Go's racefuncenter, from the caller's side). */
    public static void call(Object ts, int site) {
        ((ThreadState) ts).push(site);
    }

    /** After a call returned, and at an exception handler's start: back to the method's depth. */
    public static void ret(Object ts, int depth) {
        ((ThreadState) ts).depth = depth;
    }

    // ---------------------------------------------------------------- tasks, futures, threads

    /** Argument kinds of a hand-over call, for arg (see Tasks). */
    public static final int ARG_FUNCTION = Tasks.FUNCTION, ARG_BIFUNCTION = Tasks.BIFUNCTION,
            ARG_CALLABLES = Tasks.CALLABLES, ARG_STAGE = Tasks.STAGE, ARG_EXECUTOR = Tasks.EXECUTOR,
            ARG_FJ_TASK = Tasks.FJ_TASK;

    /** Before a call that hands code to an executor or a stage (see Tasks). */
    public static Object submission(Object receiver, boolean waits) {
        return Tasks.submission(receiver, waits);
    }

    /** One argument of that call, of kind Tasks.FUNCTION..FJ_TASK: what to pass instead. */
    public static Object arg(Object submission, Object value, int kind) {
        return Tasks.arg((Tasks.Submission) submission, value, kind);
    }

    /** After that call returned result (null if void or primitive). */
    public static void submitted(Object result, Object submission) {
        Tasks.done(result, (Tasks.Submission) submission);
    }

    /** After executor.close(). */
    public static void closed(Object executor) {
        if (executor != null) {
            Tasks.terminated(executor);
        }
    }

    /** After awaitTermination/awaitQuiescence on executor returned ok. */
    public static boolean awaited(boolean ok, Object executor) {
        if (ok && executor != null) {
            Tasks.terminated(executor);
        }
        return ok;
    }

    /** At entry of an instrumented compute() method (ForkJoinTask's body). */
    public static void computeBegin(Object self) {
        Tasks.computeBegin(self);
    }

    /** At exit of an instrumented compute() method. */
    public static void computeEnd(Object self) {
        Tasks.computeEnd(self);
    }

    /** Before fork() on o: releases o if it is a ForkJoinTask (its compute() acquires it). */
    public static void fork(Object o) {
        if (o instanceof java.util.concurrent.ForkJoinTask<?>) {
            FastTrack.INSTANCE.releaseMerge(o);
        }
    }

    /** After join()/invoke()/get() on o: acquires o if it is a ForkJoinTask. */
    public static void joined(Object o) {
        if (o instanceof java.util.concurrent.ForkJoinTask<?>) {
            acquire(o);
        }
    }

    /**
     * Replaces builder.start(task) (Thread.Builder: ofVirtual(), ofPlatform()): the same
     * unstarted(task) then start(), with the fork edge in between, as for Thread.start.
     */
    public static Thread builderStart(Object builder, Runnable task) {
        Thread t = ((Thread.Builder) builder).unstarted(task);
        threadStart(t);
        t.start();
        return t;
    }

    /** Replaces Thread.startVirtualThread(task). */
    public static Thread startVirtualThread(Runnable task) {
        return builderStart(Thread.ofVirtual(), task);
    }

    /** Before a call to start() on o: a fork if o is an unstarted Thread. */
    public static void threadStart(Object o) {
        if (o instanceof Thread t && t.getState() == Thread.State.NEW) {
            FastTrack.fork(t);
        }
    }

    /** After a call to join(...) on o: a join if o is a Thread that has ended. */
    public static void threadJoin(Object o) {
        if (o instanceof Thread t) {
            FastTrack.join(t);
        }
    }
}
