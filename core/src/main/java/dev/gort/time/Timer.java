package dev.gort.time;

import dev.gort.chan.Chan;
import dev.gort.chan.Recv;
import dev.gort.chan.RecvChan;
import dev.gort.runtime.Linkname;

import java.time.Duration;
import java.time.Instant;

/*
 * Timer: Go's time.Timer (src/time/sleep.go) with Go 1.23 semantics, over a runtime timer.
 *
 * A channel Timer owns a 1-slot Chan<Instant>. When the runtime timer fires it offers the time
 * with a non-blocking send, while holding the runtime timer's monitor; stop and reset drain the
 * slot under the same monitor (see "Timer channels" in dev.gort.runtime.Timer). So, as in Go 1.23:
 *  - after stop or reset returns, no value from before is received;
 *  - stop returns true if it stopped the timer before it fired, or if the value it sent had not
 *    been received yet (it is then discarded);
 *  - reset on a running or expired timer is safe: no drain-before-reset dance is needed;
 *  - a receive after the deadline, blocking or not (a select with a default too), finds the
 *    value: the channel names its timer (Linkname.timerChan), and the receiver fires a due timer
 *    itself before it looks (HChan's "Timer channels").
 *  - the channel's len and cap are 0, as Go 1.23's (a timer's channel presents itself as
 *    unbuffered);
 *  - an unreferenced timer is garbage, stopped or not: the runtime holds a channel timer only
 *    while a receiver waits on its channel (dev.gort.runtime.Timer, "Timer channels").
 */
/**
 * Go's {@code time.Timer}: a single event. Unless made by {@link Time#afterFunc}, the current time
 * is sent on {@link #c()} when it expires. Go 1.23 semantics: after {@link #stop} or {@link #reset}
 * returns, no stale value is received from {@code c()}; and, as since Go 1.23, a channel Timer
 * nobody references any more is garbage, stopped or not.
 *
 * <p>A timer made by a goroutine of a {@link dev.gort.synctest.Synctest} bubble runs on the bubble's
 * fake clock and belongs to it: {@link #stop} or {@link #reset} from outside the bubble throws
 * {@link dev.gort.Panic} with Go's "stop of synctest timer from outside bubble" or "reset of ...".
 */
public final class Timer {
    private final Chan<Instant> c;
    private final dev.gort.runtime.Timer rt;

    private Timer(Chan<Instant> c, dev.gort.runtime.Timer rt) {
        this.c = c;
        this.rt = rt;
    }

    static Timer channel(long d) {
        Chan<Instant> c = Chan.make(1);
        Timer t = new Timer(c, new dev.gort.runtime.Timer(Timer::sendTime, c, () -> drain(c)));
        Linkname.timerChan(c, t.rt); // a receive fires it once due (Go 1.23)
        t.rt.reset(Time.when(d), 0);
        return t;
    }

    static Timer afterFunc(long d, Runnable f) {
        Timer t = new Timer(null, dev.gort.runtime.Timer.newGoFuncTimer(f));
        t.rt.reset(Time.when(d), 0);
        return t;
    }

    /** Go's sendTime: a non-blocking send of the firing time (dropped if the slot is full). */
    @SuppressWarnings("unchecked")
    static void sendTime(Object arg, long seq, long delay) {
        ((Chan<Instant>) arg).trySend(Time.now().minusNanos(delay));
    }

    /** Empties a timer channel's slot; returns whether it held a value. */
    static boolean drain(Chan<Instant> c) {
        Recv<Instant> r = c.tryRecv();
        return r != null && r.ok();
    }

    /** Go's {@code t.C}: the channel the time is sent on; null for a Timer made by afterFunc. */
    public RecvChan<Instant> c() {
        return c;
    }

    /**
     * Go's {@code Timer.Stop}: prevents the timer from firing. Returns true if the call stopped it
     * (or discarded an unreceived value), false if it had already fired and its value was
     * received, or had been stopped. For an afterFunc timer, false means f has been started in its
     * own goroutine. Stopping twice is allowed and returns false the second time.
     */
    public boolean stop() {
        if (c != null) {
            Linkname.timerUsedByPlatformThread(c);
        }
        return rt.stop();
    }

    /**
     * Go's {@code Timer.Reset}: makes the timer expire after d (at once if d &lt;= 0), whether it is
     * running, expired or stopped. Returns true if it was running (or held an unreceived value,
     * which is discarded).
     */
    public boolean reset(Duration d) {
        if (c != null) {
            Linkname.timerUsedByPlatformThread(c);
        }
        return rt.reset(Time.when(Time.nanos(d)), 0);
    }
}
