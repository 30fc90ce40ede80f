package gortfixture.race;

import dev.gort.Go;
import dev.gort.chan.Chan;
import dev.gort.agent.race.Reports;

import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Racy and race-free programs for the race detector, modelled on the kinds of case in Go's
 * runtime/race/testdata, run in a child JVM with the agent in race mode:
 * <pre>java ... -javaagent:gort-agent.jar=race,include=gortfixture.* gortfixture.race.Programs NAME RUNS</pre>
 * Each run executes the program once on fresh variables inside one Go.run and counts whether the
 * detector found a race during it. Prints "runs=N racy-runs=K". The race-free ones must give K=0,
 * the racy ones K=N: FastTrack is precise, so detection does not depend on the interleaving.
 *
 * Channel programs come twice: with gort's channels ("gort-chan"), whose happens-before edges come
 * from the runtime's Race hooks, and with the JDK's SynchronousQueue/ArrayBlockingQueue/Semaphore
 * ("chan"), which the agent treats as synchronising calls.
 */
public final class Programs {
    static final Map<String, Runnable> PROGRAMS = Map.ofEntries(
            Map.entry("racy-counter", Programs::racyCounter),
            Map.entry("racy-captured", Programs::racyCaptured),
            Map.entry("racy-array-element", Programs::racyArrayElement),
            Map.entry("racy-publication", Programs::racyPublication),
            Map.entry("racy-read-shared-then-write", Programs::racyReadSharedThenWrite),
            Map.entry("racy-map", Programs::racyMap),
            Map.entry("racy-write-after-send", Programs::racyWriteAfterSend),
            Map.entry("free-gort-chan-handoff", Programs::freeGortChanHandoff),
            Map.entry("free-gort-chan-semaphore", Programs::freeGortChanSemaphore),
            Map.entry("free-gort-chan-close", Programs::freeGortChanClose),
            Map.entry("free-concurrent-map", Programs::freeConcurrentMap),
            Map.entry("free-mutex", Programs::freeMutex),
            Map.entry("free-synchronized", Programs::freeSynchronized),
            Map.entry("free-waitgroup-join", Programs::freeWaitGroupJoin),
            Map.entry("free-thread-join", Programs::freeThreadJoin),
            Map.entry("free-chan-handoff", Programs::freeChanHandoff),
            Map.entry("free-chan-semaphore", Programs::freeChanSemaphore),
            Map.entry("free-volatile-publication", Programs::freeVolatilePublication),
            Map.entry("free-array-distinct", Programs::freeArrayDistinct));

    public static void main(String[] args) {
        Runnable p = PROGRAMS.get(args[0]);
        if (p == null) {
            throw new IllegalArgumentException("no program " + args[0] + "; have " + PROGRAMS.keySet());
        }
        int runs = Integer.parseInt(args[1]);
        int[] racy = {0};
        Go.run(() -> {
            for (int i = 0; i < runs; i++) {
                long before = Reports.detected();
                p.run();
                if (Reports.detected() > before) {
                    racy[0]++;
                }
            }
        });
        System.out.println("runs=" + runs + " racy-runs=" + racy[0]);
    }

    static final class Counter {
        int n;
    }

    static final class Data {
        int x;
    }

