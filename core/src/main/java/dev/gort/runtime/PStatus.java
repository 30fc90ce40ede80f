package dev.gort.runtime;

/**
 * A P's status, after Go's {@code _Pidle} … {@code _Pdead} (runtime2.go). The status word is also
 * the P's ownership lock: every transition out of {@link #RUNNING} and {@link #SYSCALL} is a CAS,
 * so exactly one party wins a P that sysmon and its M both reach for.
 */
enum PStatus {
    /**
     * On the idle list, or just retaken by sysmon, which hands it off at once. Only there (pidleget
     * marks a P it takes SCHED under the same sched.lock): sysmon goes to sleep when every P reads
     * IDLE or DEAD, and only pidleget wakes it (see Sysmon). On the idle list its run queue is
     * empty (pidleput refuses a P with work); a retaken P keeps its queue, which handoffp hands on
     * with the P. Stealers skip an IDLE P.
     */
    IDLE,
    /**
     * Held by an M that is running a goroutine's code. The running goroutine may enter the runtime
     * (to ready a G onto this P) only by CASing RUNNING to {@link #SCHED} and back; sysmon may
     * retake the P by CASing RUNNING away (see Sysmon's hog retake).
     */
    RUNNING,
    /**
     * Held exclusively by its M's scheduler code, or by its running goroutine inside a runtime call
     * (pinned to the M meanwhile: Proc's "Inside the runtime"). Nobody else may change it.
     */
    SCHED,
    /** Its M's goroutine is in {@code Go.syscall}; sysmon may retake it by CAS. */
    SYSCALL,
    /** Beyond GOMAXPROCS. Its queues are empty and nobody owns it. */
    DEAD
}
