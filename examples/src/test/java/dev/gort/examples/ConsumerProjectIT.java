package dev.gort.examples;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * What the consumer project (examples/consumer, a user's project built by maven-invoker-plugin
 * against gort's installed artifacts) must show, on the module path and on the class path:
 * its @GoTests that pass pass, and so do the three invocations of its @ParameterizedTest under
 * @GoTestTemplate; the one that deadlocks fails with Go's message and the dump, the one that leaks
 * a goroutine fails naming it; and its jar runs with java -jar (the manifest's Add-Opens) and on
 * the module path with --add-opens java.base/java.lang=dev.gort.
 */
class ConsumerProjectIT {
    private static final Path DIR = Path.of(System.getProperty("consumer.dir", "target/it/consumer"));
    private static final String SUM = "sum of squares 1..1000 = 333833500";

    @Test
    void modulePathTests() throws Exception {
        checkReports(DIR.resolve("target/surefire-reports-modulepath"));
    }

    @Test
    void classPathTests() throws Exception {
        checkReports(DIR.resolve("target/surefire-reports-classpath"));
    }

    private static void checkReports(Path reports) throws Exception {
        Element passing = suite(reports, "com.example.squares.SquaresTest");
        assertEquals("5", passing.getAttribute("tests"), "two @GoTests and a @GoTestTemplate's three invocations");
        assertEquals("0", passing.getAttribute("failures"), "SquaresTest passes");
        assertEquals("0", passing.getAttribute("errors"), "SquaresTest passes");

        Element broken = suite(reports, "com.example.squares.BrokenTest");
        assertEquals("2", broken.getAttribute("tests"));
        String deadlock = failureMessage(broken, "deadlocks");
        assertTrue(deadlock.startsWith("fatal error: all goroutines are asleep - deadlock!\n\ngoroutine "), deadlock);
        assertTrue(deadlock.matches("(?s).*goroutine \\d+ \\[chan send\\]:\ncom\\.example\\.squares\\.BrokenTest\\.deadlocks\\(\\.\\.\\.\\)\n"
                + "\\s+BrokenTest\\.java:\\d+\n.*"), "the dump shows where the test is stuck: " + deadlock);
        String leak = failureMessage(broken, "leaksTheSquarer");
        assertTrue(leak.startsWith("found unexpected goroutines: 1 started by the test still running"), leak);
        assertTrue(leak.matches("(?s).*goroutine \\d+ \\[chan receive\\]:\n.*com\\.example\\.squares\\.Squares\\.lambda\\$squarer\\$\\d+\\(\\.\\.\\.\\)\n.*"),
                "the leaked goroutine's stack: " + leak);
    }

    @Test
    void raceRunFailsTheRacyTestAndGoesOn() throws Exception {
        Element racy = suite(DIR.resolve("target/surefire-reports-race"), "com.example.squares.RacyTest");
        assertEquals("2", racy.getAttribute("tests"), "both tests ran: the fork did not exit with 66");
        assertEquals("1", racy.getAttribute("failures"));
        String race = failureMessage(racy, "countsWithoutALock");
        assertTrue(race.startsWith("race detected during execution of test: "), race);
        assertTrue(race.contains("WARNING: DATA RACE"), race);
        assertTrue(race.contains("com.example.squares.RacyTest.lambda$countsWithoutALock$"), race);
    }

    private static Element suite(Path reports, String cls) throws Exception {
        File f = reports.resolve("TEST-" + cls + ".xml").toFile();
        assertTrue(f.isFile(), "no report " + f + ": did the consumer build run?");
        Document d = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(f);
        return d.getDocumentElement();
    }

    private static String failureMessage(Element suite, String method) {
        NodeList cases = suite.getElementsByTagName("testcase");
        for (int i = 0; i < cases.getLength(); i++) {
            Element c = (Element) cases.item(i);
            if (c.getAttribute("name").equals(method)) {
                NodeList fs = c.getElementsByTagName("failure");
                assertEquals(1, fs.getLength(), method + " failed");
                return ((Element) fs.item(0)).getAttribute("message");
            }
        }
        return fail("no test case " + method);
    }

    @Test
    void javaDashJarNeedsNoFlag() throws Exception {
        Result r = java("-jar", "target/squares-1.0.jar");
        assertEquals(0, r.status, r.err);
        assertEquals(SUM, r.out.strip());
    }

    @Test
    void modulePathNeedsTheFlagForDevGort() throws Exception {
        String mp = "target/squares-1.0.jar" + File.pathSeparator + "target/lib";
        Result ok = java("--add-opens", "java.base/java.lang=dev.gort", "-p", mp, "-m", "com.example.squares/com.example.squares.Main");
        assertEquals(0, ok.status, ok.err);
        assertEquals(SUM, ok.out.strip());

        Result wrong = java("--add-opens", "java.base/java.lang=ALL-UNNAMED", "-p", mp, "-m", "com.example.squares/com.example.squares.Main");
        assertNotEquals(0, wrong.status, "ALL-UNNAMED does not open java.lang to a named module");
        assertTrue(wrong.err.contains("--add-opens java.base/java.lang=dev.gort"), "the error names the flag: " + wrong.err);
    }

    private record Result(int status, String out, String err) {}

    private static Result java(String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile("consumer", ".out"), err = Files.createTempFile("consumer", ".err");
        try {
            Process p = new ProcessBuilder(cmd).directory(DIR.toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("timed out: " + cmd);
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
