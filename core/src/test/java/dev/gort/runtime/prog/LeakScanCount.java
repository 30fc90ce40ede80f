package dev.gort.runtime.prog;

import dev.gort.Go;
import dev.gort.chan.Chan;
import dev.gort.runtime.Exports;
import dev.gort.testing.HangDump;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Go.numGoroutine while Go.leakedGoroutines scans. Main parks 8 goroutines on a channel it holds
 * (not leaked), one on a channel nothing else references (leaked), one it will release during the
 * scan (it ends then), and a watcher that reads numGoroutine for main on request. In the middle of
 * the scan (Exports.onLeakScan: after the candidates left allgs, before the GCs) main asks the
 * watcher for the count, releases the goroutine that ends, and asks again until the count has
 * dropped by that one. Go's NumGoroutine does not change during a goroutine leak profile: the
 * counts must be every live goroutine, then one fewer. After the scan the count must be what was
 * live less the goroutines reported (gort collects them), and after the held ones are released,
 * main and the watcher (and the leaked one if the GC did not prove it). Prints "ok", or what was
 * wrong and exits 1; a step that makes no progress for 20 s prints the hang evidence.
 */
public final class LeakScanCount {
    private static final int HELD = 8;

    public static void main(String[] args) {
        List<String> errors = new ArrayList<>();
        Go.run(() -> {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            Chan<Integer> probe = Chan.make(), answer = Chan.make();
            Go.go(() -> {
                for (;;) {
                    probe.recv();
                    answer.send(Go.numGoroutine());
                }
            });
            Chan<Integer> held = Chan.make(), release = Chan.make(), started = Chan.make(HELD + 2);
            for (int i = 0; i < HELD; i++) {
                Go.go(() -> {
                    started.send(1);
                    held.recv();
                });
            }
            Go.go(() -> {
                started.send(1);
                release.recv(); // released during the scan: ends while detached
            });
            leak(started);
            for (int i = 0; i < HELD + 2; i++) {
                started.recv();
            }
            int live = 1 + 1 + HELD + 1 + 1; // main, watcher, held, the ending one, the leaked one
            while (count(probe, answer) != live) { // the starters' announcements are done
                check(deadline, "the goroutines did not all start: " + count(probe, answer));
                Go.gosched();
            }
            waitParked(deadline);
            int[] during = {-1, -1};
            Exports.onLeakScan(() -> {
                during[0] = count(probe, answer);
                release.close();
                int n;
                while ((n = count(probe, answer)) != live - 1) {
                    if (n != live) {
                        during[1] = n;
                        return;
                    }
                    check(deadline, "the released goroutine did not end during the scan");
                    Go.gosched();
                }
                during[1] = n;
            });
            List<String> leaked = Go.leakedGoroutines();
            Exports.onLeakScan(null);
            if (during[0] != live || during[1] != live - 1) {
                errors.add("numGoroutine during the scan: " + during[0] + ", then " + during[1]
                        + " after one goroutine ended; want " + live + ", then " + (live - 1));
            }
            int after = count(probe, answer);
            if (after != live - 1 - leaked.size()) {
                errors.add("numGoroutine after the scan: " + after + " with " + leaked.size()
                        + " reported; want " + (live - 1 - leaked.size()));
            }
            held.close();
            int want = 2 + (1 - leaked.size());
            while (count(probe, answer) != want) {
                check(deadline, "the held goroutines did not end: " + count(probe, answer) + ", want " + want);
                Go.gosched();
            }
        });
        if (!errors.isEmpty()) {
            System.out.println(String.join("\n", errors));
            System.exit(1);
        }
        System.out.println("ok");
    }

    /** A goroutine that receives on a channel nothing else references. */
    private static void leak(Chan<Integer> started) {
        Chan<Integer> lost = Chan.make();
        Go.go(() -> {
            started.send(1);
            lost.recv();
        });
    }

    /** numGoroutine, read by the watcher goroutine. */
    private static int count(Chan<Integer> probe, Chan<Integer> answer) {
        probe.send(1);
        return answer.recv();
    }

    /** Waits until every goroutine but main is parked in a receive (they park right after announcing). */
    private static void waitParked(long deadline) {
        while (Go.stack(true).split("\\[chan receive\\]", -1).length - 1 != HELD + 3) {
            check(deadline, "the goroutines did not park");
            Go.gosched();
        }
    }

    private static void check(long deadline, String what) {
        if (System.nanoTime() - deadline > 0) {
            System.out.println(HangDump.dump(what));
            System.exit(1);
        }
    }
}
