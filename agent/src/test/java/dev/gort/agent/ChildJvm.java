package dev.gort.agent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a fixture main in a child JVM, with or without the agent (as Go's runTestProg). */
final class ChildJvm {
    private ChildJvm() {}

    record Result(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit=" + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    /** The packaged agent jar; failsafe passes its path (the jar exists from the package phase on). */
    static Path agentJar() {
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

    /** -javaagent:... with the given options, or null for none. */
    static String javaagent(String options) {
        return "-javaagent:" + agentJar() + (options == null || options.isEmpty() ? "" : "=" + options);
    }

    static Result run(long timeoutSeconds, List<String> jvmArgs, String mainClass, String... args)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--add-opens");
        cmd.add("java.base/java.lang=ALL-UNNAMED");
        cmd.add("-XX:+UseSerialGC");
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass);
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile("gort-child", ".out");
        Path err = Files.createTempFile("gort-child", ".err");
        try {
            Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                throw new AssertionError("child JVM " + mainClass + " did not finish in " + timeoutSeconds + "s:\n"
                        + Files.readString(out, StandardCharsets.UTF_8) + Files.readString(err, StandardCharsets.UTF_8));
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
