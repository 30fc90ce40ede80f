package dev.gort.testprog;

import dev.gort.Go;
import dev.gort.sync.WaitGroup;
import dev.gort.time.Time;

import java.time.Duration;
import java.util.List;

/**
 * Go.leakedGoroutines while goroutines end: 1,000 goroutines
 * sleep 1 to 50 ms and return, and the scan starts at once, so many of them wake, end and are
 * collected during its two GCs. None of them leaked. Prints "leaked N", then "end".
 */
public final class GoroutineLeakExiting {
    public static void main(String[] args) {
        WaitGroup wg = new WaitGroup();
        for (int i = 0; i < 1000; i++) {
            Duration d = Duration.ofMillis(1 + i % 50);
            wg.go(() -> Time.sleep(d));
        }
        List<String> leaked = Go.leakedGoroutines();
        System.out.println("leaked " + leaked.size());
        leaked.forEach(System.out::print);
        wg.await();
        System.out.println("end");
    }
}
