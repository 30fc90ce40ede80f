package dev.gort.tools.trace;

import dev.gort.Go;

/** A child-JVM program for TraceCommandTest: the workload under -Dgort.trace, written at exit. */
public final class TraceAtExitProg {
    private TraceAtExitProg() {}

    public static void main(String[] args) {
        Go.run(TraceWorkload::main);
    }
}
