package dev.gort.runtime;

import java.util.HashMap;
import java.util.Map;

/**
 * Test stand-in for sysmon's preemption request (issue 5): a platform daemon thread that, every
 * millisecond, flags each goroutine seen RUNNING without a break for more than 10ms, exactly as
 * sysmon's retake marks a long-running G (G.preempt, Proc.preemptRequested). It never retakes a
 * P, so a goroutine that reaches no safe point keeps its P: only the agent's safe points can make
 * it yield. Clears Proc.preemptRequested when no flagged goroutine is left.
 */
public final class PreemptFlagger {
    private PreemptFlagger() {}

    private static final long QUANTUM_NANOS = 10_000_000L;

    /** Starts the flagger thread. */
    public static void start() {
        Thread t = new Thread(PreemptFlagger::loop, "test-preempt-flagger");
        t.setDaemon(true);
        t.start();
    }

    /** Whether goroutine goid is still flagged (it has not passed a safe point since). */
    public static boolean flagged(long goid) {
        for (G gp : Proc.allgs()) {
            if (gp.goid == goid) {
                return gp.preempt;
            }
        }
        return false;
    }

    private static void loop() {
        Map<G, Long> runningSince = new HashMap<>();
        for (;;) {
            long now = System.nanoTime();
            boolean any = false;
            for (G gp : Proc.allgs()) {
                if (gp.status() != GStatus.RUNNING) {
                    runningSince.remove(gp);
                } else {
                    long since = runningSince.computeIfAbsent(gp, g -> now);
                    if (now - since > QUANTUM_NANOS) {
                        gp.preempt = true;
                        runningSince.remove(gp);
                    }
                }
                any |= gp.preempt;
            }
            runningSince.keySet().removeIf(gp -> gp.status() == GStatus.DEAD);
            Proc.preemptRequested = any;
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                return;
            }
        }
    }
}
