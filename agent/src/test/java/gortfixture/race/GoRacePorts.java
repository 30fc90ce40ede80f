package gortfixture.race;

import dev.gort.Go;
import dev.gort.Panic;
import dev.gort.agent.Unseen;
import dev.gort.agent.race.Reports;
import dev.gort.chan.Chan;
import dev.gort.chan.ChanPanic;
import dev.gort.chan.Select;
import dev.gort.sync.Cond;
import dev.gort.sync.Mutex;
import dev.gort.sync.RWMutex;
import dev.gort.sync.WaitGroup;
import dev.gort.time.Time;
import dev.gort.time.Timer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Go's race detector tests (src/runtime/race/testdata: chan_test.go, select_test.go,
 * sync_test.go, mutex_test.go, rwmutex_test.go, waitgroup_test.go, atomic_test.go), ported to
 * gort's API and run under the agent in race mode by GoRacePortsIT:
 * <pre>java ... -javaagent:gort-agent.jar=race,include=gortfixture.* gortfixture.race.GoRacePorts FILE RUNS</pre>
 * Each port carries Go's test name. Go's TestRaceX must be reported in every run, TestNoRaceX in
 * none. For each port of FILE ("chan", "select", ...) the program prints
 * "NAME runs=N racy-runs=K", running the port RUNS times inside one Go.run, each on fresh
 * variables. Every goroutine a port starts (through {@link #go}) is waited for after the port's
 * body returns, so that a race whose second access comes late is counted in its own run; the
 * wait comes after every access of the port, so it hides nothing.
 *
 * Go's tests order events with time.Sleep (a goroutine "enters the Wait loop", a sender "has
 * blocked"). Where that order is what makes the test a race (or no race), the port fixes it with
 * {@link Unseen}, which the detector cannot see, so no happens-before edge is added; where it
 * only makes a path likelier, Go.gosched stands for it. Go's captured local variables are fields
 * of {@link V}; Go's recover is a catch of the panic gort throws.
 */
public final class GoRacePorts {
    private GoRacePorts() {}

    /** Go's captured variables. */
    static final class V {
        int x, y, v1, v2, condition, panics;
        int[] data;
        Chan<Integer> c;
        Mutex mu;
    }

    /** The ports, by Go file, in Go's order. */
    static final Map<String, Map<String, Runnable>> FILES = new LinkedHashMap<>();

    private static Map<String, Runnable> file(String name) {
        return FILES.computeIfAbsent(name, k -> new LinkedHashMap<>());
    }

    static {
        Map<String, Runnable> chan = file("chan");
        chan.put("TestNoRaceChanSync", GoRacePorts::noRaceChanSync);
        chan.put("TestNoRaceChanSyncRev", GoRacePorts::noRaceChanSyncRev);
        chan.put("TestNoRaceChanAsync", GoRacePorts::noRaceChanAsync);
        chan.put("TestRaceChanAsyncRev", GoRacePorts::raceChanAsyncRev);
        chan.put("TestNoRaceChanAsyncCloseRecv", () -> noRaceChanCloseRecv(10, GoRacePorts::recvPlain));
        chan.put("TestNoRaceChanAsyncCloseRecv2", () -> noRaceChanCloseRecv(10, GoRacePorts::recvOk));
        chan.put("TestNoRaceChanAsyncCloseRecv3", () -> noRaceChanCloseRecv(10, GoRacePorts::recvRange));
        chan.put("TestNoRaceChanSyncCloseRecv", () -> noRaceChanCloseRecv(0, GoRacePorts::recvPlain));
        chan.put("TestNoRaceChanSyncCloseRecv2", () -> noRaceChanCloseRecv(0, GoRacePorts::recvOk));
        chan.put("TestNoRaceChanSyncCloseRecv3", () -> noRaceChanCloseRecv(0, GoRacePorts::recvRange));
        chan.put("TestRaceChanCloseClose", GoRacePorts::raceChanCloseClose);
        chan.put("TestRaceChanSendLen", GoRacePorts::raceChanSendLen);
        chan.put("TestRaceChanRecvLen", GoRacePorts::raceChanRecvLen);
        chan.put("TestRaceChanSendSend", GoRacePorts::raceChanSendSend);
        chan.put("TestNoRaceChanPtr", GoRacePorts::noRaceChanPtr);
        chan.put("TestRaceChanWrongSend", GoRacePorts::raceChanWrongSend);
        chan.put("TestRaceChanWrongClose", GoRacePorts::raceChanWrongClose);
        chan.put("TestRaceSelectReadWriteAsync", GoRacePorts::raceSelectReadWriteAsync);
        chan.put("TestRaceSelectReadWriteSync", GoRacePorts::raceSelectReadWriteSync);
        chan.put("TestNoRaceSelectReadWriteAsync", GoRacePorts::noRaceSelectReadWriteAsync);
        chan.put("TestRaceChanReadWriteAsync", GoRacePorts::raceChanReadWriteAsync);
        chan.put("TestRaceChanReadWriteSync", GoRacePorts::raceChanReadWriteSync);
        chan.put("TestNoRaceChanReadWriteAsync", GoRacePorts::noRaceChanReadWriteAsync);
        chan.put("TestNoRaceProducerConsumerUnbuffered", GoRacePorts::noRaceProducerConsumerUnbuffered);
        chan.put("TestRaceChanItselfSend", GoRacePorts::raceChanItselfSend);
        chan.put("TestRaceChanItselfRecv", GoRacePorts::raceChanItselfRecv);
        chan.put("TestRaceChanItselfNil", GoRacePorts::raceChanItselfNil);
        chan.put("TestRaceChanItselfClose", GoRacePorts::raceChanItselfClose);
        chan.put("TestRaceChanItselfLen", GoRacePorts::raceChanItselfLen);
        chan.put("TestRaceChanItselfCap", GoRacePorts::raceChanItselfCap);
        chan.put("TestRaceChanCloseLen", GoRacePorts::raceChanCloseLen);
        chan.put("TestNoRaceChanMutex", GoRacePorts::noRaceChanMutex);
        chan.put("TestNoRaceSelectMutex", GoRacePorts::noRaceSelectMutex);
        chan.put("TestRaceChanSem", GoRacePorts::raceChanSem);
        chan.put("TestNoRaceChanWaitGroup", GoRacePorts::noRaceChanWaitGroup);
        chan.put("TestNoRaceBlockedSendSync", () -> noRaceBlockedSendSync(false));
        chan.put("TestNoRaceBlockedSelectSendSync", () -> noRaceBlockedSendSync(true));

        // Races on the channel itself (Go's chansend reads it, closechan writes it: racereadpc,
        // racewritepc): gort's hooks are happens-before edges only, so these are not found, or
        // only in the runs where the send comes after the close (see GoRacePortsIT). Not run by it.
        Map<String, Runnable> unmodelled = file("unmodelled");
        unmodelled.put("TestRaceChanSyncCloseSend", GoRacePorts::raceChanSyncCloseSend);
        unmodelled.put("TestRaceChanAsyncCloseSend", GoRacePorts::raceChanAsyncCloseSend);
        unmodelled.put("TestRaceChanSendClose", GoRacePorts::raceChanSendClose);
        unmodelled.put("TestRaceChanSendSelectClose", GoRacePorts::raceChanSendSelectClose);
        unmodelled.put("TestRaceChanCloseSend", GoRacePorts::raceChanCloseSend);

        // An open false negative, not run by GoRacePortsIT: under ./gort repeat the race between
        // two AfterFunc goroutines went unreported in 1 of a JVM's 20 runs, in 2 of 20 JVMs at
        // GOMAXPROCS 1 and more at 2 (never in 1,000 runs outside it, loaded or not). Not yet
        // explained. Candidates: tid reuse (FastTrack's "Tid reuse" can hide a race with an
        // ended goroutine, and the first writer has usually ended), or the clock of the thread
        // that runs the timer heap, from which the goroutine is forked (Go forks it from the P's
        // own timer context, timers.raceCtx). TestRaceSelect1 was missed the same way once in
        // 60 JVMs, which points at tid reuse.
        Map<String, Runnable> open = file("open");
        open.put("TestRaceAfterFunc3", GoRacePorts::raceAfterFunc3);
        open.put("TestRaceSelect1", GoRacePorts::raceSelect1); // missed in 1 of 20 runs once at GOMAXPROCS 4

        // Found in most runs only, by design, so not run by GoRacePortsIT: the agent releases
        // to a java.util.concurrent object before each call on it and acquires after (FastTrack's
        // essay), as it cannot make the hooks one step with the JDK's operation. A call's acquire
        // can so take in the release of another thread's call that has not yet operated: when the
        // second goroutine's release comes between the first one's release and its acquire, the
        // first one's add (which returned 1) is ordered after the second one's write (seen in 1
        // of 60 JVMs of 20 runs each; tid reuse, as for the "open" group, is not ruled out).
        // Go's detector makes the atomic and its edge one step.
        Map<String, Runnable> inexact = file("inexact");
        inexact.put("TestRaceAtomicAddInt64", () -> atomicAdd(1));

        Map<String, Runnable> select = file("select");
        select.put("TestNoRaceSelect1", GoRacePorts::noRaceSelect1);
        select.put("TestNoRaceSelect2", GoRacePorts::noRaceSelect2);
        select.put("TestNoRaceSelect3", GoRacePorts::noRaceSelect3);
        select.put("TestNoRaceSelect4", GoRacePorts::noRaceSelect4);
        select.put("TestNoRaceSelect5", GoRacePorts::noRaceSelect5);
        select.put("TestRaceSelect2", GoRacePorts::raceSelect2);
        select.put("TestRaceSelect3", GoRacePorts::raceSelect3);
        select.put("TestRaceSelect4", GoRacePorts::raceSelect4);
        select.put("TestRaceSelect5", GoRacePorts::raceSelect5);

        Map<String, Runnable> sync = file("sync");
        sync.put("TestNoRaceCond", GoRacePorts::noRaceCond);
        sync.put("TestRaceCond", GoRacePorts::raceCond);
        sync.put("TestRaceAnnounceThreads", GoRacePorts::raceAnnounceThreads);
        sync.put("TestNoRaceAfterFunc1", GoRacePorts::noRaceAfterFunc1);
        sync.put("TestNoRaceAfterFunc2", GoRacePorts::noRaceAfterFunc2);
        sync.put("TestNoRaceAfterFunc3", GoRacePorts::noRaceAfterFunc3);
        sync.put("TestRaceGoroutineCreationStack", GoRacePorts::raceGoroutineCreationStack);

        Map<String, Runnable> mutex = file("mutex");
        mutex.put("TestNoRaceMutex", GoRacePorts::noRaceMutex);
        mutex.put("TestRaceMutex", GoRacePorts::raceMutex);
        mutex.put("TestRaceMutex2", GoRacePorts::raceMutex2);
        mutex.put("TestNoRaceMutexPureHappensBefore", GoRacePorts::noRaceMutexPureHappensBefore);
        mutex.put("TestNoRaceMutexSemaphore", GoRacePorts::noRaceMutexSemaphore);
        mutex.put("TestNoRaceMutexExampleFromHtml", GoRacePorts::noRaceMutexExampleFromHtml);
        mutex.put("TestRaceMutexOverwrite", GoRacePorts::raceMutexOverwrite);

        Map<String, Runnable> rwmutex = file("rwmutex");
        rwmutex.put("TestRaceMutexRWMutex", GoRacePorts::raceMutexRWMutex);
        rwmutex.put("TestNoRaceRWMutex", GoRacePorts::noRaceRWMutex);
        rwmutex.put("TestRaceRWMutexMultipleReaders", GoRacePorts::raceRWMutexMultipleReaders);
        rwmutex.put("TestNoRaceRWMutexMultipleReaders", GoRacePorts::noRaceRWMutexMultipleReaders);
        rwmutex.put("TestNoRaceRWMutexTransitive", GoRacePorts::noRaceRWMutexTransitive);

        Map<String, Runnable> waitgroup = file("waitgroup");
        waitgroup.put("TestNoRaceWaitGroup", () -> raceWaitGroupN(1));
        waitgroup.put("TestRaceWaitGroup", () -> raceWaitGroupN(2));
        waitgroup.put("TestNoRaceWaitGroup2", GoRacePorts::noRaceWaitGroup2);
        waitgroup.put("TestRaceWaitGroupAsMutex", GoRacePorts::raceWaitGroupAsMutex);
        waitgroup.put("TestRaceWaitGroupWrongWait", GoRacePorts::raceWaitGroupWrongWait);
        waitgroup.put("TestNoRaceWaitGroupMultipleWait", GoRacePorts::noRaceWaitGroupMultipleWait);
        waitgroup.put("TestNoRaceWaitGroupMultipleWait2", GoRacePorts::noRaceWaitGroupMultipleWait2);
        waitgroup.put("TestNoRaceWaitGroupMultipleWait3", GoRacePorts::noRaceWaitGroupMultipleWait3);
        waitgroup.put("TestRaceWaitGroup2", GoRacePorts::raceWaitGroup2);
        waitgroup.put("TestNoRaceWaitGroupPanicRecover", GoRacePorts::noRaceWaitGroupPanicRecover);
        waitgroup.put("TestNoRaceWaitGroupPanicRecover2", GoRacePorts::noRaceWaitGroupPanicRecover2);
        waitgroup.put("TestNoRaceWaitGroupTransitive", GoRacePorts::noRaceWaitGroupTransitive);
        waitgroup.put("TestNoRaceWaitGroupReuse", GoRacePorts::noRaceWaitGroupReuse);
        waitgroup.put("TestNoRaceWaitGroupReuse2", GoRacePorts::noRaceWaitGroupReuse2);
        waitgroup.put("TestNoRaceWaitGroupConcurrentAdd", GoRacePorts::noRaceWaitGroupConcurrentAdd);

        Map<String, Runnable> atomic = file("atomic");
        atomic.put("TestNoRaceAtomicAddInt64", () -> atomicAdd(2));
        atomic.put("TestNoRaceAtomicLoadAddInt32", GoRacePorts::noRaceAtomicLoadAdd);
        atomic.put("TestNoRaceAtomicLoadStoreInt32", GoRacePorts::noRaceAtomicLoadStore);
        atomic.put("TestNoRaceAtomicStoreCASInt32", GoRacePorts::noRaceAtomicStoreCAS);
        atomic.put("TestNoRaceAtomicCASLoadInt32", GoRacePorts::noRaceAtomicCASLoad);
        atomic.put("TestNoRaceAtomicCASCASInt32", GoRacePorts::noRaceAtomicCASCAS);
        atomic.put("TestNoRaceAtomicCASCASInt32_2", GoRacePorts::noRaceAtomicCASCAS2);
    }

    public static void main(String[] args) {
        Map<String, Runnable> ports = FILES.get(args[0]);
        if (ports == null) {
            throw new IllegalArgumentException("no file " + args[0] + "; have " + FILES.keySet());
        }
        int runs = Integer.parseInt(args[1]);
        List<String> lines = new ArrayList<>();
        Go.run(() -> {
            for (Map.Entry<String, Runnable> p : ports.entrySet()) {
                int racy = 0;
                for (int i = 0; i < runs; i++) {
                    long before = Reports.detected();
                    WaitGroup all = new WaitGroup();
                    RUNNING.set(all);
                    p.getValue().run();
                    all.await();
                    if (Reports.detected() > before) {
                        racy++;
                    }
                }
                lines.add(p.getKey() + " runs=" + runs + " racy-runs=" + racy);
            }
        });
        lines.forEach(System.out::println);
    }

    /** The current run's goroutines, waited for after its body (set in each goroutine {@link #go} starts). */
    private static final ThreadLocal<WaitGroup> RUNNING = new ThreadLocal<>();

    /** Go's go statement, counted so that the run waits for the goroutine after its body. */
    static void go(Runnable f) {
        WaitGroup all = RUNNING.get();
        all.add(1);
        Go.go(() -> {
            RUNNING.set(all);
            try {
                f.run();
            } finally {
                all.done();
            }
        });
    }

    private static void unseenAwait(CountDownLatch l) {
        Unseen.await(l);
    }

    private static void unseenDone(CountDownLatch l) {
        Unseen.countDown(l);
    }

    // ================================================================ chan_test.go

    /** Go's TestNoRaceChanSync in chan_test.go: a send happens before its receive completes. */
    static void noRaceChanSync() {
        V v = new V();
        Chan<Integer> c = Chan.make();
        go(() -> {
            v.x = 1;
            c.send(0);
        });
        c.recv();
        v.x = 2;
    }

    /** Go's TestNoRaceChanSyncRev in chan_test.go: on an unbuffered channel the receive happens before the send completes. */
    static void noRaceChanSyncRev() {
        V v = new V();
        Chan<Integer> c = Chan.make();
        go(() -> {
            c.send(0);
            v.x = 2;
        });
        v.x = 1;
        c.recv();
    }

    /** Go's TestNoRaceChanAsync in chan_test.go: a buffered send happens before its receive completes. */
    static void noRaceChanAsync() {
        V v = new V();
        Chan<Integer> c = Chan.make(10);
        go(() -> {
            v.x = 1;
            c.send(0);
        });
        c.recv();
        v.x = 2;
    }

    /** Go's TestRaceChanAsyncRev in chan_test.go: a buffered receive does not happen before the send completes. */
    static void raceChanAsyncRev() {
        V v = new V();
        Chan<Integer> c = Chan.make(10);
        go(() -> {
            c.send(0);
            v.x = 1;
        });
        v.x = 2;
        c.recv();
    }

    private static void recvPlain(Chan<Integer> c) {
        c.recv();
    }

    private static void recvOk(Chan<Integer> c) {
        c.recvOk();
    }

    private static void recvRange(Chan<Integer> c) {
        for (Integer ignored : c) {
            throw new AssertionError("nobody sends");
        }
    }

    /**
     * Go's TestNoRace{Async,Sync}CloseRecv{,2,3} in chan_test.go: a close happens before a
     * receive (plain, with ok, or a range loop's end) that returns because of it.
     */
    static void noRaceChanCloseRecv(int cap, Consumer<Chan<Integer>> recv) {
        V v = new V();
        Chan<Integer> c = Chan.make(cap);
        go(() -> {
            v.x = 1;
            c.close();
        });
        try {
            recv.accept(c);
        } finally {
            v.x = 2; // Go's deferred write after recover
        }
    }

    /**
     * Go's TestRaceChanSyncCloseSend in chan_test.go: a send that panics on a closed channel
     * acquires nothing from the close, and the send itself races with the close.
     */
    static void raceChanSyncCloseSend() {
        V v = new V();
        Chan<Integer> c = Chan.make();
        go(() -> {
            v.x = 1;
            c.close();
        });
        try {
            c.send(0);
        } catch (ChanPanic e) {
            // Go's recover
        }
        v.x = 2;
    }

    /** Go's TestRaceChanAsyncCloseSend in chan_test.go: as TestRaceChanSyncCloseSend, sending until the panic. */
    static void raceChanAsyncCloseSend() {
        V v = new V();
        Chan<Integer> c = Chan.make(10);
        go(() -> {
            v.x = 1;
            c.close();
        });
        try {
            for (;;) {
                c.send(0);
            }
        } catch (ChanPanic e) {
            // Go's recover
        }
        v.x = 2;
    }

    /** Go's TestRaceChanCloseClose in chan_test.go: a close that panics acquires nothing from the first close. */
    static void raceChanCloseClose() {
        V v = new V();
        Chan<Boolean> compl = Chan.make(2);
        Chan<Integer> c = Chan.make();
        go(() -> {
            try {
                v.v1 = 1;
                c.close();
            } catch (ChanPanic e) {
                v.v2 = 2;
            }
            compl.send(true);
        });
        go(() -> {
            try {
                v.v2 = 1;
                c.close();
            } catch (ChanPanic e) {
                v.v1 = 2;
            }
            compl.send(true);
        });
        compl.recv();
        compl.recv();
    }

    /** Go's TestRaceChanSendLen in chan_test.go: len(c) seeing a send is no happens-before edge. */
    static void raceChanSendLen() {
        V v = new V();
        Chan<Integer> c = Chan.make(10);
        go(() -> {
            v.x = 1;
            c.send(1);
        });
        while (c.len() == 0) {
            Go.gosched();
        }
        v.x = 2;
    }

    /** Go's TestRaceChanRecvLen in chan_test.go: len(c) seeing a receive is no happens-before edge. */
    static void raceChanRecvLen() {
        V v = new V();
        Chan<Integer> c = Chan.make(10);
        c.send(1);
        go(() -> {
            v.x = 1;
            c.recv();
        });
        while (c.len() != 0) {
            Go.gosched();
        }
        v.x = 2;
    }

    /** Go's TestRaceChanSendSend in chan_test.go: a failed non-blocking send acquires nothing from the send that filled the buffer. */
    static void raceChanSendSend() {
        V v = new V();
        Chan<Boolean> compl = Chan.make(2);
        Chan<Integer> c = Chan.make(1);
        go(() -> {
            v.v1 = 1;
            new Select().send(c, 1, () -> {}).otherwise(() -> v.v2 = 2).run();
            compl.send(true);
        });
        go(() -> {
            v.v2 = 1;
            new Select().send(c, 1, () -> {}).otherwise(() -> v.v1 = 2).run();
            compl.send(true);
        });
        compl.recv();
        compl.recv();
    }

    /** Go's TestNoRaceChanPtr in chan_test.go: what is sent belongs to the receiver. */
    static void noRaceChanPtr() {
        Chan<V> c = Chan.make();
        go(() -> {
            V m = new V();
            m.x = 1;
            c.send(m);
        });
        V m = c.recv();
        m.x = 2;
    }

    /** Go's TestRaceChanWrongSend in chan_test.go: receiving one sender's value orders nothing of the other's. */
    static void raceChanWrongSend() {
        V v = new V();
        Chan<Integer> c = Chan.make(2);
        go(() -> {
            v.v1 = 1;
            c.send(1);
        });
        go(() -> {
            v.v2 = 2;
            c.send(2);
        });
        if (c.recv() == 1) {
            v.v2 = 3;
        } else {
            v.v1 = 3;
        }
    }

    /**
     * Go's TestRaceChanWrongClose in chan_test.go: a receive that gets a value sent before the
     * close does not acquire the close. Go's sleeps (send, then close, then receive) are Unseen.
     */
    static void raceChanWrongClose() {
        V v = new V();
        Chan<Integer> c = Chan.make(1);
        CountDownLatch sent = new CountDownLatch(1), closed = new CountDownLatch(1);
        go(() -> {
            v.v1 = 1;
            c.send(1);
            unseenDone(sent);
        });
        go(() -> {
            unseenAwait(sent);
            v.v2 = 2;
            c.close();
            unseenDone(closed);
        });
        unseenAwait(closed);
        if (c.recvOk().ok()) {
            v.v2 = 2;
        } else {
            v.v1 = 2;
        }
    }

    /** Go's TestRaceChanSendClose in chan_test.go: a send races with a close of its channel. */
    static void raceChanSendClose() {
        Chan<Boolean> compl = Chan.make(2);
        Chan<Integer> c = Chan.make(1);
        CountDownLatch sent = new CountDownLatch(1);
        go(() -> {
            try {
                c.send(1);
            } catch (ChanPanic e) {
                // Go's recover
            } finally {
                unseenDone(sent);
            }
            compl.send(true);
        });
        go(() -> {
            unseenAwait(sent); // Go's 10 ms sleep
            c.close();
            compl.send(true);
        });
        compl.recv();
        compl.recv();
    }

    /** Go's TestRaceChanSendSelectClose in chan_test.go: a select's send races with a close of its channel. */
    static void raceChanSendSelectClose() {
        Chan<Boolean> compl = Chan.make(2);
        Chan<Integer> c = Chan.make(1);
        Chan<Integer> c1 = Chan.make();
        CountDownLatch closed = new CountDownLatch(1);
        go(() -> {
            try {
                unseenAwait(closed); // Go's 10 ms sleep
                new Select().send(c, 1, () -> {}).recv(c1, x -> {}).run();
            } catch (ChanPanic e) {
                // Go's recover
            }
            compl.send(true);
        });
        go(() -> {
            c.close();
            unseenDone(closed);
            compl.send(true);
        });
        compl.recv();
        compl.recv();
    }

    /** Go's TestRaceSelectReadWriteAsync in chan_test.go: a select's send reads x, racing with another select's receive into x. */
    static void raceSelectReadWriteAsync() {
        V v = new V();
        Chan<Boolean> done = Chan.make();
        Chan<Integer> c1 = Chan.make(10), c2 = Chan.make(10), c3 = Chan.make();
        c2.send(1);
        go(() -> {
            new Select().send(c1, v.x, () -> {}).send(c3, 1, () -> {}).run(); // read of x races with...
            done.send(true);
        });
        new Select().recv(c2, x -> v.x = x).send(c3, 1, () -> {}).run(); // ... the write of x here
        done.recv();
    }

    /** Go's TestRaceSelectReadWriteSync in chan_test.go: as the Async one, on unbuffered channels. */
    static void raceSelectReadWriteSync() {
        V v = new V();
        Chan<Boolean> done = Chan.make();
        Chan<Integer> c1 = Chan.make(), c2 = Chan.make(), c3 = Chan.make();
        go(c1::recv); // make c1 and c2 ready for communication
        go(() -> c2.send(1));
        go(() -> {
            new Select().send(c1, v.x, () -> {}).send(c3, 1, () -> {}).run();
            done.send(true);
        });
        new Select().recv(c2, x -> v.x = x).send(c3, 1, () -> {}).run();
        done.recv();
    }

    /** Go's TestNoRaceSelectReadWriteAsync in chan_test.go: the select's send of x happens before the receive into x completes. */
    static void noRaceSelectReadWriteAsync() {
        V v = new V();
        Chan<Boolean> done = Chan.make();
        Chan<Integer> c1 = Chan.make(), c2 = Chan.make();
        go(() -> {
            new Select().send(c1, v.x, () -> {}).send(c2, 1, () -> {}).run();
            done.send(true);
        });
        new Select().recv(c1, x -> v.x = x).send(c2, 1, () -> {}).run();
        done.recv();
    }

    /** Go's TestRaceChanReadWriteAsync in chan_test.go. */
    static void raceChanReadWriteAsync() {
        V v = new V();
        Chan<Boolean> done = Chan.make();
        Chan<Integer> c1 = Chan.make(10), c2 = Chan.make(10);
        c2.send(10);
        go(() -> {
            c1.send(v.x); // read of x races with...
            done.send(true);
        });
        v.x = c2.recv(); // ... the write of x here
        done.recv();
    }

    /** Go's TestRaceChanReadWriteSync in chan_test.go. */
    static void raceChanReadWriteSync() {
        V v = new V();
        Chan<Boolean> done = Chan.make();
        Chan<Integer> c1 = Chan.make(), c2 = Chan.make();
        go(c1::recv);
        go(() -> c2.send(10));
        go(() -> {
            c1.send(v.x);
            done.send(true);
        });
        v.x = c2.recv();
        done.recv();
    }

    /** Go's TestNoRaceChanReadWriteAsync in chan_test.go: the send's read of x happens before the receive into x. */
    static void noRaceChanReadWriteAsync() {
        V v = new V();
        Chan<Boolean> done = Chan.make();
        Chan<Integer> c1 = Chan.make(10);
        go(() -> {
            c1.send(v.x);
            done.send(true);
        });
        v.x = c1.recv();
        done.recv();
    }

    record Task(Runnable f, Chan<Boolean> done) {}

    /** Go's TestNoRaceProducerConsumerUnbuffered in chan_test.go: a task handed to a worker and its done channel. */
    static void noRaceProducerConsumerUnbuffered() {
        V v = new V();
        Chan<Task> queue = Chan.make();
        go(() -> {
            Task t = queue.recv();
            t.f().run();
            t.done().send(true);
        });
        Chan<Boolean> done = Chan.make(1);
        queue.send(new Task(() -> v.x = 1, done));
        done.recv();
        if (v.x != 1) {
            throw new AssertionError(v.x);
        }
    }

    /** Go's TestRaceChanItselfSend in chan_test.go: the variable holding a channel, read to send, races with its write. */
    static void raceChanItselfSend() {
        V v = new V();
        Chan<Boolean> compl = Chan.make(1);
        v.c = Chan.make(10);
        go(() -> {
            v.c.send(0);
            compl.send(true);
        });
        v.c = Chan.make(20);
        compl.recv();
    }

    /** Go's TestRaceChanItselfRecv in chan_test.go. */
    static void raceChanItselfRecv() {
        V v = new V();
        Chan<Boolean> compl = Chan.make(1);
        v.c = Chan.make(10);
        v.c.send(1);
        CountDownLatch received = new CountDownLatch(1);
        go(() -> {
            v.c.recv();
            unseenDone(received);
            compl.send(true);
        });
        unseenAwait(received); // Go's sleep
        v.c = Chan.make(20);
        compl.recv();
    }

    /** Go's TestRaceChanItselfNil in chan_test.go. */
    static void raceChanItselfNil() {
        V v = new V();
        v.c = Chan.make(10);
        CountDownLatch sent = new CountDownLatch(1);
        go(() -> {
            v.c.send(0);
            unseenDone(sent);
        });
        unseenAwait(sent); // Go's sleep
        v.c = null;
    }

    /** Go's TestRaceChanItselfClose in chan_test.go. */
    static void raceChanItselfClose() {
        V v = new V();
        Chan<Boolean> compl = Chan.make(1);
        v.c = Chan.make();
        go(() -> {
            v.c.close();
            compl.send(true);
        });
        v.c = Chan.make();
        compl.recv();
    }

    /** Go's TestRaceChanItselfLen in chan_test.go. */
    static void raceChanItselfLen() {
        V v = new V();
        Chan<Boolean> compl = Chan.make(1);
        v.c = Chan.make();
        go(() -> {
            v.c.len();
            compl.send(true);
        });
        v.c = Chan.make();
        compl.recv();
    }

    /** Go's TestRaceChanItselfCap in chan_test.go. */
    static void raceChanItselfCap() {
        V v = new V();
        Chan<Boolean> compl = Chan.make(1);
        v.c = Chan.make();
        go(() -> {
            v.c.cap();
            compl.send(true);
        });
        v.c = Chan.make();
        compl.recv();
    }

    /** Go's TestRaceChanCloseLen in chan_test.go: len(c) after a close acquires nothing from it. */
    static void raceChanCloseLen() {
        V v = new V();
        Chan<Integer> c = Chan.make(10);
        c.send(0);
        CountDownLatch closed = new CountDownLatch(1);
        go(() -> {
            v.x = 1;
            c.close();
            unseenDone(closed);
        });
        unseenAwait(closed); // Go's sleep
        c.len();
        v.x = 2;
    }

    /** Go's TestRaceChanCloseSend in chan_test.go: a close races with a send on its channel. */
    static void raceChanCloseSend() {
        Chan<Boolean> compl = Chan.make(1);
        Chan<Integer> c = Chan.make(10);
        go(() -> {
            c.close();
            compl.send(true);
        });
        try {
            c.send(0);
        } catch (ChanPanic e) {
            // Go's test has no recover: there the send comes first
        }
        compl.recv();
    }

    /** Go's TestNoRaceChanMutex in chan_test.go: a channel of capacity 1 as a mutex. */
    static void noRaceChanMutex() {
        V v = new V();
        Chan<Boolean> done = Chan.make();
        Chan<Boolean> mtx = Chan.make(1);
        go(() -> {
            mtx.send(true);
            v.x = 42;
            mtx.recv();
            done.send(true);
        });
        mtx.send(true);
        v.x = 43;
        mtx.recv();
        done.recv();
    }

    /** Go's TestNoRaceSelectMutex in chan_test.go: the same through selects. */
    static void noRaceSelectMutex() {
        V v = new V();
        Chan<Boolean> done = Chan.make();
        Chan<Boolean> mtx = Chan.make(1);
        Chan<Boolean> aux = Chan.make();
        go(() -> {
            new Select().send(mtx, true, () -> {}).recv(aux, b -> {}).run();
            v.x = 42;
            new Select().recv(mtx, b -> {}).recv(aux, b -> {}).run();
            done.send(true);
        });
        new Select().send(mtx, true, () -> {}).recv(aux, b -> {}).run();
        v.x = 43;
        new Select().recv(mtx, b -> {}).recv(aux, b -> {}).run();
        done.recv();
    }

    /** Go's TestRaceChanSem in chan_test.go: a channel of capacity 2 lets both in. */
    static void raceChanSem() {
        V v = new V();
        Chan<Boolean> done = Chan.make();
        Chan<Boolean> mtx = Chan.make(2);
        go(() -> {
            mtx.send(true);
            v.x = 42;
            mtx.recv();
            done.send(true);
        });
        mtx.send(true);
        v.x = 43;
        mtx.recv();
        done.recv();
    }

    /**
     * Go's TestNoRaceChanWaitGroup in chan_test.go: a channel of capacity N/2 as a WaitGroup:
     * the k-th receive happens before the (k+C)-th send completes, so after C more sends every
     * worker's write is visible.
     */
    static void noRaceChanWaitGroup() {
        final int n = 10;
        Chan<Boolean> chanWg = Chan.make(n / 2);
        int[] data = new int[n];
        for (int i = 0; i < n; i++) {
            chanWg.send(true);
            int k = i;
            go(() -> {
                data[k] = 42;
                chanWg.recv();
            });
        }
        for (int i = 0; i < chanWg.cap(); i++) {
            chanWg.send(true);
        }
        for (int i = 0; i < n; i++) {
            if (data[i] != 42) {
                throw new AssertionError(i);
            }
        }
    }

    /**
     * Go's TestNoRaceBlockedSendSync and TestNoRaceBlockedSelectSendSync in chan_test.go: a
     * sender that blocked on a full buffer still happens before the receive of its value (the
     * receive that freed its slot put the value into the buffer). Go.gosched stands for Go's
     * optional sleep: it lets the sender block first.
     */
    static void noRaceBlockedSendSync(boolean select) {
        Chan<V> c = Chan.make(1);
        c.send(null);
        go(() -> {
            V i = new V();
            i.x = 42;
            c.send(i);
        });
        Go.gosched();
        c.recv();
        V[] p = new V[1];
        if (select) {
            new Select().recv(c, x -> p[0] = x).recv(Chan.<V>make(), x -> {}).run();
        } else {
            p[0] = c.recv();
        }
        if (p[0].x != 42) {
            throw new AssertionError(p[0].x);
        }
    }

    // ================================================================ select_test.go

    /** Go's TestNoRaceSelect1 in select_test.go: a select's send happens before the select's receive completes. */
    static void noRaceSelect1() {
        V v = new V();
        Chan<Boolean> compl = Chan.make(), c = Chan.make(), c1 = Chan.make();
        go(() -> {
            v.x = 1;
            new Select().send(c, true, () -> {}).send(c1, true, () -> {}).run();
            compl.send(true);
        });
        new Select().recv(c, b -> {}).send(c1, true, () -> {}).run();
        v.x = 2;
        compl.recv();
    }

    /** Go's TestNoRaceSelect2 in select_test.go: a close happens before the select that receives it. */
    static void noRaceSelect2() {
        V v = new V();
        Chan<Boolean> compl = Chan.make(), c = Chan.make(), c1 = Chan.make();
        go(() -> {
            new Select().recv(c, b -> {}).recv(c1, b -> {}).run();
            v.x = 1;
            compl.send(true);
        });
        v.x = 2;
        c.close();
        Go.gosched();
        compl.recv();
    }

    /** Go's TestNoRaceSelect3 in select_test.go: a select's buffered send happens before its receive. */
    static void noRaceSelect3() {
        V v = new V();
        Chan<Boolean> compl = Chan.make(), c = Chan.make(10), c1 = Chan.make();
        go(() -> {
            v.x = 1;
            new Select().send(c, true, () -> {}).recv(c1, b -> {}).run();
            compl.send(true);
        });
        c.recv();
        v.x = 2;
        compl.recv();
    }

    /** Go's TestNoRaceSelect4 in select_test.go: TestNoRaceProducerConsumerUnbuffered through selects (one task served). */
    static void noRaceSelect4() {
        V v = new V();
        Chan<Task> queue = Chan.make();
        Chan<Boolean> dummy = Chan.make();
        go(() -> {
            Task[] t = new Task[1];
            new Select().recv(queue, x -> t[0] = x).run();
            t[0].f().run();
            t[0].done().send(true);
        });
        Chan<Boolean> done = Chan.make(1);
        new Select().send(queue, new Task(() -> v.x = 1, done), () -> {}).recv(dummy, b -> {}).run();
        new Select().recv(done, b -> {}).recv(dummy, b -> {}).run();
        if (v.x != 1) {
            throw new AssertionError(v.x);
        }
    }

    /** Go's TestNoRaceSelect5 in select_test.go: a send and its receive, by select or not, with or without a yield first. */
    static void noRaceSelect5() {
        for (boolean sel : new boolean[] {true, false}) {
            for (boolean needSched : new boolean[] {true, false}) {
                V v = new V();
                Chan<Boolean> ch = Chan.make(), c1 = Chan.make();
                Chan<Boolean> done = Chan.make(2);
                go(() -> {
                    if (needSched) {
                        Go.gosched();
                    }
                    v.x = 1;
                    if (sel) {
                        new Select().send(ch, true, () -> {}).recv(c1, b -> {}).run();
                    } else {
                        ch.send(true);
                    }
                    done.send(true);
                });
                go(() -> {
                    if (sel) {
                        new Select().recv(ch, b -> {}).recv(c1, b -> {}).run();
                    } else {
                        ch.recv();
                    }
                    v.x = 1;
                    done.send(true);
                });
                done.recv();
                done.recv();
            }
        }
    }

    /** Go's TestRaceSelect1 in select_test.go: two senders served by one receiver are not ordered with each other. */
    static void raceSelect1() {
        V v = new V();
        Chan<Boolean> compl = Chan.make(2), c = Chan.make(), c1 = Chan.make();
        go(() -> {
            c.recv();
            c.recv();
        });
        Runnable f = () -> {
            new Select().send(c, true, () -> {}).send(c1, true, () -> {}).run();
            v.x = 1;
            compl.send(true);
        };
        go(f);
        go(f);
        compl.recv();
        compl.recv();
    }

    /** Go's TestRaceSelect2 in select_test.go: a close orders nothing the receiver did before it received. */
    static void raceSelect2() {
        V v = new V();
        Chan<Boolean> compl = Chan.make(), c = Chan.make(), c1 = Chan.make();
        go(() -> {
            v.x = 1;
            new Select().recv(c, b -> {}).recv(c1, b -> {}).run();
            compl.send(true);
        });
        c.close();
        v.x = 2;
        compl.recv();
    }

    /** Go's TestRaceSelect3 in select_test.go: the receiver's write before its receive races with the sender's. */
    static void raceSelect3() {
        V v = new V();
        Chan<Boolean> compl = Chan.make(), c = Chan.make(), c1 = Chan.make();
        go(() -> {
            v.x = 1;
            new Select().send(c, true, () -> {}).send(c1, true, () -> {}).run();
            compl.send(true);
        });
        v.x = 2;
        c.recv(); // Go's one-case select
        compl.recv();
    }

    /** Go's TestRaceSelect4 in select_test.go: a select's default orders nothing. */
    static void raceSelect4() {
        V v = new V();
        Chan<Boolean> done = Chan.make(1);
        go(() -> {
            new Select().otherwise(() -> v.x = 2).run();
            done.send(true);
        });
        int unused = v.x;
        done.recv();
    }

    /** Go's TestRaceSelect5 in select_test.go: whichever case runs, its write races with the reads. */
    static void raceSelect5() {
        V v = new V();
        Chan<Boolean> done = Chan.make(1), c1 = Chan.make(1), c2 = Chan.make();
        go(() -> {
            new Select().send(c1, true, () -> v.x = 1).send(c2, true, () -> v.y = 1).run();
            done.send(true);
        });
        int unused = v.x + v.y;
        done.recv();
    }

    // ================================================================ sync_test.go

    /** Go's TestNoRaceCond in sync_test.go: Signal, under the lock, happens before the Wait it wakes returns. */
    static void noRaceCond() {
        V v = new V();
        Mutex mu = new Mutex();
        Cond cond = new Cond(mu);
        go(() -> {
            v.x = 1;
            mu.lock();
            v.condition = 1;
            cond.signal();
            mu.unlock();
        });
        mu.lock();
        while (v.condition != 1) {
            cond.await();
        }
        mu.unlock();
        v.x = 2;
    }

    /**
     * Go's TestRaceCond in sync_test.go: the waiter's write after its Unlock races with the
     * signaller's later write under the lock. Go's sleeps (let main enter Wait; let it leave) are
     * Unseen.
     */
    static void raceCond() {
        V v = new V();
        Chan<Boolean> done = Chan.make();
        Mutex mu = new Mutex();
        Cond cond = new Cond(mu);
        CountDownLatch left = new CountDownLatch(1);
        go(() -> {
            Go.gosched(); // Go's sleep: main enters the Wait loop (or not: the verdict is the same)
            v.x = 1;
            mu.lock();
            v.condition = 1;
            cond.signal();
            mu.unlock();
            unseenAwait(left); // Go's sleep: main leaves the Wait loop
            mu.lock();
            v.x = 3;
            mu.unlock();
            done.send(true);
        });
        mu.lock();
        while (v.condition != 1) {
            cond.await();
        }
        mu.unlock();
        unseenDone(left);
        v.x = 2;
        done.recv();
    }

    /** Go's TestRaceAnnounceThreads in sync_test.go: goroutines created by goroutines, all writing x. */
    static void raceAnnounceThreads() {
        final int n = 7;
        V v = new V();
        Chan<Boolean> allDone = Chan.make(n);
        Runnable g = () -> {
            for (int i = 0; i < 2; i++) {
                go(() -> {
                    v.x = 1;
                    allDone.send(true);
                });
                allDone.send(true);
            }
        };
        Runnable f = () -> {
            v.x = 1;
            go(g);
            go(() -> {
                v.x = 1;
                allDone.send(true);
            });
            v.x = 2;
            allDone.send(true);
        };
        Runnable h = () -> {
            v.x = 1;
            v.x = 2;
            go(f);
            allDone.send(true);
        };
        go(h);
        for (int i = 0; i < n; i++) {
            allDone.recv();
        }
    }

    /** Go's TestNoRaceAfterFunc1 in sync_test.go: AfterFunc's caller happens before its f; each f schedules the next. */
    static void noRaceAfterFunc1() {
        V v = new V();
        v.x = 2;
        Chan<Boolean> c = Chan.make();
        Runnable[] f = new Runnable[1];
        f[0] = () -> {
            v.x--;
            if (v.x >= 0) {
                Time.afterFunc(Duration.ZERO, f[0]);
            } else {
                c.send(true);
            }
        };
        Time.afterFunc(Duration.ZERO, f[0]);
        c.recv();
    }

    /** Go's TestNoRaceAfterFunc2 in sync_test.go: only the timer's f writes x (if it runs before Stop). */
    static void noRaceAfterFunc2() {
        V v = new V();
        Timer timer = Time.afterFunc(Duration.ofNanos(10), () -> v.x = 1);
        timer.stop();
    }

    /** Go's TestNoRaceAfterFunc3 in sync_test.go. */
    static void noRaceAfterFunc3() {
        V v = new V();
        Chan<Boolean> c = Chan.make(1);
        Time.afterFunc(Duration.ofMillis(10), () -> {
            v.x = 1;
            c.send(true);
        });
        c.recv();
    }

    /** Go's TestRaceAfterFunc3 in sync_test.go: two timers' functions are not ordered with each other. */
    static void raceAfterFunc3() {
        V v = new V();
        Chan<Boolean> c = Chan.make(2);
        Time.afterFunc(Duration.ofMillis(1), () -> {
            v.x = 1;
            c.send(true);
        });
        Time.afterFunc(Duration.ofMillis(2), () -> {
            v.x = 2;
            c.send(true);
        });
        c.recv();
        c.recv();
    }

    /** Go's TestRaceGoroutineCreationStack in sync_test.go: a race with a goroutine four go statements down. */
    static void raceGoroutineCreationStack() {
        V v = new V();
        Chan<Boolean> ch = Chan.make(1);
        Runnable f1 = () -> {
            v.x = 1;
            ch.send(true);
        };
        Runnable f2 = () -> go(f1);
        Runnable f3 = () -> go(f2);
        Runnable f4 = () -> go(f3);
        go(f4);
        v.x = 2;
        ch.recv();
    }

    // ================================================================ mutex_test.go

    /** Go's TestNoRaceMutex in mutex_test.go. */
    static void noRaceMutex() {
        V v = new V();
        Mutex mu = new Mutex();
        Chan<Boolean> ch = Chan.make(2);
        go(() -> {
            mu.lock();
            try {
                v.x = 1;
                ch.send(true);
            } finally {
                mu.unlock();
            }
        });
        go(() -> {
            mu.lock();
            v.x = 2;
            mu.unlock();
            ch.send(true);
        });
        ch.recv();
        ch.recv();
    }

    /** Go's TestRaceMutex in mutex_test.go: the writes come before the locks. */
    static void raceMutex() {
        V v = new V();
        Mutex mu = new Mutex();
        Chan<Boolean> ch = Chan.make(2);
        go(() -> {
            v.x = 1;
            mu.lock();
            try {
                ch.send(true);
            } finally {
                mu.unlock();
            }
        });
        go(() -> {
            v.x = 2;
            mu.lock();
            mu.unlock();
            ch.send(true);
        });
        ch.recv();
        ch.recv();
    }

    /** Go's TestRaceMutex2 in mutex_test.go: two mutexes order nothing. */
    static void raceMutex2() {
        V v = new V();
        Mutex mu1 = new Mutex(), mu2 = new Mutex();
        Chan<Boolean> ch = Chan.make(2);
        go(() -> {
            mu1.lock();
            try {
                v.x = 1;
                ch.send(true);
            } finally {
                mu1.unlock();
            }
        });
        go(() -> {
            mu2.lock();
            v.x = 2;
            mu2.unlock();
            ch.send(true);
        });
        ch.recv();
        ch.recv();
    }

    /**
     * Go's TestNoRaceMutexPureHappensBefore in mutex_test.go: an empty critical section still
     * orders. Go's time.After (the second goroutine locks after the first unlocked) is Unseen.
     */
    static void noRaceMutexPureHappensBefore() {
        V v = new V();
        Mutex mu = new Mutex();
        Chan<Boolean> ch = Chan.make(2);
        CountDownLatch unlocked = new CountDownLatch(1);
        go(() -> {
            v.x = 1;
            mu.lock();
            mu.unlock();
            unseenDone(unlocked);
            ch.send(true);
        });
        go(() -> {
            unseenAwait(unlocked);
            mu.lock();
            mu.unlock();
            v.x = 1;
            ch.send(true);
        });
        ch.recv();
        ch.recv();
    }

    /** Go's TestNoRaceMutexSemaphore in mutex_test.go: an Unlock by another goroutine than the locker's. */
    static void noRaceMutexSemaphore() {
        V v = new V();
        Mutex mu = new Mutex();
        Chan<Boolean> ch = Chan.make(2);
        mu.lock();
        go(() -> {
            v.x = 1;
            mu.unlock();
            ch.send(true);
        });
        go(() -> {
            mu.lock();
            v.x = 2;
            mu.unlock();
            ch.send(true);
        });
        ch.recv();
        ch.recv();
    }

    /** Go's TestNoRaceMutexExampleFromHtml in mutex_test.go (the memory model's example). */
    static void noRaceMutexExampleFromHtml() {
        V v = new V();
        Mutex l = new Mutex();
        l.lock();
        go(() -> {
            v.x = 1;
            l.unlock();
        });
        l.lock();
        int unused = v.x;
    }

    /** Go's TestRaceMutexOverwrite in mutex_test.go: overwriting a mutex races with locking it. */
    static void raceMutexOverwrite() {
        V v = new V();
        v.mu = new Mutex();
        Chan<Boolean> c = Chan.make(1);
        go(() -> {
            v.mu = new Mutex();
            c.send(true);
        });
        v.mu.lock();
        c.recv();
    }

    // ================================================================ rwmutex_test.go

    /** Go's TestRaceMutexRWMutex in rwmutex_test.go: a Mutex and an RWMutex order nothing between them. */
    static void raceMutexRWMutex() {
        V v = new V();
        Mutex mu1 = new Mutex();
        RWMutex mu2 = new RWMutex();
        Chan<Boolean> ch = Chan.make(2);
        go(() -> {
            mu1.lock();
            try {
                v.x = 1;
                ch.send(true);
            } finally {
                mu1.unlock();
            }
        });
        go(() -> {
            mu2.lock();
            v.x = 2;
            mu2.unlock();
            ch.send(true);
        });
        ch.recv();
        ch.recv();
    }

    /** Go's TestNoRaceRWMutex in rwmutex_test.go: a write under Lock and a read under RLock. */
    static void noRaceRWMutex() {
        V v = new V();
        RWMutex mu = new RWMutex();
        v.y = 1;
        Chan<Boolean> ch = Chan.make(2);
        go(() -> {
            mu.lock();
            try {
                v.x = 2;
                ch.send(true);
            } finally {
                mu.unlock();
            }
        });
        go(() -> {
            mu.rLock();
            v.y = v.x;
            mu.rUnlock();
            ch.send(true);
        });
        ch.recv();
        ch.recv();
    }

    /** Go's TestRaceRWMutexMultipleReaders in rwmutex_test.go: readers writing y under RLock race with each other. */
    static void raceRWMutexMultipleReaders() {
        V v = new V();
        RWMutex mu = new RWMutex();
        v.y = 1;
        Chan<Boolean> ch = Chan.make(4);
        go(() -> {
            mu.lock();
            try {
                v.x = 2;
                ch.send(true);
            } finally {
                mu.unlock();
            }
        });
        for (int k = 1; k <= 3; k++) {
            int add = k;
            go(() -> {
                mu.rLock();
                v.y = v.x + add;
                mu.rUnlock();
                ch.send(true);
            });
        }
        for (int k = 0; k < 4; k++) {
            ch.recv();
        }
        int unused = v.y;
    }

    /** Go's TestNoRaceRWMutexMultipleReaders in rwmutex_test.go: readers only read under RLock. */
    static void noRaceRWMutexMultipleReaders() {
        V v = new V();
        RWMutex mu = new RWMutex();
        Chan<Boolean> ch = Chan.make(4);
        go(() -> {
            mu.lock();
            try {
                v.x = 2;
                ch.send(true);
            } finally {
                mu.unlock();
            }
        });
        for (int k = 1; k <= 3; k++) {
            int add = k;
            go(() -> {
                mu.rLock();
                int y = v.x + add;
                mu.rUnlock();
                ch.send(true);
            });
        }
        for (int k = 0; k < 4; k++) {
            ch.recv();
        }
    }

    /**
     * Go's TestNoRaceRWMutexTransitive in rwmutex_test.go: Lock happens after every earlier
     * RUnlock, not only the last. Go's sleeps (both readers before the writer) are Unseen.
     */
    static void noRaceRWMutexTransitive() {
        V v = new V();
        RWMutex mu = new RWMutex();
        Chan<Boolean> ch = Chan.make(2);
        CountDownLatch read = new CountDownLatch(2);
        go(() -> {
            mu.rLock();
            int unused = v.x;
            mu.rUnlock();
            unseenDone(read);
            ch.send(true);
        });
        go(() -> {
            mu.rLock();
            int unused = v.x;
            mu.rUnlock();
            unseenDone(read);
            ch.send(true);
        });
        unseenAwait(read);
        mu.lock();
        v.x = 42;
        mu.unlock();
        ch.recv();
        ch.recv();
    }

    // ================================================================ waitgroup_test.go

    /** Go's TestNoRaceWaitGroup (n = 1) and TestRaceWaitGroup (n = 2) in waitgroup_test.go. */
    static void raceWaitGroupN(int n) {
        V v = new V();
        WaitGroup wg = new WaitGroup();
        for (int i = 0; i < n; i++) {
            wg.add(1);
            int j = i;
            go(() -> {
                v.x = j;
                wg.done();
            });
        }
        wg.await();
    }

    /** Go's TestNoRaceWaitGroup2 in waitgroup_test.go: Done happens before Wait returns. */
    static void noRaceWaitGroup2() {
        V v = new V();
        WaitGroup wg = new WaitGroup();
        wg.add(1);
        go(() -> {
            v.x = 1;
            wg.done();
        });
        wg.await();
        v.x = 2;
    }

    /**
     * Go's TestRaceWaitGroupAsMutex in waitgroup_test.go: Add(+1) acquires nothing, so Add/Add(-1)
     * is no critical section. Go's sleeps (both Waits before either Add) are Unseen.
     */
    static void raceWaitGroupAsMutex() {
        V v = new V();
        WaitGroup wg = new WaitGroup();
        Chan<Boolean> c = Chan.make(2);
        CountDownLatch waited = new CountDownLatch(2);
        for (int k = 1; k <= 2; k++) {
            int val = k;
            go(() -> {
                wg.await();
                unseenDone(waited);
                unseenAwait(waited);
                wg.add(1);
                v.x = val;
                wg.add(-1);
                c.send(true);
            });
        }
        c.recv();
        c.recv();
    }

    /**
     * Go's TestRaceWaitGroupWrongWait in waitgroup_test.go: Add too late; the two goroutines race.
     * Go's goroutines start after its Wait returned (usually: else the reuse panics, in Go too);
     * here they always do (Unseen).
     */
    static void raceWaitGroupWrongWait() {
        V v = new V();
        Chan<Boolean> c = Chan.make(2);
        WaitGroup wg = new WaitGroup();
        CountDownLatch waited = new CountDownLatch(1);
        for (int k = 1; k <= 2; k++) {
            int val = k;
            go(() -> {
                unseenAwait(waited);
                wg.add(1);
                Go.gosched();
                v.x = val;
                wg.done();
                c.send(true);
            });
        }
        wg.await();
        unseenDone(waited);
        c.recv();
        c.recv();
    }

    /** Go's TestNoRaceWaitGroupMultipleWait in waitgroup_test.go: Waits on a zero group. */
    static void noRaceWaitGroupMultipleWait() {
        Chan<Boolean> c = Chan.make(2);
        WaitGroup wg = new WaitGroup();
        go(() -> {
            wg.await();
            c.send(true);
        });
        go(() -> {
            wg.await();
            c.send(true);
        });
        wg.await();
        c.recv();
        c.recv();
    }

    /** Go's TestNoRaceWaitGroupMultipleWait2 in waitgroup_test.go: Done then Wait in each goroutine. */
    static void noRaceWaitGroupMultipleWait2() {
        Chan<Boolean> c = Chan.make(2);
        WaitGroup wg = new WaitGroup();
        wg.add(2);
        go(() -> {
            wg.done();
            wg.await();
            c.send(true);
        });
        go(() -> {
            wg.done();
            wg.await();
            c.send(true);
        });
        wg.await();
        c.recv();
        c.recv();
    }

    /** Go's TestNoRaceWaitGroupMultipleWait3 in waitgroup_test.go: every waiter sees every worker's write. */
    static void noRaceWaitGroupMultipleWait3() {
        final int p = 3;
        int[] data = new int[p];
        Chan<Boolean> done = Chan.make(p);
        WaitGroup wg = new WaitGroup();
        wg.add(p);
        for (int i = 0; i < p; i++) {
            int k = i;
            go(() -> {
                data[k] = 42;
                wg.done();
            });
        }
        for (int i = 0; i < p; i++) {
            go(() -> {
                wg.await();
                for (int j = 0; j < p; j++) {
                    if (data[j] != 42) {
                        throw new AssertionError(j);
                    }
                }
                done.send(true);
            });
        }
        for (int i = 0; i < p; i++) {
            done.recv();
        }
    }

    /** Go's TestRaceWaitGroup2 in waitgroup_test.go: correct use, but the workers race with each other. */
    static void raceWaitGroup2() {
        V v = new V();
        WaitGroup wg = new WaitGroup();
        wg.add(2);
        go(() -> {
            v.x = 1;
            wg.done();
        });
        go(() -> {
            v.x = 2;
            wg.done();
        });
        wg.await();
    }

    /** Go's TestNoRaceWaitGroupPanicRecover in waitgroup_test.go: a panicking Add leaves the goroutine's order alone. */
    static void noRaceWaitGroupPanicRecover() {
        V v = new V();
        WaitGroup wg = new WaitGroup();
        v.x = 1;
        try {
            wg.add(-1);
            throw new AssertionError("no panic");
        } catch (Panic e) {
            if (!e.getMessage().equals("sync: negative WaitGroup counter")) {
                throw new AssertionError("unexpected panic: " + e.getMessage());
            }
            v.x = 2;
        }
    }

    /** Go's TestNoRaceWaitGroupPanicRecover2 in waitgroup_test.go: a goroutine started from the recover. */
    static void noRaceWaitGroupPanicRecover2() {
        V v = new V();
        WaitGroup wg = new WaitGroup();
        Chan<Boolean> ch = Chan.make(1);
        Runnable f = () -> {
            v.x = 2;
            ch.send(true);
        };
        go(() -> {
            try {
                v.x = 1;
                wg.add(-1);
            } catch (Panic e) {
                go(f);
            }
        });
        ch.recv();
    }

    /** Go's TestNoRaceWaitGroupTransitive in waitgroup_test.go: Wait acquires every Done, not only the last. */
    static void noRaceWaitGroupTransitive() {
        V v = new V();
        WaitGroup wg = new WaitGroup();
        wg.add(2);
        CountDownLatch first = new CountDownLatch(1);
        go(() -> {
            v.x = 42;
            wg.done();
            unseenDone(first);
        });
        go(() -> {
            unseenAwait(first); // Go's sleep
            v.y = 42;
            wg.done();
        });
        wg.await();
        int unused = v.x + v.y;
    }

    /** Go's TestNoRaceWaitGroupReuse in waitgroup_test.go. */
    static void noRaceWaitGroupReuse() {
        final int p = 3;
        int[] data = new int[p];
        WaitGroup wg = new WaitGroup();
        for (int t = 0; t < 3; t++) {
            wg.add(p);
            for (int i = 0; i < p; i++) {
                int k = i;
                go(() -> {
                    data[k]++;
                    wg.done();
                });
            }
            wg.await();
            for (int i = 0; i < p; i++) {
                data[i]++;
            }
        }
    }

    /** Go's TestNoRaceWaitGroupReuse2 in waitgroup_test.go: a second waiter each round. */
    static void noRaceWaitGroupReuse2() {
        final int p = 3;
        int[] data = new int[p];
        WaitGroup wg = new WaitGroup();
        for (int t = 0; t < 3; t++) {
            wg.add(p);
            for (int i = 0; i < p; i++) {
                int k = i;
                go(() -> {
                    data[k]++;
                    wg.done();
                });
            }
            Chan<Boolean> done = Chan.make();
            go(() -> {
                wg.await();
                for (int i = 0; i < p; i++) {
                    data[i]++;
                }
                done.send(true);
            });
            wg.await();
            done.recv();
            for (int i = 0; i < p; i++) {
                data[i]++;
            }
        }
    }

    /** Go's TestNoRaceWaitGroupConcurrentAdd in waitgroup_test.go: Adds from several goroutines before the Wait. */
    static void noRaceWaitGroupConcurrentAdd() {
        final int p = 4;
        Chan<Boolean> waiting = Chan.make(p);
        WaitGroup wg = new WaitGroup();
        for (int i = 0; i < p; i++) {
            go(() -> {
                wg.add(1);
                waiting.send(true);
                wg.done();
            });
        }
        for (int i = 0; i < p; i++) {
            waiting.recv();
        }
        wg.await();
    }

    // ================================================================ atomic_test.go (java.util.concurrent.atomic)

    /**
     * Go's TestNoRaceAtomicAddInt64 (want = 2) and TestRaceAtomicAddInt64 (want = 1) in
     * atomic_test.go, also TestNoRaceAtomicAddInt32: the second add sees the first, so it may
     * write the first goroutine's variable; the first may not write the second's.
     */
    static void atomicAdd(int want) {
        V v = new V();
        AtomicLong s = new AtomicLong();
        Chan<Boolean> ch = Chan.make(2);
        go(() -> {
            v.v1 = 1;
            if (s.addAndGet(1) == want) {
                v.v2 = 1;
            }
            ch.send(true);
        });
        go(() -> {
            v.v2 = 1;
            if (s.addAndGet(1) == want) {
                v.v1 = 1;
            }
            ch.send(true);
        });
        ch.recv();
        ch.recv();
    }

    /** Go's TestNoRaceAtomicLoadAddInt32 (and TestNoRaceAtomicLoadInt64) in atomic_test.go. */
    static void noRaceAtomicLoadAdd() {
        V v = new V();
        AtomicInteger s = new AtomicInteger();
        go(() -> {
            v.x = 2;
            s.addAndGet(1);
        });
        while (s.get() != 1) {
            Go.gosched();
        }
        v.x = 1;
    }

    /** Go's TestNoRaceAtomicLoadStoreInt32 (and TestNoRaceAtomicLoadStorePointer) in atomic_test.go. */
    static void noRaceAtomicLoadStore() {
        V v = new V();
        AtomicInteger s = new AtomicInteger();
        go(() -> {
            v.x = 2;
            s.set(1);
        });
        while (s.get() != 1) {
            Go.gosched();
        }
        v.x = 1;
    }

    /** Go's TestNoRaceAtomicStoreCASInt32 (and TestNoRaceAtomicStoreCASUint64) in atomic_test.go. */
    static void noRaceAtomicStoreCAS() {
        V v = new V();
        AtomicInteger s = new AtomicInteger();
        go(() -> {
            v.x = 2;
            s.set(1);
        });
        while (!s.compareAndSet(1, 0)) {
            Go.gosched();
        }
        v.x = 1;
    }

    /** Go's TestNoRaceAtomicCASLoadInt32 in atomic_test.go. */
    static void noRaceAtomicCASLoad() {
        V v = new V();
        AtomicInteger s = new AtomicInteger();
        go(() -> {
            v.x = 2;
            if (!s.compareAndSet(0, 1)) {
                throw new AssertionError();
            }
        });
        while (s.get() != 1) {
            Go.gosched();
        }
        v.x = 1;
    }

    /** Go's TestNoRaceAtomicCASCASInt32 (and TestNoRaceAtomicCASCASUInt64) in atomic_test.go. */
    static void noRaceAtomicCASCAS() {
        V v = new V();
        AtomicInteger s = new AtomicInteger();
        go(() -> {
            v.x = 2;
            if (!s.compareAndSet(0, 1)) {
                throw new AssertionError();
            }
        });
        while (!s.compareAndSet(1, 0)) {
            Go.gosched();
        }
        v.x = 1;
    }

    /** Go's TestNoRaceAtomicCASCASInt32_2 in atomic_test.go: the failed CAS sees the successful one. */
    static void noRaceAtomicCASCAS2() {
        V v = new V();
        AtomicInteger s = new AtomicInteger();
        Chan<Boolean> ch = Chan.make(2);
        go(() -> {
            v.v1 = 1;
            if (!s.compareAndSet(0, 1)) {
                v.v2 = 1;
            }
            ch.send(true);
        });
        go(() -> {
            v.v2 = 1;
            if (!s.compareAndSet(0, 1)) {
                v.v1 = 1;
            }
            ch.send(true);
        });
        ch.recv();
        ch.recv();
    }
}
