package dev.gort.examples.chan;

import dev.gort.Go;
import dev.gort.chan.Chan;
import dev.gort.chan.RecvChan;
import dev.gort.chan.Select;

/**
 * select with a timeout, after "Go by Example: Timeouts": wait for a result or give up after a
 * deadline, whichever comes first.
 *
 * <p>Go writes the timeout as {@code case <-time.After(d):}. Until gort has {@code Time.after}
 * (issue 4), {@link #after} stands in for it: a helper goroutine that sleeps, then sends on a
 * buffered channel (buffered so the helper never blocks if nobody is listening any more).
 */
public final class SelectTimeout {
    private SelectTimeout() {}

    /** A channel that receives one value after millis milliseconds: a stand-in for Go's time.After. */
    static RecvChan<Long> after(long millis) {
        Chan<Long> c = Chan.make(1);
        Go.go(() -> {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            c.send(millis);
        });
        return c;
    }

    /** A result that arrives after workMillis. */
    static RecvChan<String> slowWork(long workMillis) {
        Chan<String> c = Chan.make(1);
        Go.go(() -> {
            try {
                Thread.sleep(workMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            c.send("result after " + workMillis + " ms");
        });
        return c;
    }

    /** Waits for work taking workMillis, at most timeoutMillis; returns what happened. Call inside a goroutine. */
    public static String await(long workMillis, long timeoutMillis) {
        String[] outcome = new String[1];
        new Select()
                .recv(slowWork(workMillis), r -> outcome[0] = r)
                .recv(after(timeoutMillis), t -> outcome[0] = "timeout after " + t + " ms")
                .run();
        return outcome[0];
    }

    /** Shows both outcomes: work that beats the timeout, and work that does not. For the demo. */
    public static void demo() {
        Go.run(() -> {
            System.out.println("select with timeout: work 10 ms, timeout 500 ms -> " + await(10, 500));
            System.out.println("select with timeout: work 500 ms, timeout 50 ms -> " + await(500, 50));
        });
    }

    public static void main(String[] args) {
        demo();
    }
}
