package dev.gort.synctest;

/**
 * {@link Synctest#explore} found a schedule that fails. The message names the seed and the one-line
 * call that replays it, {@code Synctest.test(0x...L, f)}; the cause is what the bubble threw.
 */
public final class ExploreFailure extends AssertionError {
    private final transient Schedule schedule;
    private final int index;

    ExploreFailure(int index, int of, Schedule schedule, Throwable cause) {
        super("synctest.explore: schedule " + (index + 1) + " of " + of + " failed with seed "
                + Schedule.hex(schedule.seed()) + "L (" + schedule.decisions() + " decisions, log hash "
                + Schedule.hex(schedule.hash()) + "): " + cause + "\n  replay with " + schedule.replayCall(), cause);
        this.schedule = schedule;
        this.index = index;
    }

    /** The failing schedule; {@code schedule().seed()} replays it. */
    public Schedule schedule() {
        return schedule;
    }

    /** The failing seed. */
    public long seed() {
        return schedule.seed();
    }

    /** Which schedule (0-based) of the exploration failed. */
    public int index() {
        return index;
    }
}
