package dev.gort.testprog;

import dev.gort.chan.Chan;

import dev.gort.Go;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Waits (a JDK park, so no deadlock) with one goroutine blocked on a channel, prints "ready", and
 * ends after the test has sent SIGUSR1 and seen the dump (it closes stdin), or after 20 s.
 */
public final class DumpOnSignal {
    public static void main(String[] args) throws Exception {
        Chan<Integer> c = Chan.<Integer>make(64);
        CountDownLatch parked = new CountDownLatch(1);
        Go.go(() -> {
            parked.countDown();
            c.recv();
        });
        parked.await();
        System.out.println("ready");
        System.out.flush();
        CountDownLatch done = new CountDownLatch(1);
        Thread.ofPlatform().daemon().start(() -> {
            try {
                while (System.in.read() >= 0) {
                    // wait for the test to close stdin
                }
            } catch (java.io.IOException ignored) {
                // treat as closed
            }
            done.countDown();
        });
        done.await(20, TimeUnit.SECONDS);
        c.send(1);
    }
}
