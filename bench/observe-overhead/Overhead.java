// The cost of gort's observability hooks when nothing observes (see run.sh): CPU ns per
// unbuffered-channel round trip between two goroutines on one P ("chan"), or per goroutine spawned
// and joined ("spawn": 100,000 goroutines, each ending with WaitGroup.done); mean of reps 4..N.
// Uses only the public API, so the same source runs against any build of gort's core. Not part of
// the Maven build.
import dev.gort.Go;
import dev.gort.chan.Chan;
import dev.gort.sync.WaitGroup;
import java.util.ArrayList;
import java.util.List;

public class Overhead {
    public static void main(String[] a) {
        String mode = a[0];
        int n = Integer.parseInt(a[1]), reps = Integer.parseInt(a[2]);
        Go.gomaxprocs(1);
        List<Double> r = new ArrayList<>();
        for (int rep = 0; rep < reps; rep++) {
            double[] out = new double[1];
            Go.run(() -> out[0] = mode.equals("chan") ? chan(n) : spawn(n));
            if (rep >= 3) {
                r.add(out[0]);
            }
        }
        double sum = 0;
        for (double x : r) {
            sum += x;
        }
        System.out.printf("%.1f%n", sum / r.size());
    }

    static long cpu() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    static double chan(int n) {
        Chan<Integer> ping = Chan.make(), pong = Chan.make();
        Go.go(() -> {
            for (int i = 0; i < n; i++) {
                pong.send(ping.recv());
            }
        });
        long t = cpu();
        for (int i = 0; i < n; i++) {
            ping.send(i);
            pong.recv();
        }
        return (cpu() - t) / (double) n;
    }

    static double spawn(int n) {
        WaitGroup wg = new WaitGroup();
        long t = cpu();
        wg.add(n);
        for (int i = 0; i < n; i++) {
            Go.go(wg::done);
        }
        wg.await();
        return (cpu() - t) / (double) n;
    }
}
