// The tracer-off overhead loop (see run.sh): CPU ns per round trip between two goroutines on one
// P, by LockSupport park/unpark or (third argument "chan") over unbuffered channels; mean of reps
// 4..N. Not part of the Maven build.
import dev.gort.Go;
import dev.gort.chan.Chan;
import java.util.*;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
public class PingPong {
    public static void main(String[] a) throws Exception {
        int n = Integer.parseInt(a[0]), reps = Integer.parseInt(a[1]);
        boolean chan = a.length > 2 && a[2].equals("chan");
        Go.gomaxprocs(1);
        List<Double> r = new ArrayList<>();
        for (int rep = 0; rep < reps; rep++) {
            double[] out = new double[1];
            if (chan) {
                Go.run(() -> out[0] = chanPingPong(n));
                if (rep >= 3) r.add(out[0]);
                continue;
            }
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

    /** CPU ns per round trip over two unbuffered channels. */
    static double chanPingPong(int n) {
        Chan<Integer> ping = Chan.make(), pong = Chan.make();
        Go.go(() -> {
            for (int i = 0; i < n; i++) {
                pong.send(ping.recv());
            }
        });
        var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        long t = os.getProcessCpuTime();
        for (int i = 0; i < n; i++) {
            ping.send(i);
            pong.recv();
        }
        return (os.getProcessCpuTime() - t) / (double) n;
    }
}
