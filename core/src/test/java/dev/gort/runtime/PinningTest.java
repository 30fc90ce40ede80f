package dev.gort.runtime;

import dev.gort.testing.Sched;
import dev.gort.Go;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

import static dev.gort.testing.Sched.await;
import static org.junit.jupiter.api.Assertions.*;

/**
 * JEP 491 and pinning (issue 5). At GOMAXPROCS=1: a goroutine blocked on a monitor frees its M (no
 * retake is needed for the others to run); a goroutine pinned by a class initializer or a native
 * frame parks its M itself, and sysmon retakes the P so nothing deadlocks.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@ExtendWith(Sched.class)
class PinningTest {
    @BeforeEach
    void oneP() {
        Go.gomaxprocs(1);
        // Fresh state for each run, so that the tests repeat in one JVM (gort repeat).
        initRelease.set(false);
        initThread = null;
        upcallRelease.set(false);
        upcallThread = null;
    }


    private static void parkUntil(AtomicBoolean flag) {
        while (!flag.get()) {
            LockSupport.park();
        }
    }

    @Test
    void goroutineBlockedOnAMonitorFreesItsM() {
        Object lock = new Object();
        AtomicBoolean release = new AtomicBoolean();
        Thread[] holder = new Thread[1], waiter = new Thread[1];
        CountDownLatch holding = new CountDownLatch(1), done = new CountDownLatch(2);
        Go.run(() -> {
            Go.go(() -> {
                synchronized (lock) {
                    holder[0] = Thread.currentThread();
                    holding.countDown();
                    parkUntil(release); // parks holding the monitor: JEP 491 unmounts
                }
                done.countDown();
            });
            await(holding);
            Go.go(() -> {
                waiter[0] = Thread.currentThread();
                synchronized (lock) { // blocks: JEP 491 unmounts this goroutine too
                    done.countDown();
                }
            });
            // On one P, main runs here only on the one M. Both goroutines must come to rest off
            // every M (no M's curg, not running): a pinned one would keep an M, and on one P main would
            // then run only after a sysmon retake (which load can also cause, so it is not counted).
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!(offM(holder[0]) && offM(waiter[0]))) {
                assertTrue(System.nanoTime() < deadline, "a goroutine blocked on a monitor still holds an M:\n"
                        + Traceback.stack(true));
                Go.gosched();
            }
            release.set(true);
            LockSupport.unpark(holder[0]);
            await(done);
        });
    }

    /** Whether t's goroutine is parked or blocked with no M (JEP 491 unmounted it). */
    private static boolean offM(Thread t) {
        if (t == null) {
            return false;
        }
        for (G gp : Proc.allgs()) {
            if (gp.thread == t) {
                Thread.State st = t.getState();
                return gp.status() != GStatus.RUNNING && !carried(gp)
                        && (st == Thread.State.WAITING || st == Thread.State.BLOCKED);
            }
        }
        return false;
    }

    /** Whether some M has gp mounted (G.m names the M that last ran gp, even after it left). */
    private static boolean carried(G gp) {
        for (M mp : Proc.allm) {
            if (mp.curg == gp) {
                return true;
            }
        }
        return false;
    }

    static final AtomicBoolean initRelease = new AtomicBoolean();
    static volatile Thread initThread;

    static final class SlowInit {
        static {
            initThread = Thread.currentThread();
            parkUntil(initRelease); // parking inside <clinit> pins the carrier
        }
    }

    /**
     * A class not yet initialised with SlowInit's initialiser: a hidden copy of SlowInit, a new
     * class each call, so that every run of the test (gort repeat runs it many times in one JVM)
     * has a class initialiser to block in. A nestmate of this class, as SlowInit is. The test
     * starts the initialiser with Lookup.ensureInitialized (a hidden class has no name to use it
     * by); the VM runs it as for a first use, and on JDK 25 a park under it pins either way.
     */
    private static MethodHandles.Lookup freshSlowInit() throws Exception {
        byte[] bytes;
        try (var in = PinningTest.class.getResourceAsStream("PinningTest$SlowInit.class")) {
            bytes = in.readAllBytes();
        }
        return MethodHandles.lookup().defineHiddenClass(bytes, false, MethodHandles.Lookup.ClassOption.NESTMATE);
    }

    @Test
    void pinnedInAClassInitializerThePIsRetaken() throws Exception {
        MethodHandles.Lookup slowInit = freshSlowInit();
        long retakes0 = Sysmon.retakes;
        CountDownLatch others = new CountDownLatch(50), initDone = new CountDownLatch(1);
        Go.run(() -> {
            Go.go(() -> {
                try {
                    slowInit.ensureInitialized(slowInit.lookupClass()); // pins this goroutine's M until initRelease
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
                initDone.countDown();
            });
            while (initThread == null) {
                Go.gosched();
            }
            for (int i = 0; i < 50; i++) {
                Go.go(others::countDown); // queued behind the pinned M on the only P
            }
            await(others);
            initRelease.set(true);
            LockSupport.unpark(initThread);
            await(initDone);
        });
        assertTrue(Sysmon.retakes > retakes0, "sysmon retook the pinned M's P");
    }

    static final AtomicBoolean upcallRelease = new AtomicBoolean();
    static volatile Thread upcallThread;

    /** qsort's comparator: the first call parks, under qsort's native frame (pinned). */
    static int compare(MemorySegment a, MemorySegment b) {
        if (upcallThread == null) {
            upcallThread = Thread.currentThread();
            parkUntil(upcallRelease);
        }
        return Integer.compare(a.get(ValueLayout.JAVA_INT, 0), b.get(ValueLayout.JAVA_INT, 0));
    }

    @Test
    void pinnedUnderANativeFrameThePIsRetaken() throws Throwable {
        Linker linker = Linker.nativeLinker();
        MethodHandle qsort = linker.downcallHandle(linker.defaultLookup().find("qsort").orElseThrow(),
                FunctionDescriptor.ofVoid(ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                        ValueLayout.ADDRESS));
        MethodHandle cmp = MethodHandles.lookup().findStatic(PinningTest.class, "compare",
                MethodType.methodType(int.class, MemorySegment.class, MemorySegment.class));
        FunctionDescriptor cmpDesc = FunctionDescriptor.of(ValueLayout.JAVA_INT,
                ValueLayout.ADDRESS.withTargetLayout(ValueLayout.JAVA_INT),
                ValueLayout.ADDRESS.withTargetLayout(ValueLayout.JAVA_INT));
        long retakes0 = Sysmon.retakes;
        int[] sorted = new int[1];
        CountDownLatch others = new CountDownLatch(50), sortDone = new CountDownLatch(1);
        Go.run(() -> {
            Go.go(() -> {
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment stub = linker.upcallStub(cmp, cmpDesc, arena);
                    MemorySegment arr = arena.allocateFrom(ValueLayout.JAVA_INT, 3, 1, 2);
                    qsort.invokeExact(arr, 3L, 4L, stub);
                    sorted[0] = arr.getAtIndex(ValueLayout.JAVA_INT, 0);
                } catch (Throwable t) {
                    throw new IllegalStateException(t);
                }
                sortDone.countDown();
            });
            while (upcallThread == null) {
                Go.gosched();
            }
            for (int i = 0; i < 50; i++) {
                Go.go(others::countDown);
            }
            await(others);
            upcallRelease.set(true);
            LockSupport.unpark(upcallThread);
            await(sortDone);
        });
        assertEquals(1, sorted[0], "qsort finished");
        assertTrue(Sysmon.retakes > retakes0, "sysmon retook the pinned M's P");
    }
}
