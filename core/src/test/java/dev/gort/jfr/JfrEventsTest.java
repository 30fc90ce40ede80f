package dev.gort.jfr;

import dev.gort.testing.ChildJvm;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.*;

/**
 * gort's JFR events, end to end: a child JVM started with -XX:StartFlightRecording (every
 * dev.gort event on, no threshold) makes the runtime produce each one (JfrEventsProg); the JFR
 * file it leaves is read back with jdk.jfr.consumer.
 */
class JfrEventsTest {
    static final List<String> EVENTS = List.of("dev.gort.GoroutineCreate", "dev.gort.GoroutineBlock",
            "dev.gort.GoroutineUnblock", "dev.gort.ProcStart", "dev.gort.ProcStop", "dev.gort.Steal",
            "dev.gort.Preempt", "dev.gort.Retake", "dev.gort.SyscallHandoff", "dev.gort.Gomaxprocs",
            "dev.gort.Deadlock", "dev.gort.GoroutineLeak");

    @Test
    void everyEventTypeIsRecordedAndReadBack(@TempDir Path dir) throws Exception {
        Path jfc = dir.resolve("all.jfc");
        Files.writeString(jfc, gortJfc().replace(">false<", ">true<").replace("10 ms", "0 ms"));
        Path jfr = dir.resolve("run.jfr");
        // the child waits for each event to show up in its stream (about a second each): give it
        // 3 minutes, as a loaded machine needs, rather than ChildJvm.run's 60 s
        Path out = dir.resolve("child.out");
        Process p = ChildJvm.builder(true, List.of("-Djdk.trackAllThreads=false",
                "-XX:StartFlightRecording:filename=" + jfr + ",settings=" + jfc + ",dumponexit=true"),
                "dev.gort.jfr.JfrEventsProg").redirectErrorStream(true).redirectOutput(out.toFile()).start();
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            fail("JfrEventsProg did not finish in 180 s:\n" + Files.readString(out));
        }
        String text = Files.readString(out);
        assertEquals(0, p.exitValue(), text);
        assertTrue(text.contains("done") && !text.contains("missing"), text);

        List<RecordedEvent> evs = RecordingFile.readAllEvents(jfr);
        Map<String, List<RecordedEvent>> byType = evs.stream()
                .filter(e -> e.getEventType().getName().startsWith("dev.gort."))
                .collect(Collectors.groupingBy(e -> e.getEventType().getName()));
        for (String t : EVENTS) {
            assertTrue(byType.containsKey(t), t + " missing from the recording; present: " + byType.keySet());
        }

        // the 20 ms block of the main goroutine on its channel, woken by the goroutine labelled "sender"
        RecordedEvent sender = byType.get("dev.gort.GoroutineCreate").stream()
                .filter(e -> e.getString("site").startsWith("sender (JfrEventsProg.")).findFirst()
                .orElseThrow(() -> new AssertionError("no create event labelled sender: " + byType.get("dev.gort.GoroutineCreate")));
        RecordedEvent block = byType.get("dev.gort.GoroutineBlock").stream()
                .filter(e -> e.getLong("goid") == sender.getLong("parentGoid")
                        && e.getLong("unblocker") == sender.getLong("goid"))
                .findFirst().orElseThrow(() -> new AssertionError("no block of G" + sender.getLong("parentGoid")
                        + " unblocked by G" + sender.getLong("goid")));
        assertEquals("chan receive", block.getString("waitReason"), block.toString());
        assertTrue(block.getString("blocker").startsWith("HChan@"), block.toString());
        // durations are the parks' own (the receive may be split into several parks, and how much of
        // the sender's 20 ms sleep main spends parked depends on the machine: only > 0 is certain)
        assertTrue(block.getDuration().toNanos() > 0, block.toString());
        assertTrue(byType.get("dev.gort.GoroutineBlock").stream()
                .anyMatch(e -> "sleep".equals(e.getString("waitReason")) && e.getLong("goid") == sender.getLong("goid")
                        && e.getString("blocker").startsWith("Timer@")), "no sleep block of the sender");
        assertEquals("goroutine-" + block.getLong("goid"), block.getThread().getJavaName(), block.toString());
        assertTrue(block.getStackTrace().getFrames().stream()
                .anyMatch(f -> f.getMethod().getType().getName().equals(JfrEventsProg.class.getName())), block.toString());

        assertTrue(byType.get("dev.gort.Gomaxprocs").stream()
                .anyMatch(e -> e.getInt("oldValue") == 2 && e.getInt("newValue") == 1), byType.get("dev.gort.Gomaxprocs").toString());
        // sysmon may also retake a P in a syscall, and may do it first: the events come in any order
        assertTrue(byType.get("dev.gort.SyscallHandoff").stream().anyMatch(e -> "entersyscallblock".equals(e.getString("by"))),
                byType.get("dev.gort.SyscallHandoff").toString());
        RecordedEvent dl = byType.get("dev.gort.Deadlock").get(0);
        assertEquals("all goroutines are asleep - deadlock!", dl.getString("message"));
        assertTrue(dl.getString("dump").contains("[chan receive]"), dl.getString("dump"));
        assertTrue(byType.get("dev.gort.GoroutineLeak").size() >= 2, byType.get("dev.gort.GoroutineLeak").toString());
        assertTrue(byType.get("dev.gort.GoroutineLeak").get(0).getString("dump").contains("(leaked)"));
        assertTrue(byType.get("dev.gort.Retake").get(0).getDuration("ran").toMillis() >= 20,
                byType.get("dev.gort.Retake").get(0).toString());
    }

    /** jcmd JFR.start's path: a recording started while gort runs turns the hooks on; its end turns them off. */
    @Test
    void aRecordingStartedAtRunTimeTurnsTheHooksOnAndItsEndOff(@TempDir Path dir) throws Exception {
        dev.gort.Go.run(() -> { }); // the runtime is up, no recording
        assertFalse(dev.gort.runtime.Exports.traceHooksOn(), "hooks on with nothing observing");
        Path file = dir.resolve("late.jfr");
        try (jdk.jfr.Recording rec = new jdk.jfr.Recording()) {
            rec.enable("dev.gort.GoroutineCreate");
            rec.start();
            assertTrue(dev.gort.runtime.Exports.traceHooksOn(), "a running recording did not turn the hooks on");
            dev.gort.Go.run(() -> dev.gort.Go.go("late", () -> { }));
            rec.stop();
            assertFalse(dev.gort.runtime.Exports.traceHooksOn(), "the stopped recording left the hooks on");
            rec.dump(file);
        }
        assertTrue(RecordingFile.readAllEvents(file).stream()
                .anyMatch(e -> e.getEventType().getName().equals("dev.gort.GoroutineCreate")
                        && e.getString("site").startsWith("late (")), "no create event for the late goroutine");
    }

    @Test
    void shippedSettingsKeepBlockOver10msAndTheChattyEventsOff() throws IOException {
        String jfc = gortJfc();
        for (String t : EVENTS) {
            assertTrue(jfc.contains("<event name=\"" + t + "\">"), t + " missing from gort.jfc");
        }
        assertTrue(jfc.matches("(?s).*dev\\.gort\\.GoroutineBlock\">\\s*<setting name=\"enabled\">true</setting>.*?<setting name=\"threshold\">10 ms</setting>.*"));
    }

    static String gortJfc() throws IOException {
        try (InputStream in = JfrEventsTest.class.getResourceAsStream("/dev/gort/gort.jfc")) {
            assertNotNull(in, "dev/gort/gort.jfc is not in core's jar");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
