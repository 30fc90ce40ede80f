package dev.gort.bench;

import com.softwaremill.jox.Channel;
import com.softwaremill.jox.Select;
import com.softwaremill.jox.SelectClause;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedTransferQueue;
import java.util.concurrent.SynchronousQueue;

/**
 * The channel operations the channel rows use, over gort's {@code Chan} and each Java peer, so a
 * row is written once for all of them. A fork runs one implementation only, so every call site
 * stays monomorphic and the JIT inlines through this interface. Values are boxed on every side.
 * The rows never close a channel: like Go's benchmarks they end with a sentinel value.
 */
interface BChan {
    void send(Object v);

    Object recv();

    /** Sends if a receiver is waiting or buffer space is free; Go's {@code select} with one send case and a default. */
    boolean trySend(Object v);

    /** Receives if a value is ready, else returns null; Go's {@code select} with one receive case and a default. */
    Object tryRecv();

    /** Makes channels of a given capacity for one implementation. */
    interface Maker {
        BChan make(int capacity);
    }

    /**
     * The maker for a benchmark's impl parameter (every impl but "kotlin", whose rows are Kotlin code).
     * An impl "CHAN/SCHED" names the channel before the slash (the scheduler after it is {@link Rt#of}'s).
     */
    static Maker maker(String impl) {
        int slash = impl.indexOf('/');
        return switch (slash < 0 ? impl : impl.substring(0, slash)) {
            case "gort" -> GortChan::new;
            case "lock" -> LockChan::new;
            case "jox" -> JoxChan::new;
            case "sq" -> c -> new QueueChan(c == 0 ? new SynchronousQueue<>() : new ArrayBlockingQueue<>(c));
            case "ltq" -> TransferChan::new;
            default -> throw new IllegalArgumentException("no Java channel for impl " + impl);
        };
    }

    /**
     * {@code java.util.concurrent}'s bounded queues: {@code SynchronousQueue} for capacity 0,
     * {@code ArrayBlockingQueue} otherwise.
     */
    final class QueueChan implements BChan {
        private final BlockingQueue<Object> q;

        QueueChan(BlockingQueue<Object> q) {
            this.q = q;
        }

        @Override
        public void send(Object v) {
            try {
                q.put(v);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public Object recv() {
            try {
                return q.take();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public boolean trySend(Object v) {
            return q.offer(v);
        }

        @Override
        public Object tryRecv() {
            return q.poll();
        }
    }

    /**
     * {@code LinkedTransferQueue}: {@code transfer} (a rendezvous) for capacity 0; for capacity
     * above 0 it is unbounded ({@code put} never blocks), so the buffered rows are not the same
     * contract as Go's bounded channel for this peer.
     */
    final class TransferChan implements BChan {
        private final LinkedTransferQueue<Object> q = new LinkedTransferQueue<>();
        private final boolean rendezvous;

        TransferChan(int capacity) {
            this.rendezvous = capacity == 0;
        }

        @Override
        public void send(Object v) {
            if (rendezvous) {
                try {
                    q.transfer(v);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            } else {
                q.put(v);
            }
        }

        @Override
        public Object recv() {
            try {
                return q.take();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public boolean trySend(Object v) {
            return rendezvous ? q.tryTransfer(v) : q.offer(v);
        }

        @Override
        public Object tryRecv() {
            return q.poll();
        }
    }

    /** jox: a rendezvous channel for capacity 0, else a buffered one; non-blocking ops are a select with a default clause. */
    final class JoxChan implements BChan {
        private static final Object NONE = new Object();
        private static final SelectClause<Object> DEFAULT = Select.defaultClause(NONE);
        private final Channel<Object> ch;
        private final SelectClause<Object> recvClause;

        JoxChan(int capacity) {
            ch = capacity == 0 ? Channel.newRendezvousChannel() : Channel.newBufferedChannel(capacity);
            recvClause = ch.receiveClause();
        }

        @Override
        public void send(Object v) {
            try {
                ch.send(v);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public Object recv() {
            try {
                return ch.receive();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public boolean trySend(Object v) {
            try {
                return Select.select(ch.sendClause(v, () -> v), DEFAULT) != NONE;
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public Object tryRecv() {
            try {
                Object r = Select.select(recvClause, DEFAULT);
                return r == NONE ? null : r;
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
