package dev.gort.examples.chan;

import dev.gort.Go;
import dev.gort.chan.Chan;
import dev.gort.chan.RecvChan;
import dev.gort.chan.Select;
import dev.gort.time.Time;

import java.time.Duration;

/**
 * select with a timeout, after "Go by Example: Timeouts": wait for a result or give up after a
 * deadline, whichever comes first. The timeout is Go's {@code case <-time.After(d):}, here
 * {@code Time.after}, a channel that the runtime's timers send on.
 */
public final class SelectTimeout {
    private SelectTimeout() {}

    /** A result that arrives after workMillis. */
    static RecvChan<String> slowWork(long workMillis) {
        Chan<String> c = Chan.make(1);
        Go.go(() -> {
            Time.sleep(Duration.ofMillis(workMillis));
            c.send("result after " + workMillis + " ms");
        });
        return c;
    }

    /** Waits for work taking workMillis, at most timeoutMillis; returns what happened. Call inside a goroutine. */
    public static String await(long workMillis, long timeoutMillis) {
        String[] outcome = new String[1];
        new Select()
                .recv(slowWork(workMillis), r -> outcome[0] = r)
                .recv(Time.after(Duration.ofMillis(timeoutMillis)), t -> outcome[0] = "timeout after " + timeoutMillis + " ms")
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
