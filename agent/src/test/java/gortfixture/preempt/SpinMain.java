package gortfixture.preempt;

import dev.gort.Go;
import dev.gort.runtime.PreemptFlagger;

import java.util.Arrays;

/**
 * Go's TestPreemption analogue, run in a child JVM: {@code SpinMain [flagger|sysmon] [watchdog-ms]}. With
 * "flagger" (the default; run it with -Dgort.sysmon=false) the test's PreemptFlagger marks
 * long-running goroutines and nothing retakes a P; with "sysmon" gort's own sysmon marks them and
 * retakes Ps.
 * At GOMAXPROCS=1 a goroutine spins forever in
 * a loop with no call and no safe point; the main goroutine sleeps 5 times and measures how late
 * it gets the P back after each sleep. Prints "latencies-ms=[...]" and whether the spinner passed
 * a safe point ("spinner-flag=cleared"), or stays flagged ("spinner-flag=set"), as seen by the main
 * goroutine: when it first runs again, and if the flag was still set then, over up to 2 more seconds.
 * (With "flagger" only the spinner's safe point, which clears the flag, can let main run again, so
 * the first look decides. With "sysmon" a retake may hand main the P before the spinner's thread,
 * held off a core by a loaded machine, has reached its next back-edge; the later looks see the
 * safe point taken once it has.) Without the agent
 * and without sysmon's retake the main goroutine never runs again: a watchdog (3 s, or
 * watchdog-ms) prints "victim-starved" and exits with status 3.
 */
public final class SpinMain {
    static volatile boolean stop;
    static volatile long spinnerGoid = -1;
    static long sink;

    public static void main(String[] args) {
        Go.gomaxprocs(1);
        if (args.length == 0 || args[0].equals("flagger")) {
            PreemptFlagger.start(); // marks only; else gort's sysmon marks (and retakes)
        }
        long watchdogMs = args.length > 1 ? Long.parseLong(args[1]) : 3_000;
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(watchdogMs);
            } catch (InterruptedException e) {
                return;
            }
            System.out.println("victim-starved spinner-flag=" + flag());
            System.out.flush();
            Runtime.getRuntime().halt(3);
        });
        watchdog.setDaemon(true);
        watchdog.start();
        double[] lat = new double[5];
        String[] flagAtWake = {"unknown"};
        Go.run(() -> {
            Go.go(() -> {
                spinnerGoid = Go.goid();
                spin();
            });
            // Let the spinner take the P first (the 61st-tick rule could otherwise run main first)
            while (spinnerGoid < 0) {
                Thread.yield();
            }
            for (int i = 0; i < lat.length; i++) {
                long t0 = System.nanoTime();
                sleep(5);
                lat[i] = (System.nanoTime() - t0 - 5_000_000L) / 1e6;
                if (i == 0) {
                    flagAtWake[0] = flag(); // the spinner is off the only P now: its flag is stable
                }
            }
            watchdog.interrupt(); // main ran again every time; what is left is to read the flag
            long deadline = System.nanoTime() + 2_000_000_000L;
            while (flagAtWake[0].equals("set") && System.nanoTime() < deadline) {
                sleep(1);
                flagAtWake[0] = flag();
            }
        });
        System.out.println("latencies-ms=" + Arrays.toString(lat) + " spinner-flag=" + flagAtWake[0]);
        stop = true;
        System.exit(0);
    }

    /** The hog: no call, no allocation, only a back-edge. */
    static void spin() {
        long x = 1;
        while (!stop) {
            x = x * 6364136223846793005L + 1442695040888963407L;
        }
        sink = x;
    }

    private static String flag() {
        return spinnerGoid < 0 ? "unknown" : PreemptFlagger.flagged(spinnerGoid) ? "set" : "cleared";
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
