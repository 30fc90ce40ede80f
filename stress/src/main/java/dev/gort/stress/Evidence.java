package dev.gort.stress;

import dev.gort.Go;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The evidence a hang leaves, for Soak's and Repeat's watchdogs: the schedtrace detail, every
 * goroutine's stack and every platform thread's (the Ms are the {@code gort-m*} threads), written to
 * {@code -Dgort.soak.evidence} (default {@code target/soak-evidence}) and printed.
 */
final class Evidence {
    private Evidence() {}

    /** Writes and prints the evidence under heading, then halts the JVM with status 3. */
    static void hang(String heading, String fileStem) {
        StringBuilder sb = new StringBuilder(heading).append("\n\n");
        sb.append("---- schedtrace\n").append(Go.schedtrace(true)).append("\n");
        sb.append("---- goroutines\n").append(Go.stack(true)).append("\n");
        sb.append("---- platform threads (gort-m* are the Ms)\n");
        for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
            sb.append('"').append(e.getKey().getName()).append("\" ").append(e.getKey().getState()).append('\n');
            for (StackTraceElement f : e.getValue()) {
                sb.append("\tat ").append(f).append('\n');
            }
        }
        Path dir = Path.of(System.getProperty("gort.soak.evidence", "target/soak-evidence"));
        String where;
        try {
            Files.createDirectories(dir);
            Path f = dir.resolve(fileStem + ".txt");
            Files.writeString(f, sb);
            where = f.toAbsolutePath().toString();
        } catch (IOException e) {
            where = "(could not write: " + e + ")";
        }
        System.out.println(sb);
        System.out.println("hang evidence: " + where);
        System.out.flush();
        Runtime.getRuntime().halt(3);
    }
}
