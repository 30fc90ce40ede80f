package dev.gort.chan;

import dev.gort.Go;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The behaviour Go's own channel test programs (go/test/chan: sieve1, fifo, nonblock, doubleselect,
 * select3, select6, zerosize, goroutines) check, written anew against gort's API.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GoChanProgramsTest {

    // ---------------------------------------------------------------- sieve1: concurrent prime sieve

    private static void generate(Chan<Integer> ch) {
        for (int i = 2; ; i++) {
            ch.send(i);
        }
    }

    private static void filter(Chan<Integer> in, Chan<Integer> out, int prime) {
        for (;;) {
            int i = in.recv();
            if (i % prime != 0) {
                out.send(i);
            }
        }
    }

    @Test
    void sieve() {
        int[] want = {2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97};
        List<Integer> got = new ArrayList<>();
        Go.run(() -> {
            Chan<Integer> ch = Chan.make();
            Go.go(() -> generate(ch));
            Chan<Integer> in = ch;
            for (int i = 0; i < want.length; i++) {
                int prime = in.recv();
                got.add(prime);
                Chan<Integer> out = Chan.make();
                Chan<Integer> from = in;
                Go.go(() -> filter(from, out, prime));
                in = out;
            }
        });
        assertEquals(want.length, got.size());
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got.get(i));
        }
    }

    // ---------------------------------------------------------------- fifo

    @Test
    void asynchFifo() {
        int n = 10;
        Chan<Integer> ch = Chan.make(n);
        for (int i = 0; i < n; i++) {
            ch.send(i);
        }
        for (int i = 0; i < n; i++) {
            assertEquals(i, ch.recv(), "bad receive");
        }
    }

    @Test
    void synchFifo() {
        // A chain of goroutines each waiting for its turn on in, then sending its value on ch and
        // passing the turn on: the values must arrive in order.
        int n = 10;
        List<Integer> got = new ArrayList<>();
        Go.run(() -> {
            Chan<Integer> ch = Chan.make();
            Chan<Integer> in = Chan.make();
            Chan<Integer> start = in;
            for (int i = 0; i < n; i++) {
                Chan<Integer> out = Chan.make();
                Chan<Integer> myIn = in;
                int val = i;
                Go.go(() -> {
                    myIn.recv();
                    ch.send(val);
                    out.send(1);
                });
                in = out;
            }
            start.send(0);
            for (int i = 0; i < n; i++) {
                got.add(ch.recv());
            }
        });
        assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9), got);
    }

    // ---------------------------------------------------------------- nonblock

    @Test
    void nonblock() {
        Go.run(() -> {
            for (int buffer = 0; buffer < 2; buffer++) {
                Chan<Integer> c32 = Chan.make(buffer);
                Chan<String> cs = Chan.make(buffer);
                assertNull(c32.tryRecv(), "blocked i32");
                assertNull(cs.tryRecv(), "blocked str");

                // A receiver goroutine; the non-blocking send must eventually succeed.
                Chan<Boolean> sync = Chan.make();
                Go.go(() -> {
                    assertEquals(123, c32.recv());
                    sync.send(true);
                });
                int tries = 0;
                while (!c32.trySend(123)) {
                    assertTrue(++tries < 1_000_000, "trySend never succeeded");
                    Go.gosched();
                }
                sync.recv();

                // A sender goroutine; the non-blocking receive must eventually succeed.
                Go.go(() -> {
                    cs.send("hello");
                    sync.send(true);
                });
                tries = 0;
                Recv<String> r;
                while ((r = cs.tryRecv()) == null) {
                    assertTrue(++tries < 1_000_000, "tryRecv never succeeded");
                    Go.gosched();
                }
                assertEquals(new Recv<>("hello", true), r);
                sync.recv();
            }
        });
    }

    // ---------------------------------------------------------------- doubleselect

    @Test
    void doubleselect() {
        // A sender selects among four channels; several goroutines forward each to one mux channel;
        // every value must arrive exactly once.
        int iterations = 10_000 * Integer.getInteger("gort.stress", 1);
        AtomicInteger dups = new AtomicInteger();
        AtomicInteger count = new AtomicInteger();
        Go.run(() -> {
            Chan<Integer> c1 = Chan.make(), c2 = Chan.make(), c3 = Chan.make(), c4 = Chan.make();
            Chan<Integer> cmux = Chan.make();
            Chan<Boolean> done = Chan.make(1);
            Go.go(() -> {
                for (int i = 0; i < iterations; i++) {
                    new Select().send(c1, i, () -> {}).send(c2, i, () -> {}).send(c3, i, () -> {}).send(c4, i, () -> {}).run();
                }
                done.send(true);
                c1.close();
                c2.close();
                c3.close();
                c4.close();
            });
            Chan<Boolean> muxDone = Chan.make(8);
            for (Chan<Integer> c : List.of(c1, c2, c3, c4, c1, c2, c3, c4)) {
                Go.go(() -> {
                    for (int v : c) {
                        cmux.send(v);
                    }
                    muxDone.send(true);
                });
            }
            Go.go(() -> {
                for (int i = 0; i < 8; i++) {
                    muxDone.recv();
                }
                cmux.close();
            });
            boolean[] seen = new boolean[iterations];
            for (int v : cmux) {
                if (seen[v]) {
                    dups.incrementAndGet();
                }
                seen[v] = true;
                count.incrementAndGet();
            }
            done.recv();
        });
        assertEquals(0, dups.get());
        assertEquals(iterations, count.get());
    }

    // ---------------------------------------------------------------- select3: the rules

    /** Runs op in a goroutine; asserts it is still blocked after the others had many chances to run, then interrupts it. */
    private static void assertBlocks(String what, Runnable op) {
        AtomicBoolean finished = new AtomicBoolean();
        AtomicReference<Thread> th = new AtomicReference<>();
        Chan<Boolean> out = Chan.make(1);
        Go.go(() -> {
            th.set(Thread.currentThread());
            try {
                op.run();
                finished.set(true);
            } catch (ChanInterruptedException e) {
                out.send(true);
            }
        });
        for (int i = 0; i < 200; i++) {
            Go.gosched();
        }
        assertFalse(finished.get(), what + " did not block");
        while (th.get() == null) {
            Go.gosched();
        }
        th.get().interrupt();
        assertTrue(out.recv(), what);
    }

    private static void assertPanics(String what, String msg, Runnable op) {
        var e = assertThrows(ChanPanic.class, op::run, what);
        assertEquals(msg, e.getMessage(), what);
    }

    @Test
    void select3Rules() {
        Go.run(() -> {
            Chan<Integer> nilch = null;
            Chan<Integer> closedch = Chan.make();
            closedch.close();

            // nil channels block
            assertBlocks("recv from nil channel", () -> Chan.recv(nilch));
            assertBlocks("send to nil channel", () -> Chan.send(nilch, 7));
            assertBlocks("select recv nil", () -> new Select().recv(nilch, v -> {}).run());
            assertBlocks("select send nil", () -> new Select().send(nilch, 7, () -> {}).run());

            // closed channels never block
            assertNull(closedch.recv());
            assertFalse(closedch.recvOk().ok());
            assertEquals(0, new Select().recv(closedch, v -> assertNull(v)).run());
            assertEquals(0, new Select().recvOk(closedch, r -> assertFalse(r.ok())).run());

            // sending to a closed channel panics
            assertPanics("send to closed", ChanPanic.SEND_ON_CLOSED, () -> closedch.send(7));
            assertPanics("select send to closed", ChanPanic.SEND_ON_CLOSED, () -> new Select().send(closedch, 7, () -> {}).run());

            // empty selects always block; so do selects with only nil channels
            assertBlocks("empty select", () -> new Select().run());
            assertBlocks("select with only nil channels", () -> new Select().recv(nilch, v -> {}).send(nilch, 1, () -> {}).run());

            // selects with non-ready non-nil channels always block
            assertBlocks("select on non-ready channel", () -> new Select().recv(Chan.make(), v -> {}).run());
            // a select does not pair with itself
            Chan<Integer> self = Chan.make();
            assertBlocks("select seeing itself", () -> new Select().recv(self, v -> {}).send(self, 1, () -> {}).run());

            // selects with default cases don't block
            assertEquals(-1, new Select().otherwise(() -> {}).run());
            assertEquals(-1, new Select().recv(nilch, v -> {}).otherwise(() -> {}).run());
            assertEquals(-1, new Select().send(nilch, 1, () -> {}).otherwise(() -> {}).run());

            // selects with ready channels don't block
            Chan<Integer> async = Chan.make(1);
            assertEquals(0, new Select().send(async, 7, () -> {}).otherwise(() -> fail("send not ready")).run());
            assertEquals(0, new Select().recv(async, v -> assertEquals(7, v)).otherwise(() -> fail("recv not ready")).run());

            // selects with closed channels behave like ordinary operations
            assertEquals(0, new Select().recv(closedch, v -> {}).recv(nilch, v -> {}).run());
            assertPanics("select send closed, with default", ChanPanic.SEND_ON_CLOSED,
                    () -> new Select().send(closedch, 7, () -> {}).otherwise(() -> {}).run());
            // close of closed and of nil
            assertPanics("close closed", ChanPanic.CLOSE_OF_CLOSED, closedch::close);
            assertPanics("close nil", ChanPanic.CLOSE_OF_NIL, () -> Chan.close(nilch));
        });
    }

    // ---------------------------------------------------------------- select6: failed cases keep queues sane

    @Test
    void select6FailedCasesDoNotCorruptQueues() {
        Go.run(() -> {
            Chan<Boolean> c1 = Chan.make(), c2 = Chan.make(), c3 = Chan.make();
            Go.go(() -> c1.recv());
            Go.go(() -> {
                new Select()
                        .recv(c1, v -> { throw new AssertionError("dummy"); })
                        .recv(c2, v -> c3.send(true))
                        .run();
                c1.recv();
            });
            Go.go(() -> c2.send(true));
            c3.recv();
            c1.send(true);
            c1.send(true); // would hang if the select left c1's queue corrupted
        });
    }

    // ---------------------------------------------------------------- zerosize

    @Test
    void zeroSizeElements() {
        // Go's chan struct{} / [0]byte: our zero-size element is Void, whose only value is null.
        Chan<Void> x = Chan.make(), y = Chan.make(1);
        assertNotSame(x, y);
        y.send(null);
        assertEquals(1, y.len());
        assertEquals(new Recv<Void>(null, true), y.recvOk());
        Go.run(() -> {
            Go.go(() -> x.send(null));
            assertTrue(x.recvOk().ok());
        });
    }

    // ---------------------------------------------------------------- goroutines: a long chain

    @Test
    void goroutineChain() {
        int n = 10_000;
        AtomicInteger got = new AtomicInteger();
        Go.run(() -> {
            Chan<Integer> leftmost = Chan.make();
            Chan<Integer> right = leftmost;
            Chan<Integer> left = leftmost;
            for (int i = 0; i < n; i++) {
                right = Chan.make();
                Chan<Integer> l = left, r = right;
                Go.go(() -> l.send(r.recv() + 1));
                left = right;
            }
            Chan<Integer> rightmost = right;
            Go.go(() -> rightmost.send(1));
            got.set(leftmost.recv());
        });
        assertEquals(n + 1, got.get());
    }
}
