package dev.gort.runtime.prog;

import dev.gort.Go;
import dev.gort.runtime.Exports;
import dev.gort.testing.HangDump;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Run at GOMAXPROCS 1 with sysmon off: a goroutine loops on empty Go.syscall calls, with no other
 * safe point, while main waits in the global queue. A platform thread then asks that goroutine to
 * yield, as sysmon's preemptone would. Go's exitsyscall leaves a pending preemption to the next
 * safe point, and Go.syscall's return is one: the goroutine must yield there and let main run.
 * With sysmon off nothing retakes the P, so only that safe point can let main in. Prints "ok"
 * and how many calls the looper made after the asker's last look (for the curious: the asker may
 * be descheduled between that look and the request); after 20 s it prints the hang evidence and
 * exits 1.
 */
public final class SyscallReturnYields {
    public static void main(String[] args) throws Exception {
        AtomicReference<Object> looper = new AtomicReference<>();
        AtomicBoolean requested = new AtomicBoolean(), done = new AtomicBoolean();
        AtomicLong calls = new AtomicLong();
        long[] callsAtRequest = {-1};
        Thread asker = new Thread(() -> { // a platform thread: it runs whatever the one P does
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (looper.get() == null || calls.get() < 100) { // the looper holds the P by now
                check(deadline, "the looping goroutine never made 100 calls");
            }
            callsAtRequest[0] = calls.get();
            requested.set(true);
            Exports.askToYield(looper.get());
            while (!done.get()) {
                check(deadline, "the goroutine asked to yield never let main run ("
                        + (calls.get() - callsAtRequest[0]) + " syscalls after the request)");
            }
        }, "asker");
        Go.run(() -> {
            Go.go(() -> {
                looper.set(Exports.currentG());
                try {
                    while (!done.get()) {
                        Go.syscall(calls::incrementAndGet);
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            asker.start();
            do {
                Go.gosched(); // to the global queue: the looper takes the P
            } while (!requested.get()); // (a schedule round's global check may run main first)
            long after = calls.get() - callsAtRequest[0];
            done.set(true);
            System.out.println("ok calls-after-the-asker-looked=" + after);
        });
        asker.join();
    }

    private static void check(long deadline, String what) {
        if (System.nanoTime() - deadline > 0) {
            System.out.println(HangDump.dump(what));
            System.exit(1);
        }
        Thread.onSpinWait();
    }
}
