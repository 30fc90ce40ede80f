package dev.gort.runtime;

import java.io.PrintStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/*
 * Traceback: goroutine dumps and panic reports in Go's text format (Go's traceback.go:
 * goroutineheader, traceback1, printcreatedby, tracebackothers; and runtime.Stack in mprof.go).
 *
 * The format (the grammar TracebackFormatTest checks)
 * -------------------------------------------------
 *   dump     := block ( "\n" block )*
 *   block    := header frame* elided? frame* createdby?
 *   header   := "goroutine " goid " [" state ( ", " N " minutes" )? ( ", locked to thread" )? "]:\n"
 *   frame    := function "(...)\n" "\t" file ":" line "\n"
 *   elided   := "...N frames elided...\n"
 *   createdby:= "created by " function ( " in goroutine " goid )? "\n" "\t" file ":" line "\n"
 * state is the wait reason when the goroutine parked through gopark (Go's waitReasonStrings), else
 * the status (GStatus.goName: "running", "runnable", "syscall"); a goroutine parked in JDK code gets
 * "IO wait" (WaitReason.IO_WAIT) when its stack shows the JDK's socket poller parked it (Go's netpoll
 * wait; see jdkWaitReason), else "jdk park" (WaitReason.JDK_PARK). The minutes part appears only after at least one minute of
 * waiting, as Go's. A function is the Java class and method, "pkg.Class.method"; a file is the
 * source file name, as the class file records it (Go prints the full path and a +0xPC offset; Java
 * has neither).
 *
 * What is elided
 * --------------
 * Go hides runtime-internal frames (unexported runtime.* functions) unless GOTRACEBACK=system.
 * gort hides the frames of its own runtime (dev.gort.runtime), of the channel API (dev.gort.chan:
 * channel operations and select are Go built-ins, whose runtime.chanrecv1/selectgo Go hides), of the
 * JDK's virtual-thread and continuation machinery (and java.lang.System$1, the JDK's access bridge
 * to it), of LockSupport, of reflection, and of `gort run` (its Launcher in dev.gort.launcher, the
 * CLI in dev.gort.tools), so a goroutine parked in Chan.recv shows the user's frames down to the
 * receive, as Go shows main.main() for a goroutine in chanrecv1. Library packages' frames stay
 * (dev.gort.sync.Mutex.lock), as Go shows
 * sync.(*Mutex).Lock. As Go (tracebackInnerFrames/tracebackOuterFrames), a stack deeper than
 * 100 frames shows its first 50 and last 50 with "...N frames elided..." between.
 *
 * Creation sites (Go's gopc)
 * --------------------------
 * Go records the PC of the go statement in every g (gopc) and resolves it when printing. The JVM
 * has no cheap "caller PC": a StackWalker walk that stops at the first frame outside the runtime
 * and dev.gort.Go costs 1.5-5 us, more than the rest of Go.go. So G.gopc is captured once per
 * lambda class: a lambda or method reference is a hidden class made for one source expression, and
 * almost always that expression is the go statement itself (Go.go(() -> ...)), so the frame found
 * the first time is the frame of every later goroutine of that lambda. A fn of an ordinary class
 * (new Worker()) is walked every time. The one inexact case: a lambda stored and then passed to
 * Go.go from two different places reports the first place. Line numbers are resolved only when a
 * dump prints them.
 *
 * The token. What a G keeps (G.gopc) is the cheapest thing that names its site: for a lambda, the
 * lambda's class itself, which the go statement has in hand (fn.getClass()); the frame is looked up
 * in SITES only when a dump, a panic report or the tracer asks (creator(gp)). For an ordinary
 * class the token is the walked frame. So a go statement of a lambda whose site is known costs one
 * compare with the last lambda class seen (LAST, a release/acquire static: the site was stored
 * before LAST names its class, so whoever sees the class in a G also sees the site); a different
 * lambda class costs a ClassValue lookup, and its first goroutine the walk. Measured: the
 * ClassValue lookup per go statement was 1-3% of a spawn (docs/benchmarks.md, issue 11, cut 8).
 * Rejected: keeping the StackFrame in every G (the lookup per spawn, for a field dumps rarely
 * read); walking lazily (the creator's stack is gone by the time a dump asks).

 * Reading other goroutines' stacks
 * --------------------------------
 * Thread.getStackTrace on a virtual thread: parked ones are read from their continuation, a mounted
 * one by a handshake with its carrier. On a goroutine that is runnable and still queued, the JDK
 * takes it off its run state to read the stack and then resubmits it, so G.execute is called a
 * second time and the G is queued twice. That is harmless here (run queues allow duplicates, the
 * second run is a no-op inside the JDK; see G's essay) but it means a dump can perturb scheduling
 * order, which Go's stop-the-world dump does not.
 *
 * Differences from Go
 * -------------------
 *  - No stop-the-world: each goroutine's header and stack are read one after another, so a dump is
 *    not one instant (Go stops the world for runtime.Stack(all)).
 *  - Frames print "(...)" for arguments; Go prints argument words.
 *  - Files are bare names without the +0x offset.
 *  - "created by" is the first go statement that started the same lambda (see "Creation sites");
 *    Go's gopc is exact for every goroutine.
 *  - "IO wait" is read off the stack (the JDK parks a goroutine on a socket, not gort's netpoll),
 *    so it shows no minutes: gort does not see when that park began.
 *  - A panic report prints Throwable.toString() as the value, and the cause chain as tab-indented
 *    "caused by:" lines; Go prints nested panics as "panic: A [recovered]".
 */
