package dev.gort.runtime;

import java.io.PrintStream;

/**
 * Go-style tracebacks (Go's traceback.go): a goroutine header, then each frame as
 * {@code pkg.Class.method(...)} and a tab-indented {@code File.java:line}. Runtime-internal frames
 * (gort's runtime, the JDK's virtual-thread machinery) are elided, as Go hides runtime frames.
 */
public final class Traceback {
    private Traceback() {}

    /** Prints Go's panic report for t escaping gp: {@code panic: ...}, then gp's traceback. */
    static void printPanic(G gp, Throwable t) {
        StringBuilder sb = new StringBuilder();
        sb.append("panic: ").append(t).append('\n');
        for (Throwable c = t.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            sb.append("\tcaused by: ").append(c).append('\n');
        }
        sb.append('\n').append("goroutine ").append(gp.goid).append(" [running]:\n");
        frames(sb, t.getStackTrace());
        if (gp.parentGoid != 0) {
            sb.append("created by goroutine ").append(gp.parentGoid).append('\n');
        }
        PrintStream err = System.err;
        err.print(sb);
        err.flush();
    }

    /** Appends Go-style frames, eliding runtime internals. */
    public static void frames(StringBuilder sb, StackTraceElement[] st) {
        for (StackTraceElement e : st) {
            if (isInternal(e)) {
                continue;
            }
            sb.append(e.getClassName()).append('.').append(e.getMethodName()).append("(...)\n\t")
                    .append(e.getFileName() != null ? e.getFileName() : "?").append(':')
                    .append(e.getLineNumber()).append('\n');
        }
    }

    static boolean isInternal(StackTraceElement e) {
        String c = e.getClassName();
        return c.startsWith("dev.gort.runtime.")
                || c.startsWith("java.lang.VirtualThread")
                || c.startsWith("jdk.internal.vm.")
                || c.startsWith("java.lang.Thread");
    }
}
