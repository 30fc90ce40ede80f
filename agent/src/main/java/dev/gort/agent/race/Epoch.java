package dev.gort.agent.race;

/**
 * FastTrack's epoch c@t packed in a long: the tid in the high 32 bits, the clock in the low 32.
 * {@link #NONE} (0) is the empty epoch: every thread's own clock starts at 1, so no access has
 * clock 0. {@link #SHARED} marks a read state that has been inflated to a vector clock.
 */
final class Epoch {
    private Epoch() {}

    static final long NONE = 0L;
    static final long SHARED = -1L;

    static long of(int tid, int clock) {
        return ((long) tid << 32) | (clock & 0xffffffffL);
    }

    static int tid(long e) {
        return (int) (e >>> 32);
    }

    static int clock(long e) {
        return (int) e;
    }
}
