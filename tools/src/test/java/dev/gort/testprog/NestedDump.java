package dev.gort.testprog;

import dev.gort.Go;
import dev.gort.chan.Chan;

import java.util.concurrent.CountDownLatch;

/**
 * main calls Go.run (inline in goroutine 1) and waits in Go.syscall for stdin to close, with one
 * goroutine blocked on a channel; it prints "ready" first, for the test's SIGUSR1.
 */
public final class NestedDump {
    public static void main(String[] args) {
        Go.run(() -> {
            Chan<Integer> c = Chan.make(1);
            CountDownLatch parked = new CountDownLatch(1);
            Go.go(() -> {
                parked.countDown();
                c.recv();
            });
            try {
                parked.await();
                System.out.println("ready");
                System.out.flush();
                Go.syscall(() -> {
                    while (System.in.read() >= 0) {
                        // until the test closes stdin
                    }
                    return null;
                });
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            c.send(1);
        });
    }
}
