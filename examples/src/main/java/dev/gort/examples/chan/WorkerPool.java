package dev.gort.examples.chan;

import dev.gort.Go;
import dev.gort.chan.Chan;
import dev.gort.chan.RecvChan;
import dev.gort.chan.SendChan;

/**
 * A worker pool, after "Go by Example: Worker Pools": a fixed number of worker goroutines receive
 * jobs from one buffered channel and send results on another. Closing the jobs channel tells the
 * workers no more work is coming; each worker's range loop then ends. Each job sleeps a millisecond,
 * parking its goroutine, so the jobs spread over the workers even on one P.
 */
public final class WorkerPool {
    private WorkerPool() {}

    /** A job and which worker did it. */
    public record Result(int job, int worker, long value) {}

    static void worker(int id, RecvChan<Integer> jobs, SendChan<Result> results) {
        for (int j : jobs) {
            try {
                Thread.sleep(1); // an expensive task, as Go by Example's time.Sleep; parks the goroutine
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            long v = 0;
            for (int k = 1; k <= j; k++) { // a little work: 1 + 2 + ... + j
                v += k;
            }
            results.send(new Result(j, id, v));
        }
    }

    /** Runs the jobs 1..njobs on nworkers workers; returns how many jobs each worker did. Call inside a goroutine. */
    public static int[] run(int nworkers, int njobs) {
        Chan<Integer> jobs = Chan.make(njobs);
        Chan<Result> results = Chan.make(njobs);
        for (int w = 0; w < nworkers; w++) {
            int id = w;
            Go.go(() -> worker(id, jobs, results));
        }
        for (int j = 1; j <= njobs; j++) {
            jobs.send(j);
        }
        jobs.close();
        int[] perWorker = new int[nworkers];
        for (int i = 0; i < njobs; i++) {
            Result r = results.recv();
            if (r.value() != (long) r.job() * (r.job() + 1) / 2) {
                throw new IllegalStateException("wrong result " + r);
            }
            perWorker[r.worker()]++;
        }
        return perWorker;
    }

    /** Runs 100 jobs on 3 workers and prints how the jobs were shared. For the demo. */
    public static void demo() {
        Go.run(() -> {
            int[] per = run(3, 100);
            System.out.println("worker pool: 100 jobs on 3 workers, jobs per worker " + java.util.Arrays.toString(per));
        });
    }

    public static void main(String[] args) {
        demo();
    }
}
