package gortfixture.race;

import dev.gort.Go;
import dev.gort.chan.Chan;
import dev.gort.agent.race.Reports;

import dev.gort.agent.Unseen;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Future;
import java.util.concurrent.RecursiveAction;
import java.util.concurrent.RecursiveTask;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Racy and race-free programs for the race detector, modelled on the kinds of case in Go's
 * runtime/race/testdata, run in a child JVM with the agent in race mode:
 * <pre>java ... -javaagent:gort-agent.jar=race,include=gortfixture.* gortfixture.race.Programs NAME RUNS</pre>
 * Each run executes the program once on fresh variables inside one Go.run and counts whether the
 * detector found a race during it. Prints "runs=N racy-runs=K". The race-free ones must give K=0,
 * the racy ones K=N: FastTrack is precise, so detection does not depend on the interleaving.
 *
 * The executor, future, fork/join and virtual thread programs hand work through the JDK the way
 * ordinary Java does: the race-free ones must be silent (the detector knows those edges), the
 * racy ones are the races people write with them. The "report-" programs fix which access comes
 * first (with Unseen, which the detector cannot see) so that RaceIT can check the report exactly.
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
            Map.entry("free-context-cancel", Programs::freeContextCancel),
            Map.entry("free-synctest-wait", Programs::freeSynctestWait),
            Map.entry("free-concurrent-map", Programs::freeConcurrentMap),
            Map.entry("free-mutex", Programs::freeMutex),
            Map.entry("free-synchronized", Programs::freeSynchronized),
            Map.entry("free-waitgroup-join", Programs::freeWaitGroupJoin),
            Map.entry("free-thread-join", Programs::freeThreadJoin),
            Map.entry("free-chan-handoff", Programs::freeChanHandoff),
            Map.entry("free-chan-semaphore", Programs::freeChanSemaphore),
            Map.entry("free-volatile-publication", Programs::freeVolatilePublication),
            Map.entry("free-array-distinct", Programs::freeArrayDistinct),
            Map.entry("free-executor-submit-get", Programs::freeExecutorSubmitGet),
            Map.entry("free-executor-invoke-all", Programs::freeExecutorInvokeAll),
            Map.entry("free-executor-close", Programs::freeExecutorClose),
            Map.entry("free-scheduled-executor", Programs::freeScheduledExecutor),
            Map.entry("free-completion-service", Programs::freeCompletionService),
            Map.entry("free-completable-chain", Programs::freeCompletableChain),
            Map.entry("free-virtual-threads", Programs::freeVirtualThreads),
            Map.entry("free-virtual-executor", Programs::freeVirtualExecutor),
            Map.entry("free-fork-join", Programs::freeForkJoin),
            Map.entry("racy-executor-tasks", Programs::racyExecutorTasks),
            Map.entry("racy-executor-after-submit", Programs::racyExecutorAfterSubmit),
            Map.entry("racy-completable-after-supply", Programs::racyCompletableAfterSupply),
            Map.entry("racy-virtual-thread", Programs::racyVirtualThread),
            Map.entry("racy-hashmap-cache", Programs::racyHashMapCache),
            Map.entry("racy-lazy-init", Programs::racyLazyInit),
            Map.entry("racy-two-mutexes", Programs::racyTwoMutexes),
            Map.entry("report-executor", Programs::reportExecutor),
            Map.entry("report-array", Programs::reportArray),
            Map.entry("report-handler", Programs::reportHandler));

    public static void main(String[] args) {
        Runnable p = PROGRAMS.get(args[0]);
        if (p == null) {
            throw new IllegalArgumentException("no program " + args[0] + "; have " + PROGRAMS.keySet());
        }
        int runs = Integer.parseInt(args[1]);
        int[] racy = {0};
        Go.run(() -> { // @main-go-run
            for (int i = 0; i < runs; i++) {
                long before = Reports.detected();
                p.run(); // @main-run
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

    /** A cancel happens before the err() (or done()) that sees it, though nobody asked for done() first. */
    static void freeContextCancel() {
        Data d = new Data();
        dev.gort.context.CancelContext ctx = dev.gort.context.Context.withCancel(dev.gort.context.Context.background());
        Go.go(() -> {
            d.x = 7;
            ctx.cancel();
        });
        while (ctx.err() == null) {
            Go.gosched();
        }
        if (d.x != 7) {
            throw new AssertionError(d.x);
        }
    }

    /** Go's synctest.Wait: what a member did before it blocked happens before Wait returns. */
    static void freeSynctestWait() {
        Data d = new Data();
        dev.gort.synctest.Synctest.test(() -> {
            Chan<Integer> c = Chan.make();
            Go.go(() -> {
                d.x = 5;
                c.recv();
            });
            dev.gort.synctest.Synctest.await();
            if (d.x != 5) {
                throw new AssertionError(d.x);
            }
            c.send(0);
        });
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

    // ---------------------------------------------------------------- executors, futures, threads

    private static <T> T get(Future<T> f) {
        try {
            return f.get(30, TimeUnit.SECONDS);
        } catch (InterruptedException | ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void join(Thread t) {
        try {
            t.join();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void shutdown(ExecutorService ex) {
        ex.shutdown();
        try {
            if (!ex.awaitTermination(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("executor did not terminate");
            }
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /** submit -> the task sees what the submitter wrote; task end -> get sees what the task wrote. */
    static void freeExecutorSubmitGet() {
        ExecutorService ex = Executors.newFixedThreadPool(2);
        Data d = new Data();
        d.x = 1;
        Future<Integer> f = ex.submit(() -> {
            d.x++;
            return d.x;
        });
        if (get(f) != 2 || d.x != 2) {
            throw new AssertionError(d.x);
        }
        d.x = 10; // after get: the task is over
        Future<?> g = ex.submit(() -> d.x++); // a Runnable
        get(g);
        Counter c = new Counter();
        ex.execute(() -> c.n = 5); // execute, then awaitTermination
        shutdown(ex);
        if (d.x != 11 || c.n != 5) {
            throw new AssertionError(d.x + " " + c.n);
        }
    }

    /** invokeAll returns when every task has ended: their writes are visible to the caller. */
    static void freeExecutorInvokeAll() {
        ExecutorService ex = Executors.newFixedThreadPool(3);
        int[] out = new int[3];
        out[0] = -1;
        List<Callable<Integer>> tasks = new ArrayList<>();
        for (int i = 0; i < out.length; i++) {
            int k = i;
            tasks.add(() -> {
                out[k] = k * 3;
                return k;
            });
        }
        try {
            int sum = 0;
            for (Future<Integer> f : ex.invokeAll(tasks)) {
                sum += f.get();
            }
            if (sum != 3 || out[2] != 6 || out[0] != 0) {
                throw new AssertionError(sum);
            }
            out[1] = 0;
            Integer any = ex.invokeAny(List.of(() -> out[1] + 1));
            if (any != 1) {
                throw new AssertionError(any);
            }
        } catch (InterruptedException | ExecutionException e) {
            throw new IllegalStateException(e);
        } finally {
            shutdown(ex);
        }
        out[1] = 4;
    }

    /** try-with-resources: close() waits for every task, so their writes are visible after it. */
    static void freeExecutorClose() {
        Data[] out = new Data[4];
        try (ExecutorService ex = Executors.newFixedThreadPool(2)) {
            for (int i = 0; i < out.length; i++) {
                int k = i;
                ex.execute(() -> {
                    Data d = new Data();
                    d.x = k;
                    out[k] = d;
                });
            }
        }
        int sum = 0;
        for (Data d : out) {
            sum += d.x;
        }
        if (sum != 6) {
            throw new AssertionError(sum);
        }
    }

    /** A scheduled task is ordered after schedule() and before its future's get(). */
    static void freeScheduledExecutor() {
        ScheduledExecutorService ex = Executors.newScheduledThreadPool(1);
        Data d = new Data();
        d.x = 3;
        Future<Integer> f = ex.schedule(() -> d.x * 2, 1, TimeUnit.MILLISECONDS);
        Future<?> g = ex.schedule(() -> {
            d.x = 4;
        }, 2, TimeUnit.MILLISECONDS);
        if (get(f) != 6) {
            throw new AssertionError();
        }
        get(g);
        d.x++;
        ex.shutdownNow();
    }

    /** ExecutorCompletionService: take() hands over the future whose task has ended. */
    static void freeCompletionService() {
        ExecutorService ex = Executors.newFixedThreadPool(2);
        ExecutorCompletionService<Data> cs = new ExecutorCompletionService<>(ex);
        for (int i = 0; i < 2; i++) {
            int k = i;
            cs.submit(() -> {
                Data d = new Data();
                d.x = k + 1;
                return d;
            });
        }
        int sum = 0;
        try {
            for (int i = 0; i < 2; i++) {
                Data d = cs.take().get();
                sum += d.x;
                d.x = 0;
            }
        } catch (InterruptedException | ExecutionException e) {
            throw new IllegalStateException(e);
        } finally {
            shutdown(ex);
        }
        if (sum != 3) {
            throw new AssertionError(sum);
        }
    }

    /** supplyAsync -> dependent stages -> join, through the common pool and an executor. */
    static void freeCompletableChain() {
        ExecutorService ex = Executors.newFixedThreadPool(2);
        Data a = new Data(), b = new Data(), c = new Data(), e = new Data(), g = new Data(), h = new Data();
        a.x = 1;
        CompletableFuture<Data> s1 = CompletableFuture.supplyAsync(() -> {
            a.x++; // after the submitter's write
            return a;
        }, ex);
        CompletableFuture<Integer> s2 = s1.thenApplyAsync(v -> {
            v.x *= 10; // after s1's body
            return v.x;
        });
        CompletableFuture<Integer> s3 = s2.thenCompose(v -> CompletableFuture.supplyAsync(() -> {
            b.x = v;
            return v + 1;
        }));
        CompletableFuture<Integer> other = CompletableFuture.supplyAsync(() -> {
            c.x = 5;
            return 5;
        });
        CompletableFuture<Integer> both = s3.thenCombine(other, Integer::sum);
        CompletableFuture<Integer> done = both.whenComplete((v, t) -> e.x = v);
        int r = done.join();
        if (r != 26 || a.x != 20 || b.x != 20 || c.x != 5 || e.x != 26) { // reads after join
            throw new AssertionError(r + " " + a.x + " " + b.x + " " + c.x + " " + e.x);
        }
        CompletableFuture<Void> r1 = CompletableFuture.runAsync(() -> g.x = 1, ex);
        CompletableFuture<Void> r2 = CompletableFuture.runAsync(() -> h.x = 2);
        CompletableFuture.allOf(r1, r2).join();
        if (g.x + h.x != 3) {
            throw new AssertionError();
        }
        CompletableFuture<Integer> manual = new CompletableFuture<>();
        CompletableFuture<Void> dep = manual.thenAccept(v -> g.x += v); // runs when completed
        Go.go(() -> {
            h.x = 7;
            manual.complete(1);
        });
        dep.join();
        if (g.x != 2 || h.x != 7) {
            throw new AssertionError(g.x + " " + h.x);
        }
        g.x = 0;
        shutdown(ex);
    }

    /** Thread start -> body -> join for every way of making a thread, virtual or platform. */
    static void freeVirtualThreads() {
        Counter c = new Counter();
        c.n = 1;
        join(Thread.ofVirtual().start(() -> c.n++));
        c.n++;
        join(Thread.startVirtualThread(() -> c.n++));
        c.n++;
        join(Thread.ofPlatform().start(() -> c.n++));
        c.n++;
        Thread t = Thread.ofVirtual().name("worker-", 0).unstarted(() -> c.n++);
        c.n++;
        t.start();
        join(t);
        ThreadFactory f = Thread.ofVirtual().factory();
        Thread u = f.newThread(() -> c.n++);
        u.start();
        join(u);
        if (c.n != 10) {
            throw new AssertionError(c.n);
        }
    }

    /** newVirtualThreadPerTaskExecutor: submit -> get, and close() waits for every task. */
    static void freeVirtualExecutor() {
        Data[] out = new Data[8];
        Data d = new Data();
        d.x = 2;
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<Integer> f = ex.submit(() -> d.x * 2);
            if (get(f) != 4) {
                throw new AssertionError();
            }
            d.x = 3;
            for (int i = 0; i < out.length; i++) {
                int k = i;
                ex.submit(() -> {
                    Data v = new Data();
                    v.x = k + d.x;
                    out[k] = v;
                });
            }
        }
        int sum = 0;
        for (Data v : out) {
            sum += v.x;
        }
        if (sum != 28 + 24) {
            throw new AssertionError(sum);
        }
    }

    /** A divide-and-conquer sum: fork/join, invokeAll and pool.invoke order the tasks. */
    static final class Sum extends RecursiveTask<Long> {
        final long[] a;
        final int lo, hi;
        long partial; // written by compute, read by the parent after join

        Sum(long[] a, int lo, int hi) {
            this.a = a;
            this.lo = lo;
            this.hi = hi;
        }

        @Override
        protected Long compute() {
            if (hi - lo <= 8) {
                long s = 0;
                for (int i = lo; i < hi; i++) {
                    s += a[i];
                    a[i] = 0; // each element belongs to one leaf
                }
                partial = s;
                return s;
            }
            int mid = (lo + hi) >>> 1;
            Sum left = new Sum(a, lo, mid), right = new Sum(a, mid, hi);
            left.fork();
            long r = right.compute();
            left.join();
            partial = left.partial + r;
            return partial;
        }
    }

    /** RecursiveAction with invokeAll: each half writes its own slots. */
    static final class Fill extends RecursiveAction {
        final int[] out;
        final int lo, hi;

        Fill(int[] out, int lo, int hi) {
            this.out = out;
            this.lo = lo;
            this.hi = hi;
        }

        @Override
        protected void compute() {
            if (hi - lo <= 4) {
                for (int i = lo; i < hi; i++) {
                    out[i] = i;
                }
                return;
            }
            int mid = (lo + hi) >>> 1;
            invokeAll(new Fill(out, lo, mid), new Fill(out, mid, hi));
        }
    }

    static void freeForkJoin() {
        long[] a = new long[64];
        for (int i = 0; i < a.length; i++) {
            a[i] = i;
        }
        ForkJoinPool pool = new ForkJoinPool(2);
        try {
            Sum sum = new Sum(a, 0, a.length);
            long s = pool.invoke(sum);
            if (s != 64 * 63 / 2 || sum.partial != s || a[5] != 0) {
                throw new AssertionError(s);
            }
            int[] out = new int[32];
            pool.invoke(new Fill(out, 0, out.length));
            Sum again = new Sum(new long[] {1, 2, 3}, 0, 3);
            pool.submit(again).join();
            if (out[31] != 31 || again.partial != 6) {
                throw new AssertionError(out[31]);
            }
        } finally {
            pool.shutdown();
        }
    }

    /** Two tasks increment one counter: the executor orders neither after the other. */
    static void racyExecutorTasks() {
        Counter c = new Counter();
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<?> f1 = ex.submit(() -> c.n++);
            Future<?> f2 = ex.submit(() -> c.n++);
            get(f1);
            get(f2);
        }
    }

    /** The submitter writes after submit: the task's read is not ordered with it. */
    static void racyExecutorAfterSubmit() {
        ExecutorService ex = Executors.newFixedThreadPool(1);
        Data d = new Data();
        Future<Integer> f = ex.submit(() -> d.x);
        d.x = 1;
        get(f);
        shutdown(ex);
    }

    /** A CompletableFuture's supplier races with the caller's write after supplyAsync. */
    static void racyCompletableAfterSupply() {
        Data d = new Data();
        CompletableFuture<Integer> f = CompletableFuture.supplyAsync(() -> d.x + 1);
        d.x = 5;
        f.join();
    }

    /** A virtual thread's write races with its starter's write after start. */
    static void racyVirtualThread() {
        Data d = new Data();
        Thread t = Thread.ofVirtual().start(() -> d.x = 1);
        d.x = 2;
        join(t);
    }

    /** A cache in a plain HashMap, filled by concurrent tasks. */
    static void racyHashMapCache() {
        Map<Integer, Data> cache = new HashMap<>();
        try (ExecutorService ex = Executors.newFixedThreadPool(2)) {
            for (int g = 0; g < 2; g++) {
                int k = g;
                ex.submit(() -> cache.computeIfAbsent(k, key -> new Data()));
            }
        }
    }

    static final class Holder {
        Data instance;

        Data lazy() {
            if (instance == null) {
                Data d = new Data();
                d.x = 1;
                instance = d;
            }
            return instance;
        }
    }

    /** Lazy initialisation without a lock or a volatile field, from two goroutines. */
    static void racyLazyInit() {
        Holder h = new Holder();
        CountDownLatch done = new CountDownLatch(2);
        for (int g = 0; g < 2; g++) {
            Go.go(() -> {
                h.lazy();
                done.countDown();
            });
        }
        await(done);
    }

    /** One counter, each goroutine under its own mutex: the locks order nothing. */
    static void racyTwoMutexes() {
        Counter c = new Counter();
        dev.gort.sync.Mutex a = new dev.gort.sync.Mutex(), b = new dev.gort.sync.Mutex();
        CountDownLatch done = new CountDownLatch(2);
        for (dev.gort.sync.Mutex mu : List.of(a, b)) {
            Go.go(() -> {
                for (int i = 0; i < 10; i++) {
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
    }

    private static int readX(Data d) {
        return d.x; // @readX
    }

    /**
     * The task reads d.x (through readX, for a two-frame stack) and then the submitter writes it:
     * in that order every time (Unseen), so the report is "Write ... Previous read".
     */
    static void reportExecutor() {
        ExecutorService ex = Executors.newFixedThreadPool(1);
        Data d = new Data();
        CountDownLatch read = new CountDownLatch(1);
        Future<Integer> f = ex.submit(() -> {
            int v = readX(d); // @task-calls-readX
            Unseen.countDown(read);
            return v;
        });
        Unseen.await(read);
        d.x = 1; // @submitter-writes
        get(f);
        shutdown(ex);
    }

    private static void store(long[] a, int i) {
        a[i] = i; // @store
    }

    /** A virtual thread writes a[5], then (Unseen) its starter writes it too. */
    static void reportArray() {
        long[] a = new long[8];
        CountDownLatch wrote = new CountDownLatch(1);
        Thread t = Thread.ofVirtual().start(() -> { // @start-vthread
            store(a, 5); // @vthread-calls-store
            Unseen.countDown(wrote);
        });
        Unseen.await(wrote);
        a[5] = -1; // @starter-writes
        join(t);
    }

    private static int failDeep(int n) {
        if (n == 0) {
            throw new IllegalStateException("bottom");
        }
        return failDeep(n - 1) + 1;
    }

    /**
     * The virtual thread's write is the first instruction of a catch block, reached by a throw
     * from three calls down: its recorded stack must be the lambda alone, not the frames the
     * throw left (the handler resets the shadow stack).
     */
    static void reportHandler() {
        Data d = new Data();
        CountDownLatch wrote = new CountDownLatch(1);
        Thread t = Thread.ofVirtual().start(() -> {
            try {
                failDeep(2);
            } catch (IllegalStateException e) {
                d.x = 1; // @handler-writes
            }
            Unseen.countDown(wrote);
        });
        Unseen.await(wrote);
        d.x = 2;
        join(t);
    }
}
