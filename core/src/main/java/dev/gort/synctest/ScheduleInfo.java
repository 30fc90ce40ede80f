package dev.gort.synctest;

/**
 * Attached as a suppressed exception to whatever a failing bubble throws, so that a test report
 * shows the schedule (seed and decision-log hash) and the call that replays it. Read it back with
 * {@link Synctest#scheduleOf(Throwable)}.
 */
public final class ScheduleInfo extends RuntimeException {
    private final transient Schedule schedule;

    ScheduleInfo(Schedule schedule) {
        super(schedule + (schedule.seeded() ? "; replay with " + schedule.replayCall() : ""), null, false, false);
        this.schedule = schedule;
    }

    /** The failing bubble's schedule. */
    public Schedule schedule() {
        return schedule;
    }
}
