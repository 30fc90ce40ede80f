package dev.gort.synctest;

/**
 * What one bubble's schedule was: the seed of its PRNG, whether it was a seeded (PCT) schedule,
 * how many decisions it made and the hash of their log. Two runs of the same program with the same
 * seed make the same decisions, so their hashes are equal, unless {@link #outsideEvents()} is
 * non-zero: wake-ups from outside the bubble (a platform thread, real I/O, a JDK lock or timed
 * park, a channel made outside) come at times no seed controls.
 *
 * @param seed the PRNG's seed
 * @param seeded true for {@link Synctest#test(long, Runnable)}, false for {@link Synctest#test(Runnable)}
 * @param decisions the number of decisions logged
 * @param hash the decision-log hash (64-bit FNV-1a over the decisions)
 * @param outsideEvents wake-ups that came from outside the bubble
 */
public record Schedule(long seed, boolean seeded, long decisions, long hash, long outsideEvents) {
    /** Whether the seed alone determined the schedule (no wake-up came from outside the bubble). */
    public boolean reproducible() {
        return outsideEvents == 0;
    }

    /** The one-line call that replays this schedule: {@code Synctest.test(0x1234abcdL, f)}. */
    public String replayCall() {
        return "Synctest.test(" + hex(seed) + "L, f)";
    }

    @Override
    public String toString() {
        return "synctest schedule: seed " + hex(seed) + (seeded ? "" : " (unseeded)") + ", " + decisions
                + " decisions, log hash " + hex(hash)
                + (outsideEvents > 0 ? ", " + outsideEvents + " wake-up(s) from outside the bubble (not reproducible)" : "");
    }

    static String hex(long v) {
        return String.format("0x%016x", v);
    }
}
