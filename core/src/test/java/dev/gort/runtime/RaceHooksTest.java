package dev.gort.runtime;

import dev.gort.testing.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** Channels call the Race hooks so that a vector-clock detector sees Go's memory model (RaceHooksProg, in a child JVM). */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RaceHooksTest {
    @Test
    void channelsGiveGosHappensBeforeEdges() throws Exception {
        // ChildJvm: the child gets the module path's entries too, so this also passes in core's
        // module-path execution when named with -Dtest
        ChildJvm.Result r = ChildJvm.run(100, true, List.of("-Dgort.race=true"), RaceHooksProg.class.getName());
        assertEquals(0, r.exit(), r.toString());
        assertEquals("OK", r.stdout().trim(), r.toString());
    }
}
