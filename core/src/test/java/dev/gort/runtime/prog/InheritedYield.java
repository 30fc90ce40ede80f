package dev.gort.runtime.prog;

import dev.gort.Go;
import dev.gort.testing.HangDump;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Run at GOMAXPROCS 1 with sysmon off: a virtual thread started with the JDK's API inside a
 * goroutine (an inherited child, run as an anonymous goroutine) yields in a loop until a goroutine
 * queued on the same P has run. A Thread.yield goes to the global queue, behind everything else
 * (Go's goschedImpl), so the goroutine runs after the child's first yield or so. Prints "ok" and
 * the child's yields, ROUNDS times; if a round takes 20 s it prints the hang evidence and exits 1.
 */
public final class InheritedYield {
    private static final int ROUNDS = 20;

    public static void main(String[] args) throws Exception {
        AtomicLong yields = new AtomicLong(), most = new AtomicLong();
        AtomicBoolean roundDone = new AtomicBoolean();
        Thread watchdog = new Thread(() -> { // a platform thread: it runs whatever the one P does
            for (int i = 0; i < ROUNDS; i++) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (!roundDone.getAndSet(false)) {
                    if (System.nanoTime() - deadline > 0) {
                        System.out.println(HangDump.dump("the goroutine never ran beside a yielding inherited child ("
                                + yields.get() + " yields)"));
                        System.exit(1);
                    }
                    Thread.onSpinWait();
                }
            }
        }, "watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        for (int i = 0; i < ROUNDS; i++) {
            AtomicBoolean ran = new AtomicBoolean();
            yields.set(0);
            Go.run(() -> {
                Go.go(() -> ran.set(true)); // to runnext
                Thread child = Thread.ofVirtual().start(() -> { // to runnext, the goroutine to the ring
                    while (!ran.get()) {
                        Thread.yield();
                        yields.incrementAndGet();
                    }
                });
                try {
                    child.join(); // main parks: the child runs first
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            most.accumulateAndGet(yields.get(), Math::max);
            roundDone.set(true);
            while (roundDone.get()) {
                Thread.onSpinWait(); // the watchdog has seen it
            }
        }
        System.out.println("ok most-yields=" + most.get());
    }
}
