package dev.gort.agent;

import dev.gort.testing.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Go's TestPreemption with the agent: at GOMAXPROCS=1 a goroutine spinning in a loop with no safe
 * point yields once flagged, so the main goroutine runs again after each of its sleeps. The flag
 * is set either by the test's PreemptFlagger (sysmon's marking without its retake, so only the
 * agent's back-edge safe point can free the P) or by gort's sysmon itself. The verdict is that
 * main ran again at all and the spinner passed its safe point: without the agent main never runs
 * again (the second test). How late main got the P back is printed, not asserted: it is the
 * 10ms quantum plus whatever the machine's load adds.
 */
class PreemptIT {
    private static final String MAIN = "gortfixture.preempt.SpinMain";

    @ParameterizedTest
    @ValueSource(strings = {"flagger", "sysmon"})
    @Timeout(60)
    void flaggedSpinnerYieldsWithAgent(String marker) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of(AgentJar.javaagent("preempt,include=gortfixture.*")));
        if (marker.equals("flagger")) {
            args.add("-Dgort.sysmon=false"); // marking without any retake: only the safe point can help
        }
        // a watchdog of 30 s: main's five sleeps need the spinner to yield five times, however loaded the machine
        ChildJvm.Result r = ChildJvm.run(45, true, args, MAIN, marker, "30000");
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.stdout().contains("spinner-flag=cleared"), "the spinner passed a safe point:\n" + r);
        double[] lat = latencies(r.stdout());
        System.out.println("PreemptIT " + marker + ": main's wake-up latencies (ms) " + Arrays.toString(lat));
        assertEquals(5, lat.length, "main slept and woke five times: " + Arrays.toString(lat));
        assertTrue(Arrays.stream(lat).allMatch(l -> l >= 0), "a sleep ended early: " + Arrays.toString(lat));
    }

    @Test
    @Timeout(60)
    void withoutAgentTheSpinnerNeverYieldsAndOnlyRetakeHelps() throws Exception {
        // marked but not retaken: the main goroutine starves for good (the watchdog, 3 s, exits with 3)
        ChildJvm.Result r = ChildJvm.run(45, true, List.of("-Dgort.sysmon=false"), MAIN, "flagger");
        assertEquals(3, r.exit(), r.toString());
        assertTrue(r.stdout().contains("victim-starved spinner-flag=set"), r.toString());
        // sysmon's retake moves the main goroutine to another M; the spinner never passed a safe point
        r = ChildJvm.run(45, true, List.of(), MAIN, "sysmon", "30000");
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.stdout().contains("spinner-flag=set"), r.toString());
    }

    private static double[] latencies(String out) {
        Matcher m = Pattern.compile("latencies-ms=\\[([^]]*)]").matcher(out);
        assertTrue(m.find(), "no latencies in: " + out);
        return Arrays.stream(m.group(1).split(",")).mapToDouble(s -> Double.parseDouble(s.trim())).toArray();
    }
}
