package dev.gort.runtime;

import java.lang.classfile.ClassFile;
import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDescs;
import java.lang.constant.MethodTypeDesc;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import java.util.stream.Stream;

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
 *  - the private field parkPermit, for checkdead: a thread parked while pinned that has been
 *    unparked still reads WAITING until its carrier runs, and an unmounted one whose unpark has
 *    not yet reached G.execute still reads WAITING in its G; only the permit says it was woken;
 *  - Thread.currentCarrierThread(), to find the M under a running goroutine (a ThreadLocal set on
 *    the M reads null from the virtual thread, which has its own map);
 *  - the private methods VirtualThread.disableSuspendAndPreempt and enableSuspendAndPreempt, which
 *    pin the calling virtual thread's continuation to its carrier (jdk.internal.vm.Continuation's
 *    pin/unpin, a nesting count) for acquirem/releasem (see Proc's "Inside the runtime"). The JDK
 *    uses the same pair around its own critical sections; pinned, a park or a contended monitor
 *    blocks the carrier itself and Thread.yield does nothing, so the goroutine cannot be unmounted.
 *    Measured: 2-3 ns for a pin and an unpin together.
 *  - VirtualThread.start(ThreadContainer), to start a goroutine in gort's own thread container
 *    instead of the JDK's root container (see below).
 *
 * gort's thread container. Thread.start() puts every virtual thread in the JDK's root container,
 * which (with the default -Djdk.trackAllThreads=true) keeps them in a ConcurrentHashMap so that
 * jcmd Thread.dump_to_file can list them: an identity hash, a node and a contended size counter
 * per start, a removal per exit. gort already keeps every live goroutine (AllGs), so its
 * goroutines start in a container of its own whose start and exit hooks do nothing and whose
 * threads() walks allgs; the container is registered with the JDK (ThreadContainers
 * .registerContainer), and the thread dumper lists registered containers' threads under the
 * container's name, "gort". Measured (docs/benchmarks.md, issue 11, cut 10): 8-11% of the CPU of a
 * spawn of 100,000 and 32 B per goroutine. The container class must extend
 * jdk.internal.vm.ThreadContainer, a package java.base does not export; gort's one flag opens
 * java.lang, so the class is generated (java.lang.classfile) into java.lang and defined there
 * with the opened lookup (Lookup.defineClass: java.base's own packages are visible to it). Its
 * only references are java.base's, a Supplier of the thread stream among them, so any number of
 * gort runtimes in one JVM (one per class loader) share the class, each with its own instance.
 * The container holds no goroutine, which GoroutineLeak relies on: it needs no JVM flag while
 * goroutines start here (ownContainer()), since nothing but allgs keeps a parked one reachable.
 * If any of this fails (another JDK), goroutines start with Thread.start() in the root container,
 * as before: slower, not wrong (the leak scan then needs -Djdk.trackAllThreads=false).
 * Rejected: -Djdk.trackAllThreads=false (a global switch that also hides every other virtual
 * thread from thread dumps); a second flag (--add-exports
 * java.base/jdk.internal.vm) for a class compiled against ThreadContainer.
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
    private static final VarHandle PARK_PERMIT;      // VirtualThread.parkPermit (boolean)
    private static final MethodHandle PIN;           // (Thread)void: VirtualThread.disableSuspendAndPreempt
    private static final MethodHandle UNPIN;         // (Thread)void: VirtualThread.enableSuspendAndPreempt
    private static final MethodHandle START_IN;      // (Thread,Object)void: VirtualThread.start(ThreadContainer), or null
    private static final Object CONTAINER;           // gort's ThreadContainer, or null (see the essay)
    /** VirtualThread.YIELDED: unmounted after Thread.yield, being resubmitted. */
    static final int YIELDED;
    /** Why the handles could not be had, or null. */
    private static final Throwable FAILURE;

    static {
        MethodHandle ctor = null, carrier = null, pin = null, unpin = null;
        VarHandle rc = null, st = null, permit = null;
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
            permit = l.findVarHandle(vt, "parkPermit", boolean.class);
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
        MethodHandle startIn = null;
        Object container = null;
        if (failure == null) {
            try {
                Class<?> vt = Class.forName("java.lang.VirtualThread");
                Class<?> tc = Class.forName("jdk.internal.vm.ThreadContainer");
                startIn = MethodHandles.privateLookupIn(vt, MethodHandles.lookup())
                        .findVirtual(vt, "start", MethodType.methodType(void.class, tc))
                        .asType(MethodType.methodType(void.class, Thread.class, Object.class));
                MethodHandles.Lookup tl = MethodHandles.privateLookupIn(Thread.class, MethodHandles.lookup());
                Supplier<Stream<Thread>> threads = VThreads::goroutineThreads;
                container = tl.findConstructor(containerClass(tl), MethodType.methodType(void.class, Supplier.class))
                        .invoke(threads);
            } catch (Throwable t) {
                startIn = null; // Thread.start(): the root container (see the essay)
                container = null;
            }
        }
        START_IN = startIn;
        CONTAINER = container;
        CARRIER = carrier;
        RUN_CONTINUATION = rc;
        STATE = st;
        PARK_PERMIT = permit;
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

    /** Starts a goroutine's virtual thread, in gort's thread container when there is one (see the essay). */
    static void start(Thread vthread) {
        if (START_IN == null) {
            vthread.start();
            return;
        }
        try {
            START_IN.invokeExact(vthread, CONTAINER);
        } catch (Throwable t) {
            throw sneaky(t);
        }
    }

    /**
     * Whether goroutines start in gort's own container, which references none of them, rather than
     * in the JDK's root container, which (with jdk.trackAllThreads, true by default) holds every
     * thread it starts: GoroutineLeak needs the flag only in the second case.
     */
    static boolean ownContainer() {
        return START_IN != null;
    }

    /** The container's threads: live goroutines' virtual threads (a thread dump asks). */
    private static Stream<Thread> goroutineThreads() {
        return Proc.allgs().stream().map(g -> g.thread).filter(t -> t != null && t.isAlive());
    }

    /** The container class's name: in java.lang, where gort's flag lets it be defined. */
    private static final String CONTAINER_CLASS = "java.lang.GortThreadContainer";

    /**
     * gort's ThreadContainer class, defined once per JVM: final, extends ThreadContainer, a
     * constructor (Supplier threads) that registers the instance with ThreadContainers, threads()
     * returning threads.get(), name() "gort". The start and exit hooks stay the base class's no-ops.
     */
    private static Class<?> containerClass(MethodHandles.Lookup javaLang) throws ReflectiveOperationException {
        try {
            return Class.forName(CONTAINER_CLASS, false, null);
        } catch (ClassNotFoundException notYet) {
            // first gort runtime in this JVM: define it
        }
        ClassDesc self = ClassDesc.of(CONTAINER_CLASS);
        ClassDesc base = ClassDesc.of("jdk.internal.vm.ThreadContainer");
        ClassDesc registry = ClassDesc.of("jdk.internal.vm.ThreadContainers");
        ClassDesc supplier = ClassDesc.of(Supplier.class.getName());
        ClassDesc stream = ClassDesc.of(Stream.class.getName());
        byte[] bytes = ClassFile.of().build(self, cb -> cb
                .withFlags(ClassFile.ACC_PUBLIC | ClassFile.ACC_FINAL | ClassFile.ACC_SUPER)
                .withSuperclass(base)
                .withField("threads", supplier, ClassFile.ACC_PRIVATE | ClassFile.ACC_FINAL)
                .withMethodBody(ConstantDescs.INIT_NAME, MethodTypeDesc.of(ConstantDescs.CD_void, supplier), ClassFile.ACC_PUBLIC,
                        c -> c.aload(0).iconst_1() // shared: started by any thread
                                .invokespecial(base, ConstantDescs.INIT_NAME, MethodTypeDesc.of(ConstantDescs.CD_void, ConstantDescs.CD_boolean))
                                .aload(0).aload(1).putfield(self, "threads", supplier)
                                .aload(0).invokestatic(registry, "registerContainer", MethodTypeDesc.of(ConstantDescs.CD_Object, base)).pop()
                                .return_())
                .withMethodBody("threads", MethodTypeDesc.of(stream), ClassFile.ACC_PUBLIC,
                        c -> c.aload(0).getfield(self, "threads", supplier)
                                .invokeinterface(supplier, "get", MethodTypeDesc.of(ConstantDescs.CD_Object))
                                .checkcast(stream).areturn())
                .withMethodBody("name", MethodTypeDesc.of(ConstantDescs.CD_String), ClassFile.ACC_PUBLIC,
                        c -> c.ldc("gort").areturn()));
        try {
            return javaLang.defineClass(bytes);
        } catch (LinkageError raced) { // another gort runtime (class loader) defined it meanwhile
            return Class.forName(CONTAINER_CLASS, false, null);
        }
    }

    static Runnable runContinuation(Thread vthread) {
        return (Runnable) RUN_CONTINUATION.get(vthread);
    }

    static int state(Thread vthread) {
        return (int) STATE.getVolatile(vthread);
    }

    /**
     * Whether vthread's park permit is set: it was unparked and has not run since. The JDK's unpark
     * sets the permit before it unparks a pinned thread's carrier, and before it CASes an unmounted
     * thread from PARKED to UNPARKED and submits it (G.execute); the carrier, once run, sets the
     * state to RUNNING before it clears the permit, as runContinuation does after its CAS to RUNNING.
     */
    static boolean parkPermit(Thread vthread) {
        return (boolean) PARK_PERMIT.getVolatile(vthread);
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
