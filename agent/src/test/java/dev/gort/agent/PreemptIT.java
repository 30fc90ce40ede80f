package dev.gort.agent;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Go's TestPreemption with the agent: at GOMAXPROCS=1 a goroutine spinning in a loop with no safe
 * point yields once flagged, so the main goroutine runs again within 50ms of its sleep ending.
 * The flag is set by the test's PreemptFlagger (sysmon's marking, without its retake), so only the
 * agent's back-edge safe point can free the P.
 */
class PreemptIT {
    private static final String MAIN = "gortfixture.preempt.SpinMain";

    @Test
    @Timeout(60)
    void flaggedSpinnerYieldsWithAgent() throws Exception {
        ChildJvm.Result r = ChildJvm.run(45, List.of(ChildJvm.javaagent("preempt,include=gortfixture.*")), MAIN);
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().contains("spinner-flag=cleared"), "the spinner passed a safe point:\n" + r);
        double[] lat = latencies(r.out());
        double[] sorted = lat.clone();
        Arrays.sort(sorted);
        // 10ms quantum + the flagger's 1ms period; the median absorbs one unlucky wake on a loaded CI box
        assertTrue(sorted[sorted.length / 2] < 50, "median wake-up latency under 50ms: " + Arrays.toString(lat));
    }

    @Test
    @Timeout(60)
    void spinnerWithoutAgentNeverReachesASafePoint() throws Exception {
        ChildJvm.Result r = ChildJvm.run(45, List.of(), MAIN);
        // Without sysmon's retake the main goroutine starves (exit 3); with it, it runs on another
        // M. Either way the spinner itself never passed a safe point.
        assertTrue(r.out().contains("spinner-flag=set"), r.toString());
        assertTrue(r.exit() == 3 || r.exit() == 0, r.toString());
    }

    private static double[] latencies(String out) {
        Matcher m = Pattern.compile("latencies-ms=\\[([^]]*)]").matcher(out);
        assertTrue(m.find(), "no latencies in: " + out);
        return Arrays.stream(m.group(1).split(",")).mapToDouble(s -> Double.parseDouble(s.trim())).toArray();
    }
}
