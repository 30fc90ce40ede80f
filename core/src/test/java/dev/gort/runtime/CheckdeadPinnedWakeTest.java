package dev.gort.runtime;

import dev.gort.DeadlockError;
import dev.gort.Go;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.*;

/**
 * checkdead and a goroutine that has been unparked but has not run yet: parked while pinned, with
 * a carrier the OS has not run yet; or parked as usual, with an unparker that has not reached
 * G.execute yet (see the second test). The JDK's unpark sets the thread's park permit and then unparks the carrier;
 * until the carrier runs, the thread still reads WAITING and its park count has not moved. If the
 * goroutine that woke it then parks, every goroutine looks asleep: a carrier kept off its core for
 * longer than checkdead's grace made a false deadlock report. The test holds that window open by
 * doing the unpark's first half (the permit) without the second (the carrier).
 */
@Timeout(60)
class CheckdeadPinnedWakeTest {
    private static final VarHandle PARK_PERMIT, STATE;
    /** VirtualThread.PARKED and UNPARKED in this JDK. */
    private static final int PARKED, UNPARKED;

    static {
        try {
            Class<?> vt = Class.forName("java.lang.VirtualThread");
            MethodHandles.Lookup l = MethodHandles.privateLookupIn(vt, MethodHandles.lookup());
            PARK_PERMIT = l.findVarHandle(vt, "parkPermit", boolean.class);
            STATE = l.findVarHandle(vt, "state", int.class);
            PARKED = (int) l.findStaticVarHandle(vt, "PARKED", int.class).get();
            UNPARKED = (int) l.findStaticVarHandle(vt, "UNPARKED", int.class).get();
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @Test
    void aPinnedGoroutineWokenButNotYetRunIsNotAsleep() throws Exception {
        AtomicReference<G> pinned = new AtomicReference<>(), waker = new AtomicReference<>();
        AtomicReference<HChan[]> chans = new AtomicReference<>();
        CompletableFuture<Throwable> run = CompletableFuture.supplyAsync(() -> {
            try {
                Go.run(() -> {
                    // made by a goroutine: a channel a platform thread made or used may be woken by it
                    HChan ch = new HChan(0), never = new HChan(0);
                    chans.set(new HChan[] {ch, never});
                    G me = Proc.currentG();
                    pinned.set(me);
                    Go.go(() -> {
                        waker.set(Proc.currentG());
                        while (!parkedPinned(me)) {
                            Thread.yield();
                        }
                        PARK_PERMIT.setVolatile(me.thread, true); // the unpark, up to the carrier's
                        never.chanrecv(true); // the waker parks: every goroutine looks asleep
                    });
                    Proc.acquirem();
                    try {
                        ch.chanrecv(true); // parks the carrier: the G stays RUNNING, its thread WAITING
                    } finally {
                        Proc.releasem();
                    }
                });
                return null;
            } catch (Throwable t) {
                return t;
            }
        });
        try {
            while (waker.get() == null || waker.get().status() != GStatus.WAITING || !othersIdle()) {
                Thread.sleep(1);
            }
            assertFalse(Checkdead.checkdead(), "checkdead counted a woken goroutine as asleep");
            assertFalse(run.isDone(), () -> "the run ended: " + run.join());

            // The carrier runs: the receive has no value, so the goroutine parks again, and now
            // nothing can wake anyone. The same state without the permit is a deadlock.
            M carrier = pinned.get().m;
            assertNotNull(carrier, "the pinned goroutine has no M");
            LockSupport.unpark(carrier);
            assertInstanceOf(DeadlockError.class, run.get(30, TimeUnit.SECONDS));
        } finally {
            for (HChan c : chans.get()) {
                c.closechan(); // lets both goroutines end
            }
        }
    }

    /**
     * The same window for a goroutine that parked the usual way (unmounted, status WAITING): an
     * unpark from a thread that is not a goroutine (a platform thread's Thread.interrupt or
     * LockSupport.unpark; the JDK's timer thread) sets the park permit, CASes the thread from
     * PARKED to UNPARKED, and only then calls G.execute, which moves the status word. Until then
     * the goroutine is runnable for the JDK (Thread.State RUNNABLE) but its word still reads
     * WAITING with the old epoch, and an unparker the OS kept off its core for longer than the
     * grace made a false report: checkdead looked at the permit only for a pinned goroutine. The
     * test holds the window open by doing the unpark up to the submit, then does the submit.
     */
    @Test
    void aParkedGoroutineUnparkedButNotYetReadiedIsNotAsleep() throws Exception {
        AtomicReference<G> parked = new AtomicReference<>();
        AtomicReference<HChan> chan = new AtomicReference<>();
        CompletableFuture<Throwable> run = CompletableFuture.supplyAsync(() -> {
            try {
                Go.run(() -> {
                    HChan ch = new HChan(0); // made by a goroutine, never used by a platform thread
                    chan.set(ch);
                    parked.set(Proc.currentG());
                    ch.chanrecv(true);
                });
                return null;
            } catch (Throwable t) {
                return t;
            }
        });
        G gp;
        try {
            while ((gp = parked.get()) == null || gp.status() != GStatus.WAITING
                    || gp.waitreason != WaitReason.CHAN_RECEIVE || (int) STATE.getVolatile(gp.thread) != PARKED
                    || !allIdle()) {
                assertFalse(run.isDone(), () -> "the run ended: " + run.join());
                Thread.sleep(1);
            }
            // The unpark up to its submit (VirtualThread.unpark): the permit, then PARKED to UNPARKED.
            PARK_PERMIT.setVolatile(gp.thread, true);
            assertTrue(STATE.compareAndSet(gp.thread, PARKED, UNPARKED), "the goroutine moved");
            assertFalse(Checkdead.checkdead(), "checkdead counted a runnable goroutine as asleep");
            assertFalse(run.isDone(), () -> "the run ended: " + run.join());

            // The submit: the goroutine runs, finds no value, parks again, and now nothing can
            // wake it. The same state without the unpark in flight is a deadlock.
            gp.execute(gp.cont);
            assertInstanceOf(DeadlockError.class, run.get(30, TimeUnit.SECONDS));
        } finally {
            if (chan.get() != null) {
                chan.get().closechan(); // lets the goroutine end
            }
        }
    }

    /** Whether every M is idle: the state checkdead judges. */
    private static boolean allIdle() {
        Proc.lock.lock();
        try {
            return Proc.nmidle() + Proc.nmidlelocked() == Proc.mcount;
        } finally {
            Proc.lock.unlock();
        }
    }

    /** Whether every M but the pinned goroutine's is idle: the state checkdead judges. */
    private static boolean othersIdle() {
        Proc.lock.lock();
        try {
            return Proc.nmidle() + Proc.nmidlelocked() + 1 == Proc.mcount;
        } finally {
            Proc.lock.unlock();
        }
    }

    /** Whether gp is parked on a channel while pinned: RUNNING, with its thread WAITING. */
    private static boolean parkedPinned(G gp) {
        return gp.status() == GStatus.RUNNING && gp.waitreason == WaitReason.CHAN_RECEIVE
                && gp.thread.getState() == Thread.State.WAITING;
    }
}