    private static void await(CountDownLatch l) {
        try {
            l.await();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Go's TestRaceIntRWGlobalFuncs shape: two goroutines increment one counter, joined properly. */
    static void racyCounter() {
        Counter c = new Counter();
        CountDownLatch done = new CountDownLatch(2);
        for (int g = 0; g < 2; g++) {
            Go.go(() -> {
                for (int i = 0; i < 100; i++) {
                    c.n++;
                }
                done.countDown();
            });
        }
        await(done);
    }

    /** A goroutine writes a captured variable that its creator writes too (TestRaceCaptured...). */
    static void racyCaptured() {
        Data d = new Data();
        CountDownLatch done = new CountDownLatch(1);
        Go.go(() -> {
            d.x = 1;
            done.countDown();
        });
        d.x = 2;
        await(done);
    }

    /** Two goroutines write the same array element. */
    static void racyArrayElement() {
        long[] a = new long[8];
        CountDownLatch done = new CountDownLatch(2);
        for (int g = 0; g < 2; g++) {
            int v = g;
            Go.go(() -> {
                a[3] = v;
                done.countDown();
            });
        }
        await(done);
    }

    static Data published;

    /** An object published through a plain static field (the double-checked-locking bug). */
    static void racyPublication() {
        published = null;
        CountDownLatch done = new CountDownLatch(2);
        Go.go(() -> {
            Data d = new Data();
            d.x = 42;
            published = d;
            done.countDown();
        });
        Go.go(() -> {
            Data d = published;
            if (d != null && d.x != 42) {
                throw new AssertionError("saw a half-built object");
            }
            done.countDown();
        });
        await(done);
        published = null;
    }

    /** Two goroutines read concurrently (read-shared state), then a third writes unsynchronised. */
    static void racyReadSharedThenWrite() {
        Data d = new Data();
        CountDownLatch reads = new CountDownLatch(2);
        for (int g = 0; g < 2; g++) {
            Go.go(() -> {
                if (d.x < 0) {
                    throw new AssertionError();
                }
                reads.countDown();
            });
        }
        CountDownLatch done = new CountDownLatch(1);
        Go.go(() -> {
            d.x = 7;
            done.countDown();
        });
        await(reads);
        await(done);
    }

    /** Go's TestRaceChanSendLast shape: a write after the send is not ordered before the receiver's read. */
    static void racyWriteAfterSend() {
        Data d = new Data();
        Chan<Integer> c = Chan.make();
        Chan<Boolean> done = Chan.make();
        Go.go(() -> {
            c.recv();
            if (d.x < 0) {
                throw new AssertionError();
            }
            done.send(true);
        });
        c.send(1);
        d.x = 1;
        done.recv();
    }

    /** Go's TestNoRaceChanSync: ownership handed over an unbuffered gort channel and back. */
    static void freeGortChanHandoff() {
        Chan<Data> c = Chan.make();
        Chan<Boolean> done = Chan.make();
        Go.go(() -> {
            Data d = c.recv();
            d.x++; // the receiver owns it now
            done.send(true);
        });
        Data d = new Data();
        d.x = 1;
        c.send(d);
        done.recv();
        if (d.x != 2) {
            throw new AssertionError(d.x);
        }
    }

    /**
     * Go's buffered channel as a semaphore (TestNoRaceChanSem...): a send of capacity 1 takes
     * it, a receive gives it back; the k-th receive happens before the (k+C)-th send completes.
     */
    static void freeGortChanSemaphore() {
        Counter n = new Counter();
        Chan<Boolean> sem = Chan.make(1);
        Chan<Boolean> done = Chan.make(3);
        for (int g = 0; g < 3; g++) {
            Go.go(() -> {
                for (int i = 0; i < 20; i++) {
                    sem.send(true);
                    n.n++;
                    sem.recv();
                }
                done.send(true);
            });
        }
        for (int g = 0; g < 3; g++) {
            done.recv();
        }
        if (n.n != 60) {
            throw new AssertionError(n.n);
        }
    }

    /** A close happens before a receive that sees it. */
    static void freeGortChanClose() {
        Data d = new Data();
        Chan<Integer> c = Chan.make();
        Go.go(() -> {
            d.x = 9;
            c.close();
        });
        if (c.recvOk().ok()) {
            throw new AssertionError("received from a channel nobody sends on");
        }
        if (d.x != 9) {
            throw new AssertionError(d.x);
        }
    }

    /** Go's TestRaceMapRW shape: one goroutine writes a HashMap while another reads it. */
    static void racyMap() {
        Map<String, Integer> m = new java.util.HashMap<>();
        CountDownLatch done = new CountDownLatch(2);
        Go.go(() -> {
            m.put("a", 1);
            done.countDown();
        });
        Go.go(() -> {
            m.get("a");
            done.countDown();
        });
        await(done);
    }

    /** The same through the Map interface on a ConcurrentHashMap: synchronising, no race. */
    static void freeConcurrentMap() {
        Map<String, Data> m = new java.util.concurrent.ConcurrentHashMap<>();
        CountDownLatch done = new CountDownLatch(2);
        Go.go(() -> {
            Data d = new Data();
            d.x = 5;
            m.put("a", d);
            done.countDown();
        });
        Go.go(() -> {
            Data d = m.get("a");
            if (d != null && d.x != 5) {
                throw new AssertionError(d.x);
            }
            done.countDown();
        });
        await(done);
    }

    /** Go's mutex-protected counter: no race. */
    static void freeMutex() {
        Counter c = new Counter();
        ReentrantLock mu = new ReentrantLock();
        CountDownLatch done = new CountDownLatch(2);
        for (int g = 0; g < 2; g++) {
            Go.go(() -> {
                for (int i = 0; i < 100; i++) {
                    mu.lock();
                    try {
                        c.n++;
                    } finally {
                        mu.unlock();
                    }
                }
                done.countDown();
            });
        }
        await(done);
        mu.lock();
        try {
            if (c.n != 200) {
                throw new AssertionError("lost updates under a lock: " + c.n);
            }
        } finally {
            mu.unlock();
        }
    }

    /** The same with synchronized blocks and a synchronized method. */
    static void freeSynchronized() {
        Counter c = new Counter();
        CountDownLatch done = new CountDownLatch(2);
        for (int g = 0; g < 2; g++) {
            Go.go(() -> {
                for (int i = 0; i < 50; i++) {
                    synchronized (c) {
                        c.n++;
                    }
                    bump(c);
                }
                done.countDown();
            });
        }
        await(done);
        if (c.n != 200) {
            throw new AssertionError("lost updates under a monitor: " + c.n);
        }
    }

    private static synchronized void bumpLocked(Counter c) {
        c.n++;
    }

    /** c's monitor, re-entered, around a synchronized static method (the class monitor). */
    private static void bump(Counter c) {
        synchronized (c) {
            bumpLocked(c);
        }
    }

    /** WaitGroup join: workers fill their own slots, the joiner reads them all after Wait. */
    static void freeWaitGroupJoin() {
        Data[] out = new Data[4];
        CountDownLatch wg = new CountDownLatch(out.length);
        for (int g = 0; g < out.length; g++) {
            int i = g;
            Go.go(() -> {
                Data d = new Data();
                d.x = i;
                out[i] = d;
                wg.countDown();
            });
        }
        await(wg);
        int sum = 0;
        for (Data d : out) {
            sum += d.x;
        }
        if (sum != 6) {
            throw new AssertionError(sum);
        }
    }

    /** Thread.start / Thread.join of platform threads. */
    static void freeThreadJoin() {
        Counter c = new Counter();
        c.n = 1;
        Thread t = new Thread(() -> c.n++);
        t.start();
        try {
            t.join();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
        if (c.n != 2) {
            throw new AssertionError(c.n);
        }
        c.n++;
    }

    /** Handoff through an unbuffered channel: the send happens before the receive completes. */
    static void freeChanHandoff() {
        BlockingQueue<Data> ch = new SynchronousQueue<>();
        CountDownLatch done = new CountDownLatch(1);
        Go.go(() -> {
            Data d;
            try {
                d = ch.take();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            d.x++; // the receiver owns it now
            done.countDown();
        });
        Data d = new Data();
        d.x = 1;
        try {
            ch.put(d);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
        await(done);
    }

    /** A buffered channel (capacity 2) as a counting semaphore around a shared counter: no race. */
    static void freeChanSemaphore() {
        Counter c = new Counter();
        Semaphore sem = new Semaphore(1);
        BlockingQueue<Integer> tokens = new ArrayBlockingQueue<>(2);
        CountDownLatch done = new CountDownLatch(3);
        for (int g = 0; g < 3; g++) {
            Go.go(() -> {
                for (int i = 0; i < 20; i++) {
                    sem.acquireUninterruptibly();
                    c.n++;
                    sem.release();
                }
                tokens.offer(1);
                tokens.poll();
                done.countDown();
            });
        }
        await(done);
    }

    static volatile Data safelyPublished;

    /** Publication through a volatile field: the write of x happens before the reader's read. */
    static void freeVolatilePublication() {
        safelyPublished = null;
        CountDownLatch done = new CountDownLatch(2);
        Go.go(() -> {
            Data d = new Data();
            d.x = 42;
            safelyPublished = d;
            done.countDown();
        });
        Go.go(() -> {
            Data d = safelyPublished;
            if (d != null && d.x != 42) {
                throw new AssertionError("saw a half-built object");
            }
            done.countDown();
        });
        await(done);
    }

    /** Goroutines write distinct elements of one array: elements are separate variables. */
    static void freeArrayDistinct() {
        int[] a = new int[4];
        CountDownLatch done = new CountDownLatch(a.length);
        for (int g = 0; g < a.length; g++) {
            int i = g;
            Go.go(() -> {
                a[i] = i * 2;
                done.countDown();
            });
        }
        await(done);
        if (a[3] != 6) {
            throw new AssertionError(a[3]);
        }
    }
}
