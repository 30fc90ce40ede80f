package dev.gort.tools;

import dev.gort.launcher.Launcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The program JVM's command line that gort run builds (the runs themselves are in LauncherTest). */
@Timeout(30)
class RunCommandTest {
    @Test
    void commandLineHasGortsFlagsTheUsersOptionsAndTheProgramsArguments(@TempDir Path dir) throws Exception {
        Path trace = dir.resolve("out.trace");
        List<String> cmd = GortRun.command("--procs", "3", "--schedtrace", "50", "--trace", trace.toString(),
                "-J-Xmx64m", "--jvm-arg", "-Dk=v", "-cp", "a" + File.pathSeparator + "b",
                "com.example.Main", "--procs", "-x", "arg");
        int launcher = cmd.indexOf(Launcher.class.getName());
        assertTrue(launcher > 0, cmd.toString());
        List<String> jvm = cmd.subList(1, launcher), rest = cmd.subList(launcher + 1, cmd.size());
        assertEquals(Path.of(System.getProperty("java.home"), "bin", "java").toString(), cmd.get(0));
        assertTrue(jvm.containsAll(List.of("--add-opens", "java.base/java.lang=ALL-UNNAMED", "-Dgort.schedtrace=50",
                "-Dgort.trace=" + trace.toAbsolutePath(), "-Xmx64m", "-Dk=v")), jvm.toString());
        assertTrue(jvm.indexOf("-Dk=v") > jvm.indexOf("-Dgort.schedtrace=50"), "the user's options come last: " + jvm);
        String cp = jvm.get(jvm.indexOf("-cp") + 1);
        assertTrue(cp.endsWith(File.pathSeparator + "a" + File.pathSeparator + "b"), cp);
        // everything after the main class is the program's, options included
        assertEquals(List.of("--procs", "3", "--", "com.example.Main", "--procs", "-x", "arg"), rest);
    }

    /** As java: the last -cp wins, and a program argument "@x" is passed through, not read as an argument file. */
    @Test
    void repeatedClassPathAndAtArgumentsAreJavas(@TempDir Path dir) throws Exception {
        Path at = Files.writeString(dir.resolve("args"), "x y\n");
        List<String> cmd = GortRun.command("-cp", "a", "-cp", "b", "Main", "@" + at, "@@z");
        int launcher = cmd.indexOf(Launcher.class.getName());
        List<String> jvm = cmd.subList(1, launcher), rest = cmd.subList(launcher + 1, cmd.size());
        String cp = jvm.get(jvm.indexOf("-cp") + 1);
        assertTrue(cp.endsWith(File.pathSeparator + "b") && !cp.contains(File.pathSeparator + "a"), cp);
        assertEquals(List.of("--", "Main", "@" + at, "@@z"), rest);
    }

    /** As java's source launcher: the JVM options javac needs too are handed to it. */
    @Test
    void sourceModeHandsJavacThePreviewAndModuleOptions() {
        assertEquals(List.of("--enable-preview", "--release", Integer.toString(Runtime.version().feature()),
                "--add-modules", "jdk.incubator.vector", "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"),
                RunCommand.javacOptions(List.of("-Xmx1g", "--enable-preview", "--add-modules=jdk.incubator.vector",
                        "-Dk=v", "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED")));
    }

    @Test
    void badValuesAreUsageErrorsNamingTheValue() {
        for (String[] bad : new String[][] {{"--procs", "0"}, {"--schedtrace", "-5"}, {"-JXmx1g"},
                {"--trace", "/no/such/dir/t.trace"}}) {
            List<String> args = new java.util.ArrayList<>(List.of(bad));
            args.add("Main");
            var e = org.junit.jupiter.api.Assertions.assertThrows(picocli.CommandLine.ParameterException.class,
                    () -> GortRun.command(args.toArray(new String[0])));
            String v = bad[bad.length - 1];
            assertTrue(e.getMessage().contains(v.startsWith("-J") ? v.substring(2) : v), e.getMessage());
        }
    }

    @Test
    void wildcardEntriesAreTheDirectorysJars(@TempDir Path dir) throws Exception {
        Path lib = Files.createDirectories(dir.resolve("lib"));
        Files.writeString(lib.resolve("b.jar"), "");
        Files.writeString(lib.resolve("a.JAR"), "");
        Files.writeString(lib.resolve("notes.txt"), "");
        Files.createDirectories(lib.resolve("sub.jar"));
        String sep = File.pathSeparator;
        assertEquals(List.of("x", lib.resolve("a.JAR").toString(), lib.resolve("b.jar").toString(), ".", "y"),
                RunCommand.expand("x" + sep + lib + File.separator + "*" + sep + sep + "y")); // empty: "." as java
        assertEquals(List.of(), RunCommand.expand(dir.resolve("missing") + File.separator + "*"));
    }

    @Test
    void raceAddsTheAgentInRaceMode(@TempDir Path dir) throws Exception {
        Path agent = Files.writeString(dir.resolve("gort-agent.jar"), "");
        String old = System.getProperty("gort.agent");
        System.setProperty("gort.agent", agent.toString());
        try {
            List<String> cmd = GortRun.command("-race", "Main");
            assertTrue(cmd.contains("-javaagent:" + agent + "=race"), cmd.toString());
        } finally {
            if (old == null) {
                System.clearProperty("gort.agent");
            } else {
                System.setProperty("gort.agent", old);
            }
        }
    }
}
