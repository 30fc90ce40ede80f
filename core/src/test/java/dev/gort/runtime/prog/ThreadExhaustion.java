package dev.gort.runtime.prog;

import dev.gort.FatalError;
import dev.gort.Go;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * More goroutines blocked in syscalls than setMaxThreads allows: Go's "thread exhaustion", reported
 * once however many hand-offs and wake-ups hit the limit. Exits with status 2, as Go's fatal
 * errors do.
 */
public final class ThreadExhaustion {
    public static void main(String[] args) {
        Go.setMaxThreads(5);
        AtomicBoolean release = new AtomicBoolean();
        try {
            Go.run(() -> {
                for (int i = 0; i < 20; i++) {
                    Go.go(() -> { }); // readied while Ms run out: must neither be lost nor re-report
                    Go.go(() -> {
                        try {
                            Go.syscall(() -> {
                                while (!release.get()) {
                                    Thread.onSpinWait(); // blocks its M, as a real syscall would
                                }
                                return null;
                            }, true);
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    });
                }
                while (true) {
                    java.util.concurrent.locks.LockSupport.park();
                }
            });
        } catch (FatalError e) {
            release.set(true);
            System.exit(2);
        }
        System.exit(0);
    }
}
