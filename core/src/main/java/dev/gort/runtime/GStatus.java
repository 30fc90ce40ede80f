package dev.gort.runtime;

/**
 * A goroutine's status, Go's {@code _Gidle} … {@code _Gdead} (runtime2.go). Each constant says who
 * owns the goroutine's stack (here: its continuation) in that state.
 */
public enum GStatus {
    /** Just allocated, not yet started. Owned by the creator. */
    IDLE("idle"),
    /** On a run queue (a P's runq or runnext, or the global queue). Not running; no M owns it. */
    RUNNABLE("runnable"),
    /**
     * Mounted on an M, which owns the continuation. The M holds a P, unless sysmon retook it while
     * the goroutine ran on (a hog, or a goroutine parked while pinned, which stays RUNNING): the
     * goroutine then runs without one until it parks or yields (Sysmon, "Hog retake").
     */
    RUNNING("running"),
    /**
     * Inside {@code Go.syscall}: mounted on an M that may have lost its P; or parked inside the
     * call (a socket read, say) until it is readied, since its M marks WAITING only a G that reads
     * RUNNING (G.afterRun). Once readied and run again it reads RUNNING to the call's end.
     */
    SYSCALL("syscall"),
    /**
     * Parked: not on any run queue. Whoever will unpark it owns it. {@code waitreason} says why when
     * the park went through the runtime's gopark; null means a park inside JDK code.
     */
    WAITING("waiting"),
    /** Finished. Nobody owns it; it has left the registry. */
    DEAD("dead");

    /** Go's spelling, as in goroutine dumps. */
    public final String goName;

    GStatus(String goName) {
        this.goName = goName;
    }
}
