package dev.gort.time;

import dev.gort.Panic;
import dev.gort.chan.Chan;
import dev.gort.chan.RecvChan;
import dev.gort.runtime.Linkname;

import java.time.Duration;
import java.time.Instant;

/*
 * Ticker: Go's time.Ticker (src/time/tick.go) over a periodic runtime timer with a 1-slot channel.
 * A tick that finds the slot full is dropped (the timer's send is non-blocking), so a slow
 * receiver sees at most one stale tick and the period does not drift: the runtime timer advances
 * its deadline by whole periods, skipping missed ones (dev.gort.runtime.Timer.fireAndUnlock). Stop
 * and reset drain the slot (Go 1.23). Its channel's len and cap are 0, as Timer's.
 */
/**
 * Go's {@code time.Ticker}: delivers the time on {@link #c()} every period, dropping ticks for
 * slow receivers. As since Go 1.23, a Ticker nobody references any more is garbage, stopped or
 * not: the runtime holds its timer only while a receiver waits on {@link #c()}. {@link #stop}
 * is still how to end the ticks of a Ticker that is kept.
 */
public final class Ticker {
    private final Chan<Instant> c = Chan.make(1);
    private final dev.gort.runtime.Timer rt;

    Ticker(long period) {
        rt = new dev.gort.runtime.Timer(Timer::sendTime, c, () -> Timer.drain(c));
        Linkname.timerChan(c, rt); // a receive fires a due tick (Go 1.23)
        rt.reset(Time.when(period), period);
    }

    /** Go's {@code ticker.C}. */
    public RecvChan<Instant> c() {
        return c;
    }

    /** Go's {@code Ticker.Stop}: no more ticks are sent; a tick not yet received is discarded. */
    public void stop() {
        Linkname.timerUsedByPlatformThread(c);
        rt.stop();
    }

    /**
     * Go's {@code Ticker.Reset}: stops the ticker and restarts it with period d; the next tick
     * arrives after d.
     *
     * @throws Panic "non-positive interval for Ticker.Reset" if d &lt;= 0
     */
    public void reset(Duration d) {
        long ns = Time.nanos(d);
        if (ns <= 0) {
            throw new Panic("non-positive interval for Ticker.Reset");
        }
        Linkname.timerUsedByPlatformThread(c);
        rt.reset(Time.when(ns), ns);
    }
}
