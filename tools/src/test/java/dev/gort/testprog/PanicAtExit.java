package dev.gort.testprog;

import dev.gort.Go;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A goroutine panics while the JVM exits, after main returned: main starts a goroutine that waits
 * for a latch, and returns; a shutdown hook (the JVM is exiting with main's status) opens the latch
 * and waits for the goroutine to end (at most 10 s). The goroutine throws. Go's process would end
 * with status 2 after the report.
 */
public final class PanicAtExit {
    public static void main(String[] args) {
        CountDownLatch exiting = new CountDownLatch(1);
        AtomicReference<Thread> g = new AtomicReference<>();
        CountDownLatch started = new CountDownLatch(1);
        Go.go(() -> {
            g.set(Thread.currentThread());
            started.countDown();
            try {
                exiting.await();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            throw new IllegalStateException("boom at exit");
        });
        try {
            started.await();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            exiting.countDown();
            try {
                g.get().join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }));
        System.out.println("main returns");
    }
}
