package dev.gort.sync;

import dev.gort.Go;
import dev.gort.Panic;
import dev.gort.runtime.Linkname;
import dev.gort.runtime.Race;
import dev.gort.runtime.Sema;
import dev.gort.runtime.WaitReason;

import java.util.concurrent.atomic.AtomicLong;

/*
 * WaitGroup: Go's sync.WaitGroup (src/sync/waitgroup.go, Go 1.25 with WaitGroup.Go).
 *
 * State
 * -----
 * One 64-bit word: the counter in the high 32 bits, Go's bubble bit (BUBBLED, bit 31; see the
 * Synctest difference below) and the number of waiters in the low 31. Keeping them in one word
 * makes "counter reached 0 and there are w waiters" a single observation:
 *   add(delta): atomically add delta<<32 (a CAS that refuses a negative counter). If the counter
 *     is now > 0, or nobody waits, done.
 *     Otherwise the counter is 0 with w > 0 waiters: reset the word to 0 and semrelease w times.
 *   await: if the counter is 0, return. Else CAS waiters+1 and semacquire; on wake-up the word
 *     must be 0 (the releasing add reset it); if not, the group was reused too early.
 *
 * Invariants
 * ----------
 *  - The counter is never negative (panic "sync: negative WaitGroup counter").
 *  - When add brings the counter to 0 with waiters, nobody else touches the word until the
 *    waiters are released (otherwise "WaitGroup misuse: Add called concurrently with Wait").
 *  - Race: done/add(<0) release-merge into the group; await acquires it.
 *
 * Differences from Go
 * -------------------
 *  - Panics are dev.gort.Panic with Go's messages. An add that would make the counter negative
 *    is refused, not applied (a CAS loop), so a caller that catches the panic still has a usable
 *    group, and no other goroutine ever sees the counter below zero (Go applies the add and leaves
 *    the state negative; gort once applied it and undid it, and in that window a concurrent add
 *    could release the waiters early, or a waiter could queue on a counter about to read 0).
 *  - Synctest: Go 1.25 keeps a bubble bit in the word and associates the group with the bubble
 *    of its first Add (a special on the object). Here the add that starts the counter from 0
 *    re-associates the Sema with the caller's bubble, or with none (Sema.associate): a wait is
 *    durable in the bubble that counted the group, wherever the group was made, as Go's, and a
 *    group whose count reached 0 may be counted in another bubble next. The add associates before
 *    its CAS makes the count visible, so no waiter can park for that count (and be classified,
 *    durable or not, by its bubble) on the old association; an add from 0 while waiters are still
 *    queued is misuse, as in Go. An add (done included) while the count is above 0 from another
 *    bubble than the group's, or from outside every bubble to a bubble's group, or from a bubble
 *    to a group counted outside, is Go's fatal error: "sync: WaitGroup.Add called from multiple
 *    synctest bubbles" or "... from inside and outside synctest bubble" (Sema.bubbleMismatch).
 *    As Go, a bubble bit in the state word (BUBBLED) says whether the count was started in a
 *    bubble, so an add outside bubbles pays one read (is any bubble live?) beside the word it
 *    already has: with no bubble live and the bit clear, an add from 0 does not re-associate (a
 *    group made in a bubble keeps that bubble, which is dead, and no live bubble's durability
 *    check matches it). Adds from 0 that associate take the Sema's monitor (addFromZero; only
 *    while a bubble is live or the bit is set) and associate only if the word is still the one
 *    they read, so two of them racing from two places are serialized: the first associates and
 *    publishes its count, the second finds the count above 0 and is checked against the first's
 *    association, Go's fatal error if they differ, as Go's first-wins Associate and Or of the
 *    bit catch the second. (Before the twentieth session each associated before its CAS with no
 *    lock: the second overwrote the first's association, its retry was checked against its own,
 *    and both adds passed. GoSynctestTest.waitGroupAddsFromZeroRacingFromTwoBubbles.) An add from
 *    0 made outside the monitor (no bubble live when it looked) that wins against one inside it
 *    leaves the latter's retry to find the count counted outside: "inside and outside". (The
 *    first version read the association and the live count on every add, four volatile reads
 *    per add and done where there had been none.)
 *  - await, because wait() is Object's.
 */
/**
 * Go's {@code sync.WaitGroup}: waits for a collection of goroutines to finish. Call {@link #add}
 * before starting each (or use {@link #go}), {@link #done} when each finishes, and {@link #await}
 * to block until all have. A WaitGroup may be reused once every previous {@code await} returned.
 *
 * <p>Memory: each {@link #done} happens-before the return of any {@link #await} it unblocks.
 */
public final class WaitGroup {
    /**
     * High 32 bits: counter; bit 31: BUBBLED; bits 0-30: waiters. Atomic ops by any thread.
     */
    private final AtomicLong state = new AtomicLong();
    /**
     * Go's waitGroupBubbleFlag: the add that started the current count was made in a synctest
     * bubble (sema's association is that bubble). Set or cleared by that add's CAS; kept while the
     * count is above 0 and after it returns to 0 with nobody waiting; cleared with the waiters.
     */
    private static final long BUBBLED = 1L << 31;
    private static final long WAITERS = BUBBLED - 1;
    private final Sema sema = new Sema();

