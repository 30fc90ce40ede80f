package dev.gort.runtime.prog;

import dev.gort.Go;
import dev.gort.runtime.Exports;
import dev.gort.runtime.Sema;
import dev.gort.runtime.WaitReason;
import dev.gort.testing.HangDump;

import java.util.concurrent.atomic.AtomicReference;

/**
 * Run at GOMAXPROCS 1 with sysmon off: a goroutine that hands its semaphore's count to a waiter
 * (Go's semrelease1 with handoff, Mutex's starvation mode) yields as Go's goyield, to the tail of
 * its P's local queue, not the global queue (Gosched's). The waiter, which runs next from runnext,
 * looks for the releaser: in the local queue behind the one goroutine queued there, and not in the
 * global queue. Prints "ok", ROUNDS times a fresh run; on a hang (20 s) prints the evidence, exits 1.
 */
public final class GoyieldPlacement {
    private static final int ROUNDS = 20;

    public static void main(String[] args) throws Exception {
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(20_000);
            } catch (InterruptedException e) {
                return;
            }
            System.out.println(HangDump.dump("GoyieldPlacement did not finish in 20 s"));
            System.exit(1);
        }, "watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        for (int i = 0; i < ROUNDS; i++) {
            AtomicReference<String> seen = new AtomicReference<>();
            Go.run(() -> {
                Object releaser = Exports.currentG();
                Sema s = new Sema();
                AtomicReference<Thread> waiter = new AtomicReference<>();
                Go.go(() -> {
                    waiter.set(Thread.currentThread());
                    s.semacquire(false, WaitReason.SYNC_MUTEX_LOCK);
                    seen.set("global=" + Exports.inGlobalQueue(releaser) + " local=" + Exports.localQueueSize());
                });
                while (waiter.get() == null || waiter.get().getState() != Thread.State.WAITING) {
                    Go.gosched(); // the waiter runs and parks on s
                }
                Go.go(() -> {}); // one goroutine in the local queue
                s.semrelease(true); // the waiter to runnext; the releaser yields
            });
            // The releaser, behind the queued goroutine; the waiter itself has left the queue.
            if (!"global=false local=2".equals(seen.get())) {
                System.out.println("round " + i + ": the waiter saw " + seen.get()
                        + ", want the releaser in the local queue (global=false local=2)");
                System.exit(1);
            }
        }
        watchdog.interrupt();
        System.out.println("ok");
    }
}
