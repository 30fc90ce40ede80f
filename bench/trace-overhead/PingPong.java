// The tracer-off overhead loop (see run.sh): CPU ns per LockSupport park/unpark round trip
// between two goroutines on one P, mean of reps 4..N. Not part of the Maven build.
import dev.gort.Go;
import java.util.*;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
public class PingPong {
    public static void main(String[] a) throws Exception {
        int n = Integer.parseInt(a[0]), reps = Integer.parseInt(a[1]);
        Go.gomaxprocs(1);
        List<Double> r = new ArrayList<>();
        for (int rep = 0; rep < reps; rep++) {
            double[] out = new double[1];
            Go.run(() -> {
                AtomicInteger turn = new AtomicInteger();
                Thread main = Thread.currentThread();
                Thread[] other = new Thread[1];
                java.util.concurrent.CountDownLatch ready = new java.util.concurrent.CountDownLatch(1);
                Go.go(() -> {
                    other[0] = Thread.currentThread();
                    ready.countDown();
                    for (int i = 0; i < n; i++) {
                        while (turn.get() != 2 * i + 1) LockSupport.park();
                        turn.set(2 * i + 2);
                        LockSupport.unpark(main);
                    }
                });
                try { ready.await(); } catch (InterruptedException e) { throw new RuntimeException(e); }
                var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
                long t = os.getProcessCpuTime();
                for (int i = 0; i < n; i++) {
                    turn.set(2 * i + 1);
                    LockSupport.unpark(other[0]);
                    while (turn.get() != 2 * i + 2) LockSupport.park();
                }
                out[0] = (os.getProcessCpuTime() - t) / (double) n;
            });
            if (rep >= 3) r.add(out[0]);
        }
        double sum = 0; for (double x : r) sum += x;
        System.out.printf("%.1f%n", sum / r.size());
    }
}
