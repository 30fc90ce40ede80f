package dev.gort.runtime;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/*
 * TimerSleeper: the idle M that sleeps until the next timer, after the part of Go's
 * src/runtime/proc.go findRunnable where the last M to go idle blocks in netpoll(delay) until the
 * earliest timer, and of time.go's and netpoll.go's wakeNetPoller / netpollBreak, which wake that
 * M when an earlier timer is set.
 *
 * Concepts
 * --------
 * Busy Ps run their own heaps' expired timers (Timers: "Who runs expired timers"). When an M gives
 * up its P in findRunnable, or loses it to a GOMAXPROCS shrink with no idle P to take (destroyp),
 * and timers are pending, instead of sleeping on its note for ever it becomes the one sleeper M
 * (timerSleep) and parks until the earliest deadline over ALL heaps
 * (global, every P's, dead Ps' too). At the deadline it takes an idle P if there is one, runs every
 * expired timer with it, and goes back into findRunnable to run what they readied; with no idle P
 * (every P is busy, so each checks its own heap) it runs the expired timers without a P (readied
 * goroutines go to the global queue) and sleeps again. This is Go's "last M blocks in netpoll with
 * a timeout" without a netpoller. An M that gives up its P while a timer is already due runs it
 * itself the same way instead of waking the sleeper (runDue): the OS is running this M now, while
 * a parked sleeper on a loaded machine waited up to 50ms for a CPU in testing. A P that goes idle
 * without its M (handoffp after a syscall, a retake, or a locked M's stop) calls wakeNetPoller, so
 * pending timers get a sleeper too: every heap's, not only that P's, since a dead P keeps its
 * timers (below), and a P that goes idle this way may be the last busy one.
 *
 * The wake-up protocol
 * --------------------
 * `sleeper` is the sleeping M or null; `sleepUntil` its deadline, 0 while it is computing one.
 *  - A setter (Timer.reset, and a periodic timer's runner when it puts the timer back for its
 *    next tick, Timer.fireAndUnlock) adds the timer to a heap (a volatile write of that heap's
 *    minWhen), then reads sleeper/sleepUntil (wakeSleeper): if a sleeper exists and sleepUntil
 *    is 0 or later than the new when, it unparks the sleeper; if there is none, it calls wakep()
 *    so an idle P gets an M, which will give up and become the sleeper. It does so even for a
 *    timer in the setter's own P's heap, as Go's wakeNetPoller: that P looks at its heap only when
 *    its goroutine reaches the scheduler, and one that runs on without a safe point left the timer
 *    to sysmon's rescue of overdue timers (gort before: a 2ms timer fired 3-15ms late at
 *    GOMAXPROCS 2 with a P idle; and a goroutine that went on running after sysmon retook its P
 *    left its timer in a heap that no busy P would look at: with a locked M, whose stop hands off
 *    no P, every P went idle with the timer pending). wakep starts no M when one is already
 *    spinning (that M, finding no work, gives up and becomes the sleeper) or when no P is idle:
 *    then every P is busy, and the first M to give up its P becomes the sleeper (findRunnable);
 *    at GOMAXPROCS > 1 wakep also sets needspinning, so that M spins once before it does.
 *  - The sleeper claims the role (CAS), writes sleepUntil = 0, reads every heap's minWhen, writes
 *    sleepUntil = deadline, parks. Before it gives the role up it writes sleeper = null and then
 *    re-reads the heaps, claiming again if a timer appeared. An M that loses the claim to another
 *    sleeper unparks it only if it sleeps past the earliest timer the loser saw (the setter's
 *    test): every timer's setter has made that check already, so this one is a second look, and
 *    an unconditional unpark woke the sleeper for nothing once per timer set beside it.
 *  - stop of the very timer the sleeper sleeps for (its when == sleepUntil) unparks the sleeper
 *    (timerStopped), which recomputes or, with no timer left, stops: otherwise checkdead would
 *    count it busy until a deadline that no longer exists. (A stop that races the sleeper's own
 *    computation may miss it; the sleeper then wakes at the old deadline, finds nothing due, and
 *    sleeps on.)
 * Every access here is volatile (sequentially consistent), so in both pairs one side sees the
 * other's write (the same "Dekker" argument as Proc's delicate dance): no timer is left with
 * every P idle and no sleeper. (Sysmon backs this up: after its deep sleep it runs timers over
 * 1ms overdue that no M sleeps for; see Sysmon, "Timers with every P idle".) A ticker's re-add
 * was once no such setter: a sleeper that read the heaps while the ticker was out of its heap
 * slept past its next tick, and with the ticker's P held by a goroutine that never reached the
 * scheduler, nothing ran it (sysmon's check stood down for any sleeper; it now stands down only
 * for one that sleeps for the overdue timer, sleepsFor).
 * Found by a review; TimersTest.aTickerKeepsTickingBesideASleeperThatReadTheHeapsWithoutIt.
 *
 * Invariants
 * ----------
 *  - At most one M is the sleeper; it holds no P while it is.
 *  - sleepUntil != 0 only while sleeper != null, and then it is the earliest deadline the sleeper
 *    saw over every heap.
 *
 * Rejected alternatives
 * ---------------------
 *  - Every idle M sleeping with a timeout: N Ms waking at each deadline to race for one timer.
 *  - A thread of its own for the sleeping (see Timers' rejected timer thread): the sleeper is an
 *    M that would otherwise sleep on its note, and it takes a P to run what the timers ready.
 *
 * Differences from Go
 * -------------------
 *  - No netpoller: the sleeper parks with LockSupport.parkNanos and is woken with unpark (Go's
 *    netpollBreak). Sockets are the JDK's poller's business.
 *  - With no idle P at its deadline, the sleeper runs the due timers without a P (their
 *    goroutines go to the global queue); Go runs timers only with a P, and leaves them to the
 *    busy Ps' own checks.
 *  - A stop of the timer the sleeper waits for wakes it (Go's stop does not; see Timer).
 *  - A periodic timer put back for its next tick wakes a sleeper that sleeps past it, or with no
 *    sleeper calls wakep, as any add does. Go leaves the next tick to the P that ran the timer
 *    (its unlockAndRun calls no wakeNetPoller), which asynchronous preemption brings back to its
 *    timers within 10ms; a gort P held by a goroutine with no safe point may never come back.
 *  - A P that GOMAXPROCS kills keeps its timers, and the sleeper and runAll read dead Ps' heaps
 *    too; Go's procresize moves them to a live P (moveTimers), which here would take timer locks
 *    under sched.lock. So wakeNetPoller asks for a sleeper for the earliest timer of every heap,
 *    where Go's handoffp asks for the handed-off P's own: with only that P's, a timer left in a
 *    dead P's heap when the last busy P went idle through handoffp had no sleeper and never fired
 *    (a soak hang at GOMAXPROCS 8: a locked goroutine's sleep, every P idle, every M asleep).
 */
