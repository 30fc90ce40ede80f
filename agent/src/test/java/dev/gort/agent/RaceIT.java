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
 * about 40 x 1-3 s). The report tests check whole reports, line numbers included (marker
 * comments in Programs.java name the lines).
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
            "racy-read-shared-then-write", "racy-map", "racy-write-after-send", "racy-executor-tasks",
            "racy-executor-after-submit", "racy-completable-after-supply", "racy-virtual-thread", "racy-hashmap-cache",
            "racy-lazy-init", "racy-two-mutexes"})
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
            "free-concurrent-map", "free-gort-chan-handoff", "free-gort-chan-semaphore", "free-gort-chan-close",
            "free-context-cancel", "free-synctest-wait",
            "free-executor-submit-get", "free-executor-invoke-all", "free-executor-close", "free-scheduled-executor",
            "free-completion-service", "free-completable-chain", "free-virtual-threads", "free-virtual-executor",
            "free-fork-join"})
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
                        + "(Write|Read) at (field gortfixture\\.race\\.Programs\\$Data\\.x of gortfixture\\.race\\.Programs\\$Data@[0-9a-f]+) by goroutine (\\d+):\n"
                        + "(" + frame + ")+"
                        + "\n"
                        + "Previous (write|read) at \\2 by goroutine (\\d+):\n"
                        + "(" + frame + ")+"
                        + "\n"
                        + "Goroutine \\3 \\((running|finished)\\) created at:\n"
                        + "(" + frame + ")+"
                        + "(\nGoroutine \\6 \\((running|finished)\\) created at:\n(" + frame + ")+)?"
                        + "==================\n"
                        + "Found 1 data race\\(s\\)\n");
        assertTrue(report.matcher(r.stderr()).find(), r.toString());
        assertEquals(66, r.exit(), r.toString());
    }

    /** The line of Programs.java that ends with the marker comment "// @tag". */
    private static int line(String tag) throws Exception {
        // From the test classes' directory (target/test-classes), not the working directory: the
        // shade plugin's dependency-reduced pom moves the module's basedir into target/.
        java.nio.file.Path module = java.nio.file.Path.of(RaceIT.class.getProtectionDomain().getCodeSource()
                .getLocation().toURI()).getParent().getParent();
        List<String> src = java.nio.file.Files.readAllLines(module.resolve("src/test/java/gortfixture/race/Programs.java"));
        for (int i = 0; i < src.size(); i++) {
            if (src.get(i).endsWith("// @" + tag)) {
                return i + 1;
            }
        }
        throw new AssertionError("no marker @" + tag + " in Programs.java");
    }

    private static String frame(String method, String tag) throws Exception {
        return "  gortfixture.race.Programs." + method + "()\n      Programs.java:" + line(tag) + "\n";
    }

    /**
     * The whole report, exactly, for a race between an executor's task and its submitter: the
     * variable's name, both threads' names, the previous access's full stack (two frames, the
     * task's lambda calling readX), and no frame of gort, the agent or the JDK's executor.
     */
    @Test
    @Timeout(120)
    void reportNamesTheFieldAndShowsThePreviousStack() throws Exception {
        ChildJvm.Result r = ChildJvm.run(90, true, List.of(AgentJar.javaagent("race,include=gortfixture.*")), MAIN,
                "report-executor", "1");
        String data = Pattern.quote("gortfixture.race.Programs$Data");
        Pattern report = Pattern.compile(
                "==================\n"
                        + "WARNING: DATA RACE\n"
                        + "Write at field " + data + "\\.x of " + data + "@([0-9a-f]+) by goroutine 1:\n"
                        + Pattern.quote(frame("reportExecutor", "submitter-writes")
                        + frame("lambda$main$0", "main-run"))
                        + "\n"
                        + "Previous read at field " + data + "\\.x of " + data + "@\\1 by thread pool-\\d+-thread-1:\n"
                        + Pattern.quote(frame("readX", "readX")) + "  gortfixture\\.race\\.Programs\\.lambda\\$reportExecutor\\$\\d+\\(\\)\n"
                        + "      Programs\\.java:" + line("task-calls-readX") + "\n"
                        + "\n"
                        + "Goroutine 1 \\(running\\) created at:\n"
                        + Pattern.quote(frame("main", "main-go-run"))
                        + "==================\n"
                        + "Found 1 data race\\(s\\)\n");
        assertTrue(report.matcher(r.stderr()).find(), "expected\n" + report + "\n" + r);
        assertEquals(66, r.exit(), r.toString());
    }

    /**
     * An array element's report, between a virtual thread (named by its id, as it has no name;
     * with its "created at" stack) and the goroutine that started it.
     */
    @Test
    @Timeout(120)
    void reportNamesTheArrayElementAndTheVirtualThread() throws Exception {
        ChildJvm.Result r = ChildJvm.run(90, true, List.of(AgentJar.javaagent("race,include=gortfixture.*")), MAIN,
                "report-array", "1");
        Pattern report = Pattern.compile(
                "==================\n"
                        + "WARNING: DATA RACE\n"
                        + "Write at element \\[5\\] of long\\[\\]@([0-9a-f]+) by goroutine 1:\n"
                        + Pattern.quote(frame("reportArray", "starter-writes") + frame("lambda$main$0", "main-run"))
                        + "\n"
                        + "Previous write at element \\[5\\] of long\\[\\]@\\1 by virtual thread #(\\d+):\n"
                        + Pattern.quote(frame("store", "store")) + "  gortfixture\\.race\\.Programs\\.lambda\\$reportArray\\$\\d+\\(\\)\n"
                        + "      Programs\\.java:" + line("vthread-calls-store") + "\n"
                        + "\n"
                        + "Goroutine 1 \\(running\\) created at:\n"
                        + Pattern.quote(frame("main", "main-go-run"))
                        + "\n"
                        + "Virtual thread #\\2 \\(finished\\) created at:\n"
                        + Pattern.quote(frame("reportArray", "start-vthread") + frame("lambda$main$0", "main-run"))
                        + "==================\n"
                        + "Found 1 data race\\(s\\)\n");
        assertTrue(report.matcher(r.stderr()).find(), "expected\n" + report + "\n" + r);
        assertEquals(66, r.exit(), r.toString());
    }

    /** A write at a catch block's start, after a throw from three calls down: its stack is the lambda's frame alone. */
    @Test
    @Timeout(120)
    void previousStackAfterACaughtThrowHasNoStaleFrames() throws Exception {
        ChildJvm.Result r = ChildJvm.run(90, true, List.of(AgentJar.javaagent("race,include=gortfixture.*")), MAIN,
                "report-handler", "1");
        Pattern previous = Pattern.compile("Previous write at field [^\n]+ by virtual thread #\\d+:\n"
                + "  gortfixture\\.race\\.Programs\\.lambda\\$reportHandler\\$\\d+\\(\\)\n"
                + "      Programs\\.java:" + line("handler-writes") + "\n\n");
        assertTrue(previous.matcher(r.stderr()).find(), "expected\n" + previous + "\n" + r);
        assertEquals(66, r.exit(), r.toString());
    }
}
