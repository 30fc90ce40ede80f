package dev.gort.bench;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.LockSupport;

/**
 * The floor: the cheapest scheduler a virtual thread can have, for P=1. One platform carrier thread
 * runs continuations from an {@link ArrayDeque} in FIFO order; nothing else. Virtual threads are made
 * by the JDK's package-private {@code ThreadBuilders.VirtualThreadBuilder(Executor)}, the same
 * non-public route by which gort gives a virtual thread its own scheduler, so the floor pays exactly
 * what any custom scheduler must: a continuation yield, a resume, and one {@code execute} call per
 * switch. What gort costs above the floor on the same row is gort's own.
 *
 * <p>Protocol. {@code execute} from a virtual thread mounted on the carrier (one goroutine unparking
 * or starting another) appends to the run deque without any synchronisation: only the carrier
 * touches it. {@code execute} from the carrier itself, after a continuation unmounted, is a
 * {@code Thread.yield} (or a park that raced with an unpark): it goes to a second deque that the
 * carrier takes from only when the run deque is empty, as the JDK's and Go's schedulers put a
 * yielder behind the local work (without that, a ping-pong beside a hog that yields every 10 ms
 * would wait a slice per hand-off). {@code execute} from any other thread (the benchmark's platform
 * thread starting main, the JDK's unparker for timed parks) goes through a concurrent inbox and
 * unparks the carrier; the carrier drains the inbox every 64 runs and whenever it runs dry.
 *
 * <p>Not a scheduler for real programs: one carrier, yielders wait while other work is queued, no
 * blocking compensation. Only {@code -Dgort.maxprocs=1} forks may use it ({@link Rt#FLOOR}).
 */
final class Floor implements Executor {
    private static final MethodHandle CARRIER;
    private static final MethodHandle NEW_BUILDER;

    static {
        try {
            MethodHandles.Lookup tl = MethodHandles.privateLookupIn(Thread.class, MethodHandles.lookup());
            CARRIER = tl.findStatic(Thread.class, "currentCarrierThread", MethodType.methodType(Thread.class));
            Class<?> vtb = Class.forName("java.lang.ThreadBuilders$VirtualThreadBuilder");
            NEW_BUILDER = MethodHandles.privateLookupIn(vtb, MethodHandles.lookup())
                    .findConstructor(vtb, MethodType.methodType(void.class, Executor.class))
                    .asType(MethodType.methodType(Thread.Builder.OfVirtual.class, Executor.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The one floor scheduler of this fork, started on first use. */
    static final Floor INSTANCE = new Floor();

    /** Runnable continuations; the carrier only. */
    private final ArrayDeque<Runnable> runq = new ArrayDeque<>();
    /** Continuations resubmitted by the carrier itself (yields), run when runq is empty; the carrier only. */
    private final ArrayDeque<Runnable> yieldq = new ArrayDeque<>();
    /** Submissions from threads other than the carrier. */
    private final ConcurrentLinkedQueue<Runnable> inbox = new ConcurrentLinkedQueue<>();
    private final Thread carrier;
    private final Thread.Builder.OfVirtual builder;

    private Floor() {
        try {
            builder = ((Thread.Builder.OfVirtual) NEW_BUILDER.invokeExact((Executor) this))
                    .uncaughtExceptionHandler((t, e) -> {
                        System.err.println("benchmark goroutine failed: " + e);
                        e.printStackTrace();
                        Runtime.getRuntime().halt(3);
                    });
        } catch (Throwable t) {
            throw new IllegalStateException("cannot make the floor's thread builder", t);
        }
        carrier = Thread.ofPlatform().daemon().name("floor-carrier").unstarted(this::loop);
        carrier.start();
    }

    /** Starts a virtual thread on the floor. */
    Thread start(Runnable fn) {
        return builder.start(fn);
    }

    @Override
    public void execute(Runnable r) {
        Thread c;
        try {
            c = (Thread) CARRIER.invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        if (c == carrier) {
            (Thread.currentThread() == carrier ? yieldq : runq).addLast(r);
        } else {
            inbox.add(r);
            LockSupport.unpark(carrier);
        }
    }

    private void loop() {
        for (int n = 0;; n++) {
            Runnable r = (n & 63) == 0 ? null : runq.pollFirst();
            if (r == null) {
                Runnable in;
                while ((in = inbox.poll()) != null) {
                    runq.addLast(in);
                }
                r = runq.pollFirst();
                if (r == null) {
                    r = yieldq.pollFirst();
                }
                if (r == null) {
                    LockSupport.park(this);
                    continue;
                }
            }
            r.run();
        }
    }
}