/** The idle M that sleeps until the earliest timer (Go's findRunnable blocking in netpoll). */
final class TimerSleeper {
    private TimerSleeper() {}

    /** The M sleeping until the earliest deadline, or null. CAS by Ms in findRunnable. */
    private static volatile M sleeper;
    /** The sleeper's deadline (nanotime), 0 while it computes one. Written by the sleeper. */
    private static volatile long sleepUntil;

    /**
     * Whether an M sleeps for a timer due at when: the sleeper's deadline is when or earlier, or it
     * is computing one (and will read the heaps). Sysmon's question, for an overdue timer. Any thread.
     */
    static boolean sleepsFor(long when) {
        if (sleeper == null) {
            return false;
        }
        long u = sleepUntil;
        return u == 0 || u <= when;
    }

    /** After adding a timer due at when to a heap: make sure some M will wake for it. Any thread. */
    static void wakeSleeper(long when) {
        M s = sleeper;
        if (s != null) {
            long u = sleepUntil;
            if (u == 0 || when < u) {
                LockSupport.unpark(s);
            }
            return;
        }
        // No sleeper: get an M to become one, even when the caller's own P holds the timer (Go's
        // wakeNetPoller). That P looks at its heap only when its goroutine reaches the scheduler.
        Proc.schedinit(); // a timer set before any goroutine starts the runtime, so an M can run it
        Proc.wakep();
    }

