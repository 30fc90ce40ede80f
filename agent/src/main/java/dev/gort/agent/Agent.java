package dev.gort.agent;

import dev.gort.agent.race.FastTrack;
import dev.gort.agent.race.Reports;

import java.lang.instrument.Instrumentation;

/*
 * Agent: gort's Java agent, -javaagent:gort-agent.jar[=OPTIONS] (options: see AgentOptions).
 *
 * Concepts
 * --------
 * The JVM cannot do two things Go's toolchain does for goroutines, so this agent rewrites the
 * application's bytecode as it is loaded (java.lang.instrument + ASM, relocated inside the jar
 * under dev.gort.agent.shaded.asm so it never meets the application's own ASM):
 *
 *  - preempt: Go >= 1.14 stops a goroutine that hogs its P with a signal (asynchronous
 *    preemption). A JDK 25 virtual thread cannot be stopped from outside, and sysmon's retake
 *    (Proc) only moves the *other* goroutines of a P to a new carrier. With this mode every loop
 *    back-edge and method entry of the application calls Go.checkPreempt(), so a goroutine that
 *    sysmon flagged yields at its next iteration. See PreemptMethodVisitor.
 *  - race: Go's -race. See RaceMethodVisitor and dev.gort.agent.race. Work handed to the JDK's
 *    executors, futures, fork/join pools and threads gets its happens-before edges at the
 *    application's call sites (code wrapped at submission), never by instrumenting the JDK:
 *    FastTrack's essay, "Tasks, futures and threads", gives the decision and its limits.
 *
 * Protocol (premain, before the application's main)
 * -------------------------------------------------
 *  1. parse the options (a bad option stops the JVM with a message naming it: a silently
 *     ignored -race would be worse than no start);
 *  2. in race mode: set -Dgort.race=true before dev.gort.runtime.Race initialises (its ENABLED
 *     flag is a static final read at class initialisation), then install the detector;
 *  3. register the transformer. Classes loaded before this point (the JDK's) are not touched.
 *
 * Which classes: those the include/exclude filters accept, minus the JDK, gort and the agent
 * (AgentOptions says why), and only when their class loader can see gort (Transformer).
 *
 * Rejected alternatives
 * ---------------------
 *  - Instrumenting gort's own scheduler and the JDK as well: safe points inside the runtime's locks
 *    would yield while holding them; the race detector would watch its own tables.
 *  - Retransforming classes already loaded at premain: they are the JDK's, excluded anyway.
 *  - A compile-time (javac plugin / Maven plugin) rewrite: misses libraries and needs a build
 *    change; the agent works on any class path, as go build -race works on any package.
 *
 * Differences from Go
 * -------------------
 *  - Preemption is cooperative at instrumented points: a loop in uninstrumented code (the JDK, a
 *    filtered-out library, native code) is still only handled by sysmon's retake, as without the
 *    agent. Go preempts anywhere outside the runtime and nosplit/atomic sequences.
 *  - Go's compiler always inserts the race hooks under -race; here the filter decides, and code not
 *    instrumented (the JDK) is not checked, as Go does not check C code.
 */
public final class Agent {
    private Agent() {}

    /** The JVM calls this before main when started with -javaagent:gort-agent.jar[=args]. */
    public static void premain(String args, Instrumentation inst) {
        AgentOptions opts = AgentOptions.parse(args);
        if (opts.race) {
            // before dev.gort.runtime.Race initialises: its ENABLED is a static final
            System.setProperty("gort.race", "true");
            if (!dev.gort.runtime.Race.ENABLED) {
                throw new IllegalStateException("gort agent: dev.gort.runtime.Race was initialised before the agent; "
                        + "the race detector cannot be enabled");
            }
            dev.gort.runtime.Race.install(FastTrack.instance());
            Reports.installExitHook();
        }
        if (opts.verbose) {
            System.err.println("gort agent: " + opts);
        }
        inst.addTransformer(new Transformer(opts, inst), false);
    }
}
