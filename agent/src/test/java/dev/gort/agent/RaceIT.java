package dev.gort.agent;

import dev.gort.testing.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The race detector end to end: each program of gortfixture.race.Programs runs RUNS times in a
 * child JVM with -javaagent:gort-agent.jar=race. Racy programs must be caught in every run and
 * end with "Found N data race(s)" and exit status 66; race-free ones must never be reported and
 * exit 0. RUNS = 50 x gort.stress (the runs share one JVM, so CI pays one JVM start per program,
 * about 13 x 1-2 s).
 */
class RaceIT {
    private static final int RUNS = 50 * Integer.getInteger("gort.stress", 1);
    private static final String MAIN = "gortfixture.race.Programs";

    private static ChildJvm.Result run(String program) throws Exception {
        return ChildJvm.run(90, true, List.of(AgentJar.javaagent("race,include=gortfixture.*")), MAIN, program,
                String.valueOf(RUNS));
    }

    @ParameterizedTest
    @ValueSource(strings = {"racy-counter", "racy-captured", "racy-array-element", "racy-publication",
            "racy-read-shared-then-write", "racy-map", "racy-write-after-send"})
    @Timeout(120)
    void racyProgramIsCaughtInEveryRun(String program) throws Exception {
        ChildJvm.Result r = run(program);
        assertEquals(66, r.exit(), "Go's exit status for a run with races\n" + r);
        assertTrue(r.stdout().contains("runs=" + RUNS + " racy-runs=" + RUNS), r.toString());
        assertTrue(r.stderr().contains("WARNING: DATA RACE"), r.toString());
        Matcher m = Pattern.compile("Found (\\d+) data race\\(s\\)\\s*$").matcher(r.stderr());
        assertTrue(m.find(), r.toString());
        int reports = r.stderr().split("WARNING: DATA RACE", -1).length - 1;
        assertEquals(reports, Integer.parseInt(m.group(1)), "one count per report\n" + r);
        assertTrue(reports <= 4, "each pair of sites reported once, not once per run\n" + r);
    }

    @ParameterizedTest
    @ValueSource(strings = {"free-mutex", "free-synchronized", "free-waitgroup-join", "free-thread-join",
            "free-chan-handoff", "free-chan-semaphore", "free-volatile-publication", "free-array-distinct",
            "free-concurrent-map", "free-gort-chan-handoff", "free-gort-chan-semaphore", "free-gort-chan-close"})
    @Timeout(120)
    void raceFreeProgramIsNeverReported(String program) throws Exception {
        ChildJvm.Result r = run(program);
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.stdout().contains("runs=" + RUNS + " racy-runs=0"), r.toString());
        assertFalse(r.stderr().contains("DATA RACE"), r.toString());
    }

    @Test
    @Timeout(120)
    void reportHasGoFormat() throws Exception {
        ChildJvm.Result r = ChildJvm.run(90, true, List.of(AgentJar.javaagent("race,include=gortfixture.*")), MAIN,
                "racy-captured", "1");
        String frame = "  gortfixture\\.race\\.Programs\\.[\\w$]+\\(\\)\n      Programs\\.java:\\d+\n";
        Pattern report = Pattern.compile(
                "==================\n"
                        + "WARNING: DATA RACE\n"
                        + "(Write|Read) at (0x[0-9a-f]{16}) by goroutine (\\d+):\n"
                        + "(" + frame + ")+"
                        + "\n"
                        + "Previous (write|read) at \\2 by goroutine (\\d+):\n"
                        + frame
                        + "\n"
                        + "Goroutine \\3 \\((running|finished)\\) created at:\n"
                        + "(" + frame + ")+"
                        + "(\nGoroutine \\6 \\((running|finished)\\) created at:\n(" + frame + ")+)?"
                        + "==================\n"
                        + "Found 1 data race\\(s\\)\n");
        assertTrue(report.matcher(r.stderr()).find(), r.toString());
        assertEquals(66, r.exit(), r.toString());
    }
}
