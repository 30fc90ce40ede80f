package dev.gort.runtime;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** Channels call the Race hooks so that a vector-clock detector sees Go's memory model (RaceHooksProg, in a child JVM). */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RaceHooksTest {
    @Test
    void channelsGiveGosHappensBeforeEdges() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(List.of(java, "--add-opens", "java.base/java.lang=ALL-UNNAMED",
                "-Dgort.race=true", "-cp", System.getProperty("java.class.path"), RaceHooksProg.class.getName()))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertTrue(p.waitFor(100, TimeUnit.SECONDS));
        assertEquals("OK", out);
    }
}
