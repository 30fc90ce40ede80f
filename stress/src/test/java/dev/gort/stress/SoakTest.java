package dev.gort.stress;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * CI's short soak campaign: random programs (RandomProgram) at base GOMAXPROCS 1, 2, 4 and 8,
 * 30 s each by default (-Dgort.soak.seconds). A hang ends the fork from Soak's watchdog with the
 * evidence and the seed; anything else wrong fails here with the summary line. Long campaigns:
 * ./gort stress, recorded in docs/reliability.md.
 */
class SoakTest {
    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void randomProgramsHoldAtEveryGomaxprocs() {
        long seconds = Long.getLong("gort.soak.seconds", 30);
        long seed = Long.getLong("gort.soak.seed", System.nanoTime());
        for (int procs : new int[] {1, 2, 4, 8}) {
            Soak.Result r = Soak.campaign(procs, TimeUnit.SECONDS.toNanos(seconds), Long.MAX_VALUE, seed, true);
            System.out.println(r);
            assertTrue(r.programs() > 0, "no program ran: " + r);
            assertTrue(r.clean(), r.toString());
            seed = r.lastSeed() + 1;
        }
    }
}
