package dev.gort.agent.race;

import java.util.Arrays;

/**
 * A vector clock: one logical clock per thread id (tid), dense, growing on demand. Missing entries
 * are 0. Not thread-safe: a thread's own clock is touched only by that thread (and by its creator
 * before it starts, and by a joiner after it ended); a sync object's clock and a variable's read
 * clock are touched under their owner's monitor.
 */
final class VectorClock {
    private int[] c;

    VectorClock() {
        c = new int[4];
    }

    VectorClock(VectorClock other) {
        c = other.c.clone();
    }

    int get(int tid) {
        return tid < c.length ? c[tid] : 0;
    }

    void set(int tid, int clock) {
        if (tid >= c.length) {
            c = Arrays.copyOf(c, Math.max(tid + 1, c.length * 2));
        }
        c[tid] = clock;
    }

    /** this := this join other (pointwise max). */
    void join(VectorClock other) {
        int[] o = other.c;
        if (o.length > c.length) {
            c = Arrays.copyOf(c, o.length);
        }
        for (int i = 0; i < o.length; i++) {
            if (o[i] > c[i]) {
                c[i] = o[i];
            }
        }
    }

    /** this := other. */
    void copyFrom(VectorClock other) {
        c = other.c.clone();
    }

    /** The highest tid with a slot (entries past it are 0). */
    int size() {
        return c.length;
    }

    @Override
    public String toString() {
        return Arrays.toString(c);
    }
}
