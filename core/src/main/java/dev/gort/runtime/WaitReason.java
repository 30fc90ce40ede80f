package dev.gort.runtime;

/** Why a goroutine is parked, with Go's wording (runtime2.go's waitReasonStrings). */
public enum WaitReason {
    CHAN_RECEIVE("chan receive"),
    CHAN_SEND("chan send"),
    CHAN_RECEIVE_NIL_CHAN("chan receive (nil chan)"),
    CHAN_SEND_NIL_CHAN("chan send (nil chan)"),
    SELECT("select"),
    SELECT_NO_CASES("select (no cases)"),
    SLEEP("sleep"),
    SYNC_MUTEX_LOCK("sync.Mutex.Lock"),
    SYNC_RWMUTEX_RLOCK("sync.RWMutex.RLock"),
    SYNC_RWMUTEX_LOCK("sync.RWMutex.Lock"),
    SYNC_WAITGROUP_WAIT("sync.WaitGroup.Wait"),
    SYNC_COND_WAIT("sync.Cond.Wait"),
    SEMACQUIRE("semacquire"),
    /**
     * Parked by the JDK's socket poller (a blocking socket or pipe operation), Go's netpoll wait.
     * Never set by gopark: dumps read it off the stack of a G parked in JDK code
     * (Traceback.jdkWaitReason); the tracer gives it to a park the poller ends (Trace "IO wait").
     */
    IO_WAIT("IO wait"),
    /** Parked in JDK code gort does not own (a j.u.c lock, a monitor, Thread.sleep), other than IO_WAIT. */
    JDK_PARK("jdk park"),
    /** Synctest.await (Go's synctest.Wait). After the older reasons, so their ordinals stay put. */
    SYNCTEST_WAIT("synctest.Wait"),
    /** Synctest.test's caller, waiting for its bubble to end (Go's waitReasonSynctestRun). */
    SYNCTEST_RUN("synctest.Run");

    /** Go's spelling, as in goroutine dumps. */
    public final String goName;

    WaitReason(String goName) {
        this.goName = goName;
    }

    @Override
    public String toString() {
        return goName;
    }
}
