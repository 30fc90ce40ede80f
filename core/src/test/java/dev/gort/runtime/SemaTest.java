package dev.gort.runtime;

import dev.gort.Go;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(30)
class SemaTest {

    private static void awaitWaiters(Sema s, int n) {
        while (s.waiters() < n) {
            Thread.onSpinWait();
            Thread.yield();
        }
    }

    @Test
    void acquireTakesCountWithoutParking() {
        Sema s = new Sema(2);
        s.semacquire(false, WaitReason.SEMACQUIRE);
        s.semacquire(false, WaitReason.SEMACQUIRE);
        assertEquals(0, s.count());
        assertFalse(s.cansemacquire());
        s.semrelease(false);
        assertTrue(s.cansemacquire());
    }

    /** Waiters are woken FIFO; a lifo waiter goes to the front. Goroutines park with the given reason. */
    @Test
    void fifoOrderAndLifoRequeue() {
        Sema s = new Sema();
        List<Integer> order = Collections.synchronizedList(new ArrayList<>());
        AtomicReference<G> first = new AtomicReference<>();
        Go.run(() -> {
            for (int i = 0; i < 4; i++) {
                int id = i;
                boolean lifo = i == 3;
                Go.go(() -> {
                    if (id == 0) {
                        first.set(Proc.currentG());
                    }
                    s.semacquire(lifo, WaitReason.SYNC_MUTEX_LOCK);
                    order.add(id);
                });
                awaitWaiters(s, i + 1);
            }
            // a waiter is queued before it parks: its status turns WAITING a moment later
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (first.get().status() != GStatus.WAITING) {
                assertTrue(System.nanoTime() < deadline, "the first waiter never parked: " + first.get().status());
                Thread.yield();
            }
            assertEquals(WaitReason.SYNC_MUTEX_LOCK, first.get().waitReason());
            for (int i = 0; i < 4; i++) {
                s.semrelease(false);
                int want = i + 1;
                while (order.size() < want) {
                    Thread.yield();
                }
            }
        });
        assertEquals(List.of(3, 0, 1, 2), order);
        assertFalse(s.touchedByPlatformThread(), "only goroutines used it");
    }

    /** With handoff the woken waiter owns the count: a barging cansemacquire cannot take it. */
    @Test
    void handoffGivesCountToWaiter() {
        Sema s = new Sema();
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        Go.run(() -> {
            Go.go(() -> {
                s.semacquire(false, WaitReason.SEMACQUIRE);
                log.add("waiter");
            });
            awaitWaiters(s, 1);
            s.semrelease(true);
            log.add(s.cansemacquire() ? "barged" : "no-barge");
            while (log.size() < 2) {
                Thread.yield();
            }
        });
        assertTrue(log.contains("waiter"));
        assertTrue(log.contains("no-barge"), log.toString());
        assertEquals(0, s.count());
    }

    @Test
    void platformThreadMarksTouched() throws Exception {
        Sema s = new Sema();
        Thread t = Thread.ofPlatform().start(() -> s.semacquire(false, WaitReason.SEMACQUIRE));
        awaitWaiters(s, 1);
        assertTrue(s.touchedByPlatformThread());
        s.semrelease(false);
        t.join();
        assertEquals(0, s.waiters());
    }

    /** An interrupt neither aborts the wait nor spins it; the flag survives. */
    @Test
    void interruptIsKept() throws Exception {
        Sema s = new Sema();
        AtomicReference<Boolean> flag = new AtomicReference<>();
        Thread t = Thread.ofPlatform().start(() -> {
            s.semacquire(false, WaitReason.SEMACQUIRE);
            flag.set(Thread.currentThread().isInterrupted());
        });
        awaitWaiters(s, 1);
        t.interrupt();
        Thread.sleep(20);
        assertTrue(t.isAlive(), "interrupt must not end the wait");
        s.semrelease(false);
        t.join();
        assertEquals(Boolean.TRUE, flag.get());
    }

    @Test
    void notifyListTickets() throws Exception {
        NotifyList l = new NotifyList();
        int t0 = l.notifyListAdd();
        int t1 = l.notifyListAdd();
        l.notifyListNotifyOne(); // t0 notified before it waits: its wait returns at once
        l.notifyListWait(t0);
        Thread w = Thread.ofPlatform().start(() -> l.notifyListWait(t1));
        Thread.sleep(10);
        assertTrue(w.isAlive());
        l.notifyListNotifyAll();
        w.join();
        l.notifyListNotifyOne(); // nobody holds a ticket: a no-op
        assertTrue(l.touchedByPlatformThread());
    }
}
