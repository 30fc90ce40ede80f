package dev.gort.testing;

import dev.gort.Go;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

import java.util.Map;
import java.util.concurrent.TimeoutException;

/**
 * Evidence for a hang: when a test times out (JUnit's {@code @Timeout}, or {@link Sched#await}'s
 * "timed out"), print every goroutine's stack ({@code Go.stack(true)}) and every platform
 * thread's, which shows what each M is doing, with the schedtrace detail, before the failure is reported. Registered for every
 * test by auto-detection (META-INF/services and junit-platform.properties).
 */
public final class HangDump implements TestExecutionExceptionHandler {
    @Override
    public void handleTestExecutionException(ExtensionContext ctx, Throwable t) throws Throwable {
        if (t instanceof TimeoutException || String.valueOf(t.getMessage()).contains("timed out")) {
            System.err.println(dump(ctx.getDisplayName() + ": " + t));
        }
        throw t;
    }

    /** The goroutine dump and the platform threads' stacks, under a heading. */
    public static String dump(String heading) {
        StringBuilder sb = new StringBuilder("==== hang evidence: ").append(heading).append('\n');
        sb.append("---- schedtrace\n").append(Go.schedtrace(true)).append('\n');
        sb.append("---- goroutines\n").append(Go.stack(true)).append('\n');
        sb.append("---- platform threads (gort-m* are the Ms)\n");
        for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
            Thread th = e.getKey();
            sb.append('"').append(th.getName()).append("\" ").append(th.getState()).append('\n');
            for (StackTraceElement f : e.getValue()) {
                sb.append("\tat ").append(f).append('\n');
            }
        }
        return sb.append("==== end of hang evidence\n").toString();
    }
}
