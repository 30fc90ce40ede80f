package dev.gort.agent;

import dev.gort.testing.ChildJvm;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Go's race detector test suite (src/runtime/race/testdata), file by file, against gort's
 * detector: gortfixture.race.GoRacePorts runs every port of one Go file RUNS times in a child JVM
 * with -javaagent:gort-agent.jar=race, and prints each port's count of runs with a race. Go's
 * TestRaceX must be reported in every run, its TestNoRaceX in none: a TestNoRace port with a
 * report is a false positive of the detector (a happens-before edge of Go's memory model that
 * gort's hooks miss), a TestRace port without one a false negative (an edge gort invents). The
 * child inherits GOMAXPROCS from the environment (./gort repeat sets it). RUNS = 20 x gort.stress.
 *
 * Not run: GoRacePorts' "unmodelled" group, Go's tests whose only race is on the channel itself
 * (a send against a close: Go's chansend reads the channel and closechan writes it, with
 * racereadpc/racewritepc). gort's Race hooks are happens-before edges only, with no access of
 * their own, so those are found only in the runs where the send happens after the close, through
 * the user's variables, and never when the test has none. Likewise Go's WaitGroup misuse races
 * (TestRaceWaitGroupWrongAdd, TestRaceWaitGroupReuse: race.Read/race.Write on wg.sema) are not
 * ported. FastTrack's essay lists this under its limits. Nor GoRacePorts' "open" group: Go's
 * TestRaceAfterFunc3, a false negative seen in about one JVM in ten under ./gort repeat, whose
 * cause is not yet found (see the group's comment); nor its "inexact" group, Go's
 * TestRaceAtomicAddInt64, which the agent's release-before, acquire-after hooks on
 * java.util.concurrent calls can miss in a narrow interleaving (see the group's comment).
 */
class GoRacePortsIT {
    private static final int RUNS = 20 * Integer.getInteger("gort.stress", 1);
    private static final Pattern LINE = Pattern.compile("^(Test\\w+) runs=(\\d+) racy-runs=(\\d+)$", Pattern.MULTILINE);

    @ParameterizedTest
    @ValueSource(strings = {"chan", "select", "sync", "mutex", "rwmutex", "waitgroup", "atomic"})
    @Timeout(300)
    void everyTestRaceIsReportedInEveryRunAndNoTestNoRaceEver(String file) throws Exception {
        ChildJvm.Result r = ChildJvm.run(280, true, List.of(AgentJar.javaagent("race,include=gortfixture.*")),
                "gortfixture.race.GoRacePorts", file, String.valueOf(RUNS));
        Matcher m = LINE.matcher(r.stdout());
        List<String> wrong = new ArrayList<>();
        int ports = 0, racy = 0;
        while (m.find()) {
            ports++;
            String name = m.group(1);
            int runs = Integer.parseInt(m.group(2)), racyRuns = Integer.parseInt(m.group(3));
            assertEquals(RUNS, runs, r.toString());
            boolean wantRace = name.startsWith("TestRace");
            if (wantRace) {
                racy++;
            }
            if (racyRuns != (wantRace ? runs : 0)) {
                wrong.add(name + ": a race in " + racyRuns + " of " + runs + " runs, want " + (wantRace ? runs : 0));
            }
        }
        assertTrue(ports > 0, "no port ran\n" + r);
        assertTrue(wrong.isEmpty(), String.join("\n", wrong) + "\n" + r);
        assertEquals(racy > 0 ? 66 : 0, r.exit(), "Go's exit status for a run with races\n" + r);
    }
}
