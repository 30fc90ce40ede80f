package dev.gort.runtime;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.util.concurrent.Executor;

/*
 * VThreads: the only place gort touches the JDK's virtual-thread internals.
 *
 * A goroutine is a java.lang.VirtualThread built with the package-private constructor
 * VirtualThread(Executor scheduler, String name, int characteristics, Runnable task). The scheduler
 * we pass is the G itself (G implements Executor), so every time the JDK wants the thread to run
 * (start, unpark, monitor unblock, yield) it calls G.execute(runContinuation) and gort decides
 * which P's queue the G goes to. All of this needs one JVM flag,
 *     --add-opens java.base/java.lang=ALL-UNNAMED      (class path)
 *     --add-opens java.base/java.lang=dev.gort         (module path)
 * and the handles below are looked up once. If the flag is missing, the lookup fails and every
 * attempt to start a goroutine throws an IllegalStateException naming the flag.
 *
 * What is used, and why (the facts are in docs/jdk-virtual-thread-scheduling.md):
 *  - the constructor, to give the thread our scheduler;
 *  - the private field runContinuation, the one Runnable the JDK ever hands to execute() for
 *    that thread, so G.execute can tell its own thread from an inherited child's;
 *  - the private field state, to tell a Thread.yield (YIELDED) from a park that raced an unpark;
 *  - Thread.currentCarrierThread(), to find the M under a running goroutine (a ThreadLocal set on
 *    the M reads null from the virtual thread, which has its own map);
 *  - the private methods VirtualThread.disableSuspendAndPreempt and enableSuspendAndPreempt, which
 *    pin the calling virtual thread's continuation to its carrier (jdk.internal.vm.Continuation's
 *    pin/unpin, a nesting count) for acquirem/releasem (see Proc's "Inside the runtime"). The JDK
 *    uses the same pair around its own critical sections; pinned, a park or a contended monitor
 *    blocks the carrier itself and Thread.yield does nothing, so the goroutine cannot be unmounted.
 *    Measured: 2-3 ns for a pin and an unpin together.
 *
 * Every one of these is JDK-version-specific; gort is tested on Temurin 25.0.3.
 */
final class VThreads {
    private VThreads() {}

    /** The flag a user must pass, worded for where gort was loaded from. */
    static final String FLAG = "--add-opens java.base/java.lang="
            + (VThreads.class.getModule().isNamed() ? VThreads.class.getModule().getName() : "ALL-UNNAMED");

    private static final MethodHandle NEW_VTHREAD;   // (Executor,String,int,Runnable)Thread
    private static final MethodHandle CARRIER;       // ()Thread
    private static final VarHandle RUN_CONTINUATION; // VirtualThread.runContinuation
    private static final VarHandle STATE;            // VirtualThread.state (int)
    private static final MethodHandle PIN;           // (Thread)void: VirtualThread.disableSuspendAndPreempt
    private static final MethodHandle UNPIN;         // (Thread)void: VirtualThread.enableSuspendAndPreempt
    /** VirtualThread.YIELDED: unmounted after Thread.yield, being resubmitted. */
    static final int YIELDED;
    /** Why the handles could not be had, or null. */
    private static final Throwable FAILURE;

    static {
        MethodHandle ctor = null, carrier = null, pin = null, unpin = null;
        VarHandle rc = null, st = null;
        int yielded = -1;
        Throwable failure = null;
        try {
            Class<?> vt = Class.forName("java.lang.VirtualThread");
            MethodHandles.Lookup l = MethodHandles.privateLookupIn(vt, MethodHandles.lookup());
            ctor = l.findConstructor(vt, MethodType.methodType(void.class, Executor.class, String.class,
                    int.class, Runnable.class))
                    .asType(MethodType.methodType(Thread.class, Executor.class, String.class, int.class,
                            Runnable.class));
            rc = l.findVarHandle(vt, "runContinuation", Runnable.class);
            st = l.findVarHandle(vt, "state", int.class);
            var f = vt.getDeclaredField("YIELDED");
            f.setAccessible(true);
            yielded = f.getInt(null);
            MethodType toThread = MethodType.methodType(void.class, Thread.class);
            pin = l.findVirtual(vt, "disableSuspendAndPreempt", MethodType.methodType(void.class)).asType(toThread);
            unpin = l.findVirtual(vt, "enableSuspendAndPreempt", MethodType.methodType(void.class)).asType(toThread);
            MethodHandles.Lookup tl = MethodHandles.privateLookupIn(Thread.class, MethodHandles.lookup());
            carrier = tl.findStatic(Thread.class, "currentCarrierThread", MethodType.methodType(Thread.class));
        } catch (Throwable t) {
            failure = t;
        }
        NEW_VTHREAD = ctor;
        CARRIER = carrier;
        RUN_CONTINUATION = rc;
        STATE = st;
        PIN = pin;
        UNPIN = unpin;
        YIELDED = yielded;
        FAILURE = failure;
    }

    /** Throws the "missing flag" error if the handles are unavailable. */
    static void check() {
        if (FAILURE != null) {
            throw new IllegalStateException("gort cannot create goroutines: start the JVM with " + FLAG
                    + " (gort schedules JDK virtual threads on its own scheduler through "
                    + "java.lang.VirtualThread's non-public constructor). Cause: " + FAILURE, FAILURE);
        }
    }

    /** A new, unstarted virtual thread named {@code name} whose scheduler is {@code scheduler}. */
    static Thread newThread(Executor scheduler, Runnable task, String name) {
        try {
            return (Thread) NEW_VTHREAD.invokeExact(scheduler, name, 0, task);
        } catch (Throwable t) {
            throw sneaky(t);
        }
    }

    static Runnable runContinuation(Thread vthread) {
        return (Runnable) RUN_CONTINUATION.get(vthread);
    }

    static int state(Thread vthread) {
        return (int) STATE.getVolatile(vthread);
    }

    /** The platform thread carrying the caller: the caller itself unless it is virtual. */
    static Thread currentCarrier() {
        try {
            return (Thread) CARRIER.invokeExact();
        } catch (Throwable t) {
            throw sneaky(t);
        }
    }

    /**
     * Pins the calling virtual thread to its carrier until the matching {@link #unpin}; nests.
     * The caller must be a virtual thread (gort's goroutine or an anonymous one).
     */
    static void pin(Thread vthread) {
        try {
            PIN.invokeExact(vthread);
        } catch (Throwable t) {
            throw sneaky(t);
        }
    }

    /** Undoes one {@link #pin} of the calling virtual thread. */
    static void unpin(Thread vthread) {
        try {
            UNPIN.invokeExact(vthread);
        } catch (Throwable t) {
            throw sneaky(t);
        }
    }

    @SuppressWarnings("unchecked")
    static <E extends Throwable> RuntimeException sneaky(Throwable t) throws E {
        throw (E) t;
    }
}