    /** A WaitGroup with counter 0. */
    public WaitGroup() {}

    /**
     * Adds delta (which may be negative) to the counter. When it reaches 0, every goroutine
     * blocked in {@link #await} is released. Calls with a positive delta that start from 0 must
     * happen before an {@code await}.
     *
     * @throws Panic "sync: negative WaitGroup counter" if the counter would go negative;
     *     "sync: WaitGroup misuse: Add called concurrently with Wait" on that misuse
     * @throws dev.gort.FatalError Go's fatal error, which ends the runs, if the count is above 0
     *     and was started in a synctest bubble other than the caller's ("sync: WaitGroup.Add
     *     called from multiple synctest bubbles"), or only one of the two is a bubble ("... from
     *     inside and outside synctest bubble")
     */
    public void add(int delta) {
        if (Linkname.outsideGoroutines()) {
            sema.touch();
        }
        if (delta < 0) {
            Race.releaseMerge(this);
        }
        long st;
        for (;;) { // Go adds, then panics on a negative counter; gort refuses the add first (see the essay)
            long cur = state.get();
            long nv = (cur >> 32) + delta;
            if (nv < 0 || nv > Integer.MAX_VALUE) { // beyond int32, Go's counter wraps negative
                throw new Panic("sync: negative WaitGroup counter");
            }
            st = cur + ((long) delta << 32);
            if ((cur & BUBBLED) != 0 || Linkname.bubblesLive()) { // else no bubble is involved: one read
                if ((cur >> 32) == 0 && delta > 0) {
                    if ((st = addFromZero(cur, st)) >= 0) {
                        break;
                    }
                    continue; // the state moved: another add's, maybe from another bubble
                }
                bubbleRules(cur);
            }
            if (state.compareAndSet(cur, st)) {
                break;
            }
        }
        int v = (int) (st >> 32);
        int w = (int) (st & WAITERS);
        if (w != 0 && delta > 0 && v == delta) {
            throw new Panic("sync: WaitGroup misuse: Add called concurrently with Wait");
        }
        if (v > 0 || w == 0) {
            return;
        }
        // The counter is 0 and there are waiters. Nobody may change the state now: adds must not
        // race with await, and await does not increment waiters once it sees the counter at 0.
        if (state.get() != st) {
            throw new Panic("sync: WaitGroup misuse: Add called concurrently with Wait");
        }
        state.set(0);
        for (; w != 0; w--) {
            sema.semrelease(false);
        }
    }

    /**
     * An add from 0 while a bubble is involved (see the essay): under the Sema's monitor, so that
     * one such add at a time associates the group, and only if the state is still cur, associates
     * it with the caller's bubble (or none) and publishes st with BUBBLED to match. Returns the
     * state it published, or -1 if the state had moved (the caller starts again, and sees the
     * count another add published, with that add's association).
     */
    private long addFromZero(long cur, long st) {
        synchronized (sema) {
            if (state.get() != cur) {
                return -1;
            }
            st = sema.associate() ? st | BUBBLED : st & ~BUBBLED;
            return state.compareAndSet(cur, st) ? st : -1;
        }
    }

    /**
     * The synctest rule of an add (done included) to a count above 0, cur's: from elsewhere than
     * the group's bubble, it is Go's fatal error.
     */
    private void bubbleRules(long cur) {
        if ((cur >> 32) == 0) {
            return; // an add of 0, or a negative one refused above
        }
        String mixed = sema.bubbleMismatch((cur & BUBBLED) != 0);
        if (mixed != null) {
            throw Linkname.syncFatal(mixed);
        }
    }

    /** Decrements the counter by one. @throws Panic "sync: negative WaitGroup counter" */
    public void done() {
        add(-1);
    }

    /**
     * Blocks until the counter is 0 (Go's Wait), parking with reason {@code sync.WaitGroup.Wait}.
     *
     * @throws Panic "sync: WaitGroup is reused before previous Wait has returned" on that misuse
     */
    public void await() {
        if (Linkname.outsideGoroutines()) {
            sema.touch();
        }
        for (;;) {
            long st = state.get();
            int v = (int) (st >> 32);
            if (v == 0) {
                Race.acquire(this);
                return;
            }
            if (state.compareAndSet(st, st + 1)) {
                sema.semacquire(false, WaitReason.SYNC_WAITGROUP_WAIT);
                if (state.get() != 0) {
                    throw new Panic("sync: WaitGroup is reused before previous Wait has returned");
                }
                Race.acquire(this);
                return;
            }
        }
    }

    /**
     * Go 1.25's {@code WaitGroup.Go}: adds 1, runs f in a new goroutine, and calls done when f
     * returns (or throws, which also panics that goroutine as usual).
     */
    public void go(Runnable f) {
        if (f == null) {
            throw new NullPointerException("WaitGroup.go: f is null");
        }
        add(1);
        Go.go(() -> {
            try {
                f.run();
            } finally {
                done();
            }
        });
    }

    /** The counter, a racy snapshot. */
    int counter() {
        return (int) (state.get() >> 32);
    }
}