    /**
     * A timer pending for when was stopped. If the sleeper M sleeps for this very timer, let it
     * recompute, or stop sleeping if no timer is left, so checkdead does not count it busy until a
     * deadline that is gone. Any thread.
     */
    static void timerStopped(long when) {
        if (when == sleepUntil) {
            M s = sleeper;
            if (s != null) {
                LockSupport.unpark(s);
            }
        }
    }

    /**
     * Go's wakeNetPoller for a P that just went idle without an M (handoffp): if any heap holds
     * timers (a dead P's too: see Differences from Go), make sure the sleeper knows or an M comes
     * to sleep for them. Any thread.
     */
    static void wakeNetPoller() {
        long w = Timers.earliest();
        if (w != 0) {
            wakeSleeper(w);
        }
    }

    /**
     * Called by findRunnable after this M gave up its P (and by destroyp after its P died), in
     * place of stopm while timers are pending: run the timers that are already due, or become the
     * sleeper and sleep until the earliest deadline. Returns true when it has acquired a P for mp
     * (the caller goes on scheduling with it), false when no timer is pending any more or another
     * M is the sleeper (the caller then calls stopm). This M only, holding no P.
     */
    static boolean timerSleep(M mp) {
        assert mp.p == null : "timerSleep: holding a P";
        for (;;) {
            long e = Timers.earliest();
            if (e == 0) {
                return false;
            }
            if (e <= Timers.nanotime()) {
                // Due now: run them on this M, which the OS is running, rather than hand them to a
                // sleeper that first has to be scheduled (on a loaded machine that took 50ms).
                if (runDue(mp)) {
                    return true;
                }
                continue;
            }
            if (!SLEEPER.compareAndSet(null, mp)) {
                M s = sleeper;
                if (s != null) {
                    long u = sleepUntil;
                    if (u == 0 || e < u) {
                        LockSupport.unpark(s); // it sleeps past the earliest timer we saw: let it recompute
                    }
                    return false;
                }
                continue; // the sleeper just left; try to take its place
            }
            try {
                for (;;) {
                    sleepUntil = 0;
                    long next = Timers.earliest();
                    if (next == 0) {
                        break;
                    }
                    long now = Timers.nanotime();
                    if (next <= now) {
                        SLEEPER.set(null);
                        if (runDue(mp)) {
                            return true;
                        }
                        break; // no idle P: ran them without one; go round (reclaim the role)
                    }
                    sleepUntil = next;
                    LockSupport.parkNanos(TimerSleeper.class, next - now);
                    Thread.interrupted(); // an M is never interrupted on purpose; do not spin if it is
                }
            } finally {
                if (sleeper == mp) {
                    sleepUntil = 0;
                    SLEEPER.set(null);
                }
            }
            // Gave up the role: a setter may have seen us and not called wakep. Re-check (loop top).
        }
    }

    /**
     * Runs every due timer from this M. With an idle P it acquires the P first, so the goroutines
     * the timers ready land on it, and returns true (findRunnable then runs them); otherwise it
     * runs them without a P (they go to the global queue) and returns false. If timers remain
     * pending, another M is woken to sleep for them. This M only, holding no P.
     */
    private static boolean runDue(M mp) {
        P pp = Proc.pidlegetLocked();
        if (pp == null) {
            Timers.runAll(Timers.nanotime()); // every P is busy: readied goroutines go to the global queue
            return false;
        }
        Proc.acquirep(mp, pp);
        Timers.runAll(Timers.nanotime());
        if (Timers.earliest() != 0 && sleeper == null) {
            Proc.wakep(); // another M takes over sleeping for the rest
        }
        return true;
    }

    private static final VarHandle SLEEPER;

    static {
        try {
            SLEEPER = MethodHandles.lookup().findStaticVarHandle(TimerSleeper.class, "sleeper", M.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