final class Traceback {
    private Traceback() {}

    /** Go's tracebackInnerFrames + tracebackOuterFrames: the most frames printed per goroutine. */
    static final int MAX_FRAMES = 100;

    /** Walks a few frames per batch: the go statement is about five frames up. */
    private static final StackWalker WALKER = StackWalker.getInstance(java.util.Set.of(), 8);

    // ================================================================== creation sites

    /**
     * The creation-site token of a goroutine that runs fn (G.gopc, see "The token"): fn's class if
     * it is a lambda's, whose site SITES then holds; else the frame of the go statement, the first
     * caller outside the runtime and dev.gort.Go; null if the stack has none. Called from the G
     * constructor, on the creating thread.
     */
    static Object captureCreator(Runnable fn) {
        Class<?> c = fn.getClass();
        if (LAST.getAcquire() == c) {
            return c;
        }
        if (!c.isHidden()) {
            return walkCreator();
        }
        AtomicReference<Optional<StackWalker.StackFrame>> site = SITES.get(c);
        if (site.getAcquire() == null) {
            // a racing walker finds the same frame, or an equally true one
            site.setRelease(Optional.ofNullable(walkCreator()));
        }
        LAST.setRelease(c);
        return c;
    }

    /** gp's creation frame (Go's gopc resolved), or null: see "The token". Any thread. */
    static StackWalker.StackFrame creator(G gp) {
        Object t = gp.gopc;
        if (t instanceof Class<?> c) {
            Optional<StackWalker.StackFrame> f = SITES.get(c).getAcquire();
            return f != null ? f.orElse(null) : null;
        }
        return (StackWalker.StackFrame) t;
    }

    /** One go-statement frame (or none) per lambda class, once known; see "Creation sites". */
    private static final ClassValue<AtomicReference<Optional<StackWalker.StackFrame>>> SITES = new ClassValue<>() {
        @Override
        protected AtomicReference<Optional<StackWalker.StackFrame>> computeValue(Class<?> type) {
            return new AtomicReference<>();
        }
    };

    /**
     * The lambda class of the latest go statement that stored its site in SITES (a hint: any
     * thread overwrites it). Written with release after the site, read with acquire.
     */
    @SuppressWarnings("unused") // through LAST
    private static Class<?> lastSite;

    private static final VarHandle LAST;

