package dev.gort.runtime;

/**
 * Go's export_test.go for the tracer's tests in tools: gopark and goready with a wait reason, which
 * no API exposes bare, so a trace can show a park of a given reason without a channel.
 */
public final class ParkExports {
    private ParkExports() {}

    /** Proc.gopark of the calling goroutine. */
    public static void gopark(WaitReason reason, Object blocker) {
        Proc.gopark(Proc.currentG(), reason, blocker);
    }

    /** Proc.goready of the goroutine whose thread is t. */
    public static void goready(Thread t) {
        Proc.goready(t);
    }
}
