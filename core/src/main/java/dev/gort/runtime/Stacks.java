package dev.gort.runtime;

import java.util.List;

/*
 * Stacks: the stacks the tracer puts on block and unblock events, and the names it gives wake-ups
 * that no goroutine made (Go's trace has a stack on every GoBlock and GoUnblock, and names the
 * netpoller, timers and the like as their own "goroutines").
 *
 * Cost: a StackWalker walk, 2-10 us, taken only while a tracing session with stacks runs
 * (-Dgort.trace.stacks=false turns them off): at each Proc.gopark by the parking goroutine, and at
 * each unblock by the readier. A stack is a string of user-visible frames (Traceback's rule: the
 * runtime's and the JDK's internals are left out), interned in the session's string table, so a
 * site that parks a million times costs one string.
 *
 * Wakers. A goroutine readied by another goroutine names it; otherwise the readier's thread and
 * stack say what it was:
 *   timer              gort's timers (dev.gort.runtime.Timers on the stack: time.After, Sleep, AfterFunc, ...)
 *   sysmon             gort's system monitor thread
 *   netpoll            the JDK's poller threads (a socket became ready)
 *   timer (JDK)        the JDK's VirtualThread-unparker (a timed park or Thread.sleep expired)
 *   scheduler (M3)     an M, outside any goroutine (the JDK resubmitting a goroutine whose park raced an unpark)
 *   thread NAME        any other thread (main, an executor's worker, ...)
 */
final class Stacks {
    private Stacks() {}

    private static final StackWalker WALKER = StackWalker.getInstance();
    private static final int MAX = 32;

    /** What readied a goroutine: the waker's name (null if a goroutine), and the readier's stack (or null). */
    record Wake(String waker, String stack) {}

    /** The calling thread's stack, user-visible frames only, one "Class.method(File:line)" a line. */
    static String here() {
        return render(WALKER.walk(s -> s.limit(MAX * 2L).toList()));
    }

    /** The calling readier's name (when it is not a goroutine) and, with stack, its stack. */
    static Wake wake(boolean stack) {
        List<StackWalker.StackFrame> fs = WALKER.walk(s -> s.limit(MAX * 2L).toList());
        String waker = Proc.currentG() != null ? null : name(Thread.currentThread(), fs);
        return new Wake(waker, stack ? render(fs) : null);
    }

    /** The waker's name, from the calling thread (and frames, if walked). */
    static String wakerOf(List<StackWalker.StackFrame> fs) {
        return name(Thread.currentThread(), fs != null ? fs : WALKER.walk(s -> s.limit(MAX * 2L).toList()));
    }

    /**
     * Whether the calling thread is one of the JDK's socket pollers (Read-Poller, Write-Poller,
     * SubPoller-N), which ready a goroutine whose socket became ready. By name: no walk.
     */
    static boolean onPoller() {
        return Thread.currentThread().getName().contains("Poller");
    }

    private static String name(Thread t, List<StackWalker.StackFrame> fs) {
        for (StackWalker.StackFrame f : fs) {
            String c = f.getClassName();
            if (c.equals("dev.gort.runtime.Timers")) {
                return "timer";
            }
            if (c.startsWith("sun.nio.ch.") && c.contains("Poller")) {
                return "netpoll";
            }
        }
        String n = t.getName();
        if (t instanceof Sysmon) {
            return "sysmon";
        }
        if (n.contains("Poller")) {
            return "netpoll";
        }
        if (n.equals("VirtualThread-unparker")) {
            return "timer (JDK)";
        }
        if (t instanceof M m) {
            return "scheduler (M" + m.mid + ")";
        }
        return (t.isVirtual() ? "virtual thread " : "thread ") + (n.isEmpty() ? "#" + t.threadId() : n);
    }

    private static String render(List<StackWalker.StackFrame> fs) {
        StringBuilder sb = new StringBuilder();
        int k = 0;
        for (StackWalker.StackFrame f : fs) {
            StackTraceElement e = f.toStackTraceElement();
            if (Traceback.isInternal(e) || e.getClassName().equals("java.lang.Thread")) {
                continue;
            }
            if (k++ == MAX) {
                break;
            }
            sb.append(e.getClassName()).append('.').append(e.getMethodName()).append('(')
                    .append(e.getFileName() != null ? e.getFileName() : "?").append(':')
                    .append(e.getLineNumber()).append(")\n");
        }
        return sb.toString();
    }
}
