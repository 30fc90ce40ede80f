package dev.gort.chan;

import dev.gort.Go;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

/** Every rule of Chan, over capacities 0, 1, 2, 10, 100. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ChanTest {

    @Test
    void negativeCapacityNamesTheValue() {
        var e = assertThrows(IllegalArgumentException.class, () -> Chan.make(-3));
        assertTrue(e.getMessage().contains("-3"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 10, 100})
    void capAndLen(int cap) {
        Chan<Integer> c = Chan.make(cap);
        assertEquals(cap, c.cap());
        assertEquals(0, c.len());
        for (int i = 0; i < cap; i++) {
            assertTrue(c.trySend(i));
            assertEquals(i + 1, c.len());
        }
        assertFalse(c.trySend(-1), "full (or unbuffered with no receiver): trySend must fail");
        assertEquals(cap, c.len());
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 10, 100})
    void bufferIsFifoAndNonBlockingUntilFull(int cap) {
        Chan<Integer> c = Chan.make(cap);
        for (int i = 0; i < cap; i++) {
            c.send(i); // must not block: we are the only thread
        }
        for (int i = 0; i < cap; i++) {
            assertEquals(i, c.recv());
        }
        assertNull(c.tryRecv(), "empty: tryRecv says it would block");
        assertEquals(0, c.len());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 10, 100})
    void valuesArriveInOrderAcrossGoroutines(int cap) {
        int n = 10_000;
        List<Integer> got = new ArrayList<>();
        Go.run(() -> {
            Chan<Integer> c = Chan.make(cap);
            Go.go(() -> {
                for (int i = 0; i < n; i++) {
                    c.send(i);
                }
                c.close();
            });
            for (Integer v : c) {
                got.add(v);
            }
        });
        assertEquals(n, got.size());
        for (int i = 0; i < n; i++) {
            assertEquals(i, got.get(i));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 10, 100})
    void unbufferedTryOpsNeedAPartner(int cap) {
        Chan<String> c = Chan.make(cap);
        assertNull(c.tryRecv());
        if (cap == 0) {
            assertFalse(c.trySend("x"));
        } else {
            assertTrue(c.trySend("x"));
            assertEquals(new Recv<>("x", true), c.tryRecv());
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 10, 100})
    void trySendHandsToAWaitingReceiver(int cap) {
        Go.run(() -> {
            Chan<Integer> c = Chan.make(cap);
            Chan<Integer> out = Chan.make(1);
            Go.go(() -> out.send(c.recv()));
            // Retry until the receiver is parked; unbuffered trySend succeeds only with a receiver.
            while (!c.trySend(42)) {
                Go.gosched();
            }
            assertEquals(42, out.recv());
        });
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 10, 100})
    void closeDrainsThenReturnsZeroValue(int cap) {
        Chan<Integer> c = Chan.make(cap);
        for (int i = 0; i < cap; i++) {
            c.send(i);
        }
        c.close();
        assertEquals(cap, c.len());
        for (int i = 0; i < cap; i++) {
            assertEquals(new Recv<>(i, true), c.recvOk());
        }
        assertNull(c.recv());
        assertEquals(new Recv<Integer>(null, false), c.recvOk());
        assertEquals(new Recv<Integer>(null, false), c.tryRecv());
        assertFalse(c.iterator().hasNext());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 10, 100})
    void sendOnClosedPanics(int cap) {
        Chan<Integer> c = Chan.make(cap);
        c.close();
        assertEquals(ChanPanic.SEND_ON_CLOSED, assertThrows(ChanPanic.class, () -> c.send(1)).getMessage());
        assertEquals(ChanPanic.SEND_ON_CLOSED, assertThrows(ChanPanic.class, () -> c.trySend(1)).getMessage());
        assertEquals("send on closed channel", ChanPanic.SEND_ON_CLOSED);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 10, 100})
    void closeOfClosedPanics(int cap) {
        Chan<Integer> c = Chan.make(cap);
        c.close();
        var e = assertThrows(ChanPanic.class, c::close);
        assertEquals("close of closed channel", e.getMessage());
        assertInstanceOf(dev.gort.Panic.class, e);
    }

    @Test
    void closeOfNilPanics() {
        var e = assertThrows(ChanPanic.class, () -> Chan.close(null));
        assertEquals("close of nil channel", e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 10, 100})
    void closeWakesEveryBlockedReceiver(int cap) {
        int n = 20;
        AtomicInteger closedSeen = new AtomicInteger();
        Go.run(() -> {
            Chan<Integer> c = Chan.make(cap);
            Chan<Boolean> done = Chan.make(n);
            Chan<Boolean> started = Chan.make(n);
            for (int i = 0; i < n; i++) {
                Go.go(() -> {
                    started.send(true);
                    Recv<Integer> r = c.recvOk();
                    if (!r.ok() && r.value() == null) {
                        closedSeen.incrementAndGet();
                    }
                    done.send(true);
                });
            }
            for (int i = 0; i < n; i++) {
                started.recv();
            }
            c.close();
            for (int i = 0; i < n; i++) {
                done.recv();
            }
        });
        assertEquals(n, closedSeen.get());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 10, 100})
    void closeMakesEveryBlockedSenderPanic(int cap) {
        int n = 10;
        AtomicInteger panics = new AtomicInteger();
        AtomicInteger sent = new AtomicInteger();
        Go.run(() -> {
            Chan<Integer> c = Chan.make(cap);
            for (int i = 0; i < cap; i++) {
                c.send(i); // fill the buffer: every further send blocks
            }
            Chan<Boolean> done = Chan.make(n);
            for (int i = 0; i < n; i++) {
                Go.go(() -> {
                    try {
                        c.send(-1);
                        sent.incrementAndGet();
                    } catch (ChanPanic p) {
                        if (p.getMessage().equals(ChanPanic.SEND_ON_CLOSED)) {
                            panics.incrementAndGet();
                        }
                    }
                    done.send(true);
                });
            }
            // Wait until all n are parked: a blocked sender shows up as ready for a receiver only on
            // cap 0; instead spin on gosched until the goroutines had their chance, then check none
            // finished (they cannot: nobody receives).
            for (int i = 0; i < 100; i++) {
                Go.gosched();
            }
            assertNull(done.tryRecv());
            c.close();
            for (int i = 0; i < n; i++) {
                done.recv();
            }
            for (int i = 0; i < cap; i++) {
                assertEquals(i, c.recv(), "buffered values survive close");
            }
            assertEquals(new Recv<Integer>(null, false), c.recvOk());
        });
        assertEquals(0, sent.get());
        assertEquals(n, panics.get());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 10, 100})
    void nullValuesAreSentAndToldApartFromClose(int cap) {
        Go.run(() -> {
            Chan<String> c = Chan.make(cap);
            Go.go(() -> {
                c.send(null);
                c.send("a");
                c.close();
            });
            assertEquals(new Recv<String>(null, true), c.recvOk());
            assertEquals(new Recv<>("a", true), c.recvOk());
            assertEquals(new Recv<String>(null, false), c.recvOk());
        });
    }

    /**
     * null is a value on every send and receive path (trySend, Select send and sendFrom cases, the
     * iterator, tryRecv, Select recvOk), told apart from "closed" by ok, as Go's nil and zero values.
     */
    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 10, 100})
    void nullIsAValueOnEveryPathAndOkTellsItFromClosed(int cap) {
        Go.run(() -> {
            Chan<String> c = Chan.make(cap);
            Chan<Void> signal = Chan.make(cap); // Go's chan struct{}: Void's one value is null
            Go.go(() -> {
                while (!c.trySend(null)) { // unbuffered: until main waits in the select below
                    Go.gosched();
                }
                new Select().send(c, null, () -> { }).run();
                new Select().sendFrom(c, () -> null, () -> { }).send(null, "never", () -> { }).run();
                signal.send(null);
                c.close();
            });
            List<Recv<String>> got = new ArrayList<>();
            new Select().recvOk(c, got::add).run();
            for (String v : c) {
                got.add(new Recv<>(v, true));
                if (got.size() == 3) {
                    break;
                }
            }
            assertEquals(List.of(new Recv<String>(null, true), new Recv<String>(null, true), new Recv<String>(null, true)), got);
            assertEquals(new Recv<Void>(null, true), signal.recvOk());
            Recv<String> r;
            while ((r = c.tryRecv()) == null) {
                Go.gosched(); // not closed yet
            }
            assertEquals(new Recv<String>(null, false), r);
            assertNull(c.recv(), "closed: recv() gives null too, which is why recvOk exists");
        });
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 10, 100})
    void rangeReceivesUntilClosedAndDrained(int cap) {
        Go.run(() -> {
            Chan<Integer> c = Chan.make(cap);
            Go.go(() -> {
                for (int i = 1; i <= 100; i++) {
                    c.send(i);
                }
                c.close();
            });
            int sum = 0;
            for (int v : c) {
                sum += v;
            }
            assertEquals(5050, sum);
        });
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 10, 100})
    void directionalViewsAreTheChannel(int cap) {
        Chan<Integer> c = Chan.make(cap);
        SendChan<Integer> s = c;
        RecvChan<Integer> r = c;
        Go.run(() -> {
            Go.go(() -> {
                s.send(7);
                s.close();
            });
            assertEquals(7, r.recv());
            assertEquals(new Recv<Integer>(null, false), r.recvOk());
        });
        assertEquals(cap, s.cap());
        assertEquals(cap, r.cap());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 10, 100})
    void platformThreadsBlockAndExchange(int cap) throws Exception {
        int n = 2_000;
        Chan<Integer> c = Chan.make(cap);
        ConcurrentLinkedQueue<Integer> got = new ConcurrentLinkedQueue<>();
        Thread receiver = Thread.ofPlatform().start(() -> {
            for (Integer v : c) {
                got.add(v);
            }
        });
        // A goroutine sends half, this platform thread the other half.
        CountDownLatch goDone = new CountDownLatch(1);
        Go.go(() -> {
            for (int i = 0; i < n; i++) {
                c.send(i);
            }
            goDone.countDown();
        });
        for (int i = n; i < 2 * n; i++) {
            c.send(i);
        }
        assertTrue(goDone.await(20, TimeUnit.SECONDS));
        c.close();
        receiver.join(20_000);
        assertFalse(receiver.isAlive());
        assertEquals(2 * n, got.size());
        assertEquals(2 * n, got.stream().distinct().count());
    }

    @Test
    void nilChannelOperations() {
        assertFalse(Chan.trySend(null, 1));
        assertNull(Chan.tryRecv(null));
    }
}
