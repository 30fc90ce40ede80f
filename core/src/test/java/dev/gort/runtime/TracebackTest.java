package dev.gort.runtime;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** White-box checks of Traceback's pieces that a live dump cannot reach quickly. */
class TracebackTest {
    @Test
    void minutesOnlyFromOneMinute() {
        StringBuilder sb = new StringBuilder();
        Traceback.header(sb, 7, "chan receive", 0, false);
        Traceback.header(sb, 7, "chan receive", 2, false);
        Traceback.header(sb, 7, "chan receive", 2, true);
        assertEquals("goroutine 7 [chan receive]:\ngoroutine 7 [chan receive, 2 minutes]:\n"
                + "goroutine 7 [chan receive, 2 minutes, locked to thread]:\n", sb.toString());
    }

    @Test
    void deepStacksKeepFiftyAndFifty() {
        StackTraceElement[] st = new StackTraceElement[130];
        for (int i = 0; i < st.length; i++) {
            st[i] = new StackTraceElement("app.Deep", "f" + i, "Deep.java", i + 1);
        }
        StringBuilder sb = new StringBuilder();
        Traceback.frames(sb, st);
        String[] lines = sb.toString().split("\n");
        assertEquals(50 * 2 + 1 + 50 * 2, lines.length);
        assertEquals("app.Deep.f0(...)", lines[0]);
        assertEquals("...30 frames elided...", lines[100]);
        assertEquals("app.Deep.f80(...)", lines[101]);
        assertEquals("\tDeep.java:130", lines[lines.length - 1]);
    }

    @Test
    void runtimeFramesAreElided() {
        StackTraceElement[] st = {
                new StackTraceElement("java.lang.VirtualThread", "park", "VirtualThread.java", 1),
                new StackTraceElement("java.util.concurrent.locks.LockSupport", "park", "LockSupport.java", 2),
                new StackTraceElement("dev.gort.runtime.Proc", "gopark", "Proc.java", 3),
                new StackTraceElement("dev.gort.runtime.HChan", "chanrecv", "HChan.java", 4),
                new StackTraceElement("dev.gort.chan.Chan", "recv", "Chan.java", 4),
                new StackTraceElement("dev.gort.sync.Mutex", "lock", "Mutex.java", 7),
                new StackTraceElement("app.Main", "main", "Main.java", 5),
                new StackTraceElement("dev.gort.tools.RunCommand", "lambda$call$0", "RunCommand.java", 6),
        };
        StringBuilder sb = new StringBuilder();
        Traceback.frames(sb, st);
        // channel operations are Go built-ins (hidden runtime frames); library calls such as sync's stay
        assertEquals("dev.gort.sync.Mutex.lock(...)\n\tMutex.java:7\napp.Main.main(...)\n\tMain.java:5\n", sb.toString());
    }
}