    static {
        try {
            LAST = MethodHandles.lookup().findStaticVarHandle(Traceback.class, "lastSite", Class.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static StackWalker.StackFrame walkCreator() {
        return WALKER.walk(s -> s.filter(f -> !isCreationInternal(f.getClassName())).findFirst().orElse(null));
    }

    private static boolean isCreationInternal(String c) {
        return c.startsWith("dev.gort.runtime.") || c.equals("dev.gort.Go") || c.startsWith("dev.gort.launcher.");
    }

    // ================================================================== dumps

    /**
     * Go's runtime.Stack: the calling goroutine's block (if the caller is a goroutine), then with
     * {@code all} every other live goroutine's block in goid order, blocks separated by blank lines.
     */
    static String stack(boolean all) {
        StringBuilder sb = new StringBuilder();
        G self = Proc.currentG();
        if (self != null) {
            header(sb, self.goid, GStatus.RUNNING.goName, 0, self.lockedm != null);
            frames(sb, callerFrames(Thread.currentThread().getStackTrace()));
            createdBy(sb, self);
        }
        if (all) {
            List<G> gs = Proc.allgs();
            gs.remove(self);
            gs.sort(Comparator.comparingLong(g -> g.goid));
            for (G gp : gs) {
                if (!sb.isEmpty()) {
                    sb.append('\n');
                }
                goroutine(sb, gp);
            }
        }
        return sb.toString();
    }

    /**
     * The blocks of the live goroutines of the run whose main goroutine has id mainGoid, main
     * itself excepted, in goid order (Go.runGoroutines' contract).
     */
    static List<String> runGoroutines(long mainGoid) {
        List<G> gs = new ArrayList<>();
        for (G gp : Proc.allgs()) {
            G main = gp.run != null ? gp.run.main() : null;
            if (main != null && main != gp && main.goid == mainGoid && gp.status() != GStatus.DEAD) {
                gs.add(gp);
            }
        }
        gs.sort(Comparator.comparingLong(g -> g.goid));
        List<String> blocks = new ArrayList<>(gs.size());
        for (G gp : gs) {
            StringBuilder sb = new StringBuilder();
            goroutine(sb, gp);
            blocks.add(sb.toString());
        }
        return blocks;
    }

    /** st without the frames down to Go.stack itself: Go's runtime.Stack starts at its caller. */
    private static StackTraceElement[] callerFrames(StackTraceElement[] st) {
        for (int i = st.length - 1; i >= 0; i--) {
            if (st[i].getClassName().equals("dev.gort.Go") && st[i].getMethodName().equals("stack")) {
                return Arrays.copyOfRange(st, i + 1, st.length);
            }
        }
        return st;
    }

    /** The blocks of gs in goid order, each preceded by a blank line (as a fatal error prints them). */
    static String dump(List<G> gs) {
        List<G> sorted = new ArrayList<>(gs);
        sorted.sort(Comparator.comparingLong(g -> g.goid));
        StringBuilder sb = new StringBuilder();
        for (G gp : sorted) {
            sb.append('\n');
            goroutine(sb, gp);
        }
        return sb.toString();
    }

    /** One goroutine's block: header, frames, created by. Any thread; a racy read of gp. */
    static void goroutine(StringBuilder sb, G gp) {
        goroutine(sb, gp, "");
    }

    /** As goroutine(sb, gp), with a suffix inside the state brackets' state (" (leaked)"). */
    static void goroutine(StringBuilder sb, G gp, String stateSuffix) {
        Thread t = gp.thread;
        StackTraceElement[] stack = t != null ? t.getStackTrace() : new StackTraceElement[0];
        GStatus st = gp.status();
        WaitReason r = gp.waitreason;
        String state;
        long minutes = 0;
        if (r != null && (st == GStatus.WAITING || st == GStatus.RUNNING && t.getState() == Thread.State.WAITING)) {
            state = r.goName;
            minutes = TimeUnit.NANOSECONDS.toMinutes(System.nanoTime() - gp.waitsince);
        } else if (st == GStatus.WAITING) {
            state = jdkWaitReason(stack).goName;
        } else {
            state = st.goName;
        }
        if (gp.bubble != null && stateSuffix.isEmpty()) {
            stateSuffix = gp.bubble.describe(gp); // " (durable), synctest bubble N" (see Bubble)
        }
        header(sb, gp.goid, state + stateSuffix, minutes, gp.lockedm != null);
        frames(sb, stack);
        createdBy(sb, gp);
    }

    /**
     * Why a goroutine parked in JDK code waits, read from its stack: IO_WAIT when the JDK's park
     * machinery was called by the socket poller (sun.nio.ch.Poller.poll, where every blocking
     * socket or pipe operation of a virtual thread waits for readiness), else JDK_PARK.
     */
    static WaitReason jdkWaitReason(StackTraceElement[] stack) {
        for (StackTraceElement e : stack) {
            String c = e.getClassName();
            if (c.equals("java.lang.VirtualThread") || c.equals("java.lang.System$1")
                    || c.equals("java.util.concurrent.locks.LockSupport") || c.startsWith("jdk.internal.vm.Continuation")) {
                continue; // the park machinery itself
            }
            return c.equals("sun.nio.ch.Poller") ? WaitReason.IO_WAIT : WaitReason.JDK_PARK;
        }
        return WaitReason.JDK_PARK;
    }

    /** Go's goroutineheader: state, minutes waited (from 1), and whether it is locked to its thread. */
    static void header(StringBuilder sb, long goid, String state, long waitMinutes, boolean locked) {
        sb.append("goroutine ").append(goid).append(" [").append(state);
        if (waitMinutes >= 1) {
            sb.append(", ").append(waitMinutes).append(" minutes");
        }
        if (locked) {
            sb.append(", locked to thread"); // Go.lockOSThread
        }
        sb.append("]:\n");
    }

    /** Go's printcreatedby. The main goroutine of a run has none, as Go's goroutine 1. */
    static void createdBy(StringBuilder sb, G gp) {
        StackWalker.StackFrame f = creator(gp);
        if (f == null || gp.run != null && gp.run.main() == gp) {
            return;
        }
        sb.append("created by ").append(f.getClassName()).append('.').append(f.getMethodName());
        if (gp.parentGoid != 0) {
            sb.append(" in goroutine ").append(gp.parentGoid);
        }
        sb.append("\n\t").append(f.getFileName() != null ? f.getFileName() : "?").append(':')
                .append(f.getLineNumber()).append('\n');
    }

    // ================================================================== panics

    /**
     * The last panics reported, by identity (an exception's equals may be a value's), weakly (a
     * report never keeps an exception alive); a ring, since a rethrow follows its report at once.
     * Guarded by the class's monitor.
     */
    private static final WeakReference<?>[] REPORTED = new WeakReference<?>[16];
    private static int reportedNext;

    /**
     * True the first time t is reported as a panic (then remembered), false after: a panic that an
     * inner Go.run reported and rethrew into its caller's goroutine is not reported again.
     */
    static synchronized boolean firstReport(Throwable t) {
        for (WeakReference<?> r : REPORTED) {
            if (r != null && r.get() == t) {
                return false;
            }
        }
        REPORTED[reportedNext++ & (REPORTED.length - 1)] = new WeakReference<>(t);
        return true;
    }

    /** Prints Go's panic report for t escaping gp: {@code panic: ...}, a blank line, gp's traceback. */
    static void printPanic(G gp, Throwable t) {
        PrintStream err = System.err;
        err.print(panicReport(gp, t));
        err.flush();
    }

    /** Go's printpanics + the panicking goroutine's traceback (GOTRACEBACK=single). */
    static String panicReport(G gp, Throwable t) {
        StringBuilder sb = new StringBuilder();
        sb.append("panic: ").append(describe(t)).append('\n');
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        seen.add(t);
        for (Throwable c = t.getCause(); c != null && seen.add(c); c = c.getCause()) { // a cycle ends the chain
            sb.append("\tcaused by: ").append(describe(c)).append('\n');
        }
        sb.append('\n');
        header(sb, gp.goid, GStatus.RUNNING.goName, 0, gp.lockedm != null);
        frames(sb, t.getStackTrace());
        createdBy(sb, gp);
        return sb.toString();
    }

    /**
     * t.toString(), or, if that throws (a getMessage that fails), the class name and a note, as
     * Go's printpanicval prints "(PANIC=Error method: ...)" when an error's Error method panics:
     * the report is never lost to it.
     */
    private static String describe(Throwable t) {
        try {
            return String.valueOf(t);
        } catch (RuntimeException | Error e) {
            return t.getClass().getName() + " (PANIC=getMessage method: " + e.getClass().getName() + ")";
        }
    }

    // ================================================================== frames

    /** Appends Go-style frames, eliding runtime internals; at most 50 + 50 around an elision line. */
    static void frames(StringBuilder sb, StackTraceElement[] st) {
        List<StackTraceElement> shown = new ArrayList<>(st.length);
        for (StackTraceElement e : st) {
            if (!isInternal(e)) {
                shown.add(e);
            }
        }
        int n = shown.size();
        for (int i = 0; i < n; i++) {
            if (n > MAX_FRAMES && i == MAX_FRAMES / 2) {
                int skip = n - MAX_FRAMES;
                sb.append("...").append(skip).append(" frames elided...\n");
                i += skip - 1;
                continue;
            }
            StackTraceElement e = shown.get(i);
            sb.append(e.getClassName()).append('.').append(e.getMethodName()).append("(...)\n\t")
                    .append(e.getFileName() != null ? e.getFileName() : "?").append(':')
                    .append(e.getLineNumber()).append('\n');
        }
    }

    /** Frames a dump hides: see "What is elided". */
    static boolean isInternal(StackTraceElement e) {
        String c = e.getClassName();
        return c.startsWith("dev.gort.runtime.")
                || c.startsWith("dev.gort.chan.")
                || c.startsWith("dev.gort.launcher.")
                || c.startsWith("dev.gort.tools.")
                || c.startsWith("java.lang.VirtualThread")
                || c.startsWith("java.lang.Thread")
                || c.startsWith("java.lang.System$")
                || c.startsWith("jdk.internal.")
                || c.startsWith("java.lang.invoke.")
                || c.startsWith("java.lang.reflect.")
                || c.equals("java.util.concurrent.locks.LockSupport");
    }
}
