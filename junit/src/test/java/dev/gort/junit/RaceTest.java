package dev.gort.junit;

import gortfixture.junit.RacyFixtures;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;
import org.opentest4j.AssertionFailedError;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectMethod;

/**
 * With the race detector on (Surefire's "race" execution passes -javaagent:gort-agent.jar=race), a
 * race fails the test during which it was reported, with the report, and the run goes on: the
 * test after it passes, and the JVM does not exit with 66 (Surefire would report the fork as
 * crashed, failing the build).
 */
class RaceTest {
    private static Events run(String method) {
        return EngineTestKit.engine("junit-jupiter").selectors(selectMethod(RacyFixtures.class, method))
                .execute().testEvents();
    }

    @BeforeAll
    static void raceDetectorOn() {
        if ("required".equals(System.getProperty("gort.junit.race"))) {
            assertTrue(RaceWatch.ON, "the race execution runs with -javaagent:gort-agent.jar=race");
        }
        assumeTrue(RaceWatch.ON, "runs in Surefire's race execution, under the race detector");
    }

    @Test
    void aRaceFailsItsTestWithTheReportAndTheRunGoesOn() {
        Events racy = run("races");
        assertEquals(1, racy.failed().count(), "the racy test failed");
        Throwable t = racy.failed().list().get(0).getPayload(TestExecutionResult.class).orElseThrow()
                .getThrowable().orElseThrow();
        assertInstanceOf(AssertionFailedError.class, t);
        String msg = t.getMessage();
        assertTrue(msg.startsWith("race detected during execution of test: "), msg);
        assertTrue(msg.contains("WARNING: DATA RACE\n"), msg);
        assertTrue(msg.contains("gortfixture.junit.RacyFixtures.lambda$races$"), "the report names the racy code: " + msg);

        Events clean = run("doesNotRace");
        assertEquals(1, clean.succeeded().count(), "the next test is not blamed");
    }
}
