/**
 * gort: Go's concurrency runtime on JDK 25 virtual threads.
 *
 * <p>Exports the API packages only; {@code dev.gort.runtime} (the scheduler, Go's package runtime)
 * is internal: its few public classes (the door {@code Linkname}, the types API objects hold) are
 * for the API packages of this module.
 */
module dev.gort {
    exports dev.gort;
    exports dev.gort.chan;
    exports dev.gort.context;
    exports dev.gort.errgroup;
    exports dev.gort.sync;
    exports dev.gort.synctest;
    exports dev.gort.time;
    // sun.misc.Signal, for the SIGUSR1 goroutine dump of gort run's Launcher (class path only)
    requires static jdk.unsupported;
    exports dev.gort.metrics;
    exports dev.gort.trace;
    exports dev.gort.trace.format;  // the trace file format and its reader (used by tools' viewer)

    requires jdk.jfr;           // dev.gort.* JFR events
    requires java.management;   // the dev.gort:type=Runtime MBean
    // -Dgort.jmx=true: the runtime registers dev.gort.metrics' MBean as it starts, found as a
    // service because the runtime may not import the package above it (Trace.initConsumers)
    uses dev.gort.runtime.Linkname.JmxHook;
    provides dev.gort.runtime.Linkname.JmxHook with dev.gort.metrics.GortRuntime.AtStart;
}
