package dev.gort.agent;

import java.nio.file.Files;
import java.nio.file.Path;

/** The packaged agent jar, for child JVMs (dev.gort.testing.ChildJvm) that run with it. */
final class AgentJar {
    private AgentJar() {}

    /** The packaged agent jar; failsafe passes its path (the jar exists from the package phase on). */
    static Path path() {
        String p = System.getProperty("gort.agent.jar");
        if (p == null) {
            throw new IllegalStateException("gort.agent.jar is not set: run the agent's tests with failsafe (mvn verify)");
        }
        Path jar = Path.of(p);
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("agent jar " + jar + " does not exist: package the agent module first");
        }
        return jar;
    }

    /** -javaagent:... with the given options, or without options for null or "". */
    static String javaagent(String options) {
        return "-javaagent:" + path() + (options == null || options.isEmpty() ? "" : "=" + options);
    }
}
