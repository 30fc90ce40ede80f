package dev.gort.runtime.prog;

import dev.gort.FatalError;
import dev.gort.Go;
import dev.gort.chan.Chan;
import dev.gort.runtime.Exports;
import dev.gort.synctest.Synctest;
import dev.gort.testing.HangDump;
import dev.gort.time.Time;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A runtime throw (Proc's "A runtime throw") in a child JVM. Mode "invariant": main breaks the
 * spinning count, then keeps starting goroutines and sleeping, so an M soon finds the count
 * negative where it stops spinning, on the M's own thread. Mode "escape": a goroutine whose
 * continuation throws when its M runs it, so the exception escapes the M's scheduling loop. Mode
 * "checkdead": main parks for good on a blocker that throws when a deadlock check asks it whether a
 * platform thread touched it, so the check fails on the checker's thread. Mode "bubble": "escape"
 * while a synctest bubble runs on another thread, its root parked on a channel made outside it; the
 * bubble must end with a FatalError caused by the run's (prints "bubble ended by the throw";
 * before, Synctest.test waited for ever). Each way Go.run must
 * throw a FatalError (before the fixes, the M's thread died, or the M or the checker printed a line,
 * and the run went on for ever); a second Go.run must throw an error caused by the first, without
 * running its main. Prints "second run refused", exits 2 as Go's fatal errors do; exits 1 with the
 * hang's evidence if the run has not ended after 30 s.
 */
public final class RuntimeThrow {
    public static void main(String[] args) throws InterruptedException {
        FatalError first;
        Thread.ofPlatform().daemon().start(() -> { // the watchdog: the run ends within 30 s, or this is a hang
            try {
                Thread.sleep(Duration.ofSeconds(30));
            } catch (InterruptedException e) {
                return;
            }
            System.out.println("the run did not end");
            System.err.println(HangDump.dump("RuntimeThrow " + args[0]));
            System.exit(1);
        });
        AtomicReference<Throwable> bubbleEnd = new AtomicReference<>();
        Thread bubble = null;
        if (args[0].equals("bubble")) { // a bubble live beside the run, its root parked for good
            Chan<Integer> outside = Chan.make();
            CountDownLatch parking = new CountDownLatch(1);
            bubble = Thread.ofPlatform().start(() -> {
                try {
                    Synctest.test(() -> {
                        parking.countDown();
                        outside.recv(); // not durable: a channel made outside the bubble
                    });
                    bubbleEnd.set(new AssertionError("Synctest.test returned normally"));
                } catch (Throwable t) {
                    bubbleEnd.set(t);
                }
            });
            parking.await();
        }
        try {
            Go.run(() -> {
                if (args[0].equals("checkdead")) {
                    Exports.parkOnABrokenBlocker(); // no other goroutine, no timer: the check reaches it
                }
                Go.go("sleeper", () -> Time.sleep(Duration.ofHours(1)));
                if (args[0].equals("invariant")) {
                    Exports.breakSpinningCount();
                } else {
                    Exports.readyThrowingG(new IllegalStateException("boom"));
                }
                for (;;) {
                    Go.go(() -> { });
                    Time.sleep(Duration.ofMillis(1));
                }
            });
            System.out.println("Go.run returned normally");
            System.exit(1);
            return;
        } catch (FatalError e) {
            first = e;
        }
        if (bubble != null) {
            bubble.join();
            Throwable t = bubbleEnd.get();
            System.out.println(t instanceof FatalError && t != first && t.getCause() == first
                    ? "bubble ended by the throw" : "bubble ended otherwise: " + t);
        }
        try {
            Go.run(() -> System.out.println("second main ran"));
            System.out.println("second run returned normally");
        } catch (FatalError e) {
            System.out.println(e != first && e.getCause() == first && e.getMessage().equals(first.getMessage())
                    ? "second run refused" : "second run threw another error: " + e);
        }
        System.exit(2);
    }
}
