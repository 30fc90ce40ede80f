package dev.gort.bench;

import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The least a channel with Go's design can do: the floor of the channel rows. One lock per channel,
 * a ring for the buffer, two FIFO queues of waiters, and {@code LockSupport.park/unpark}: what
 * {@code chan.go}'s {@code chansend}/{@code chanrecv} do on their paths, and nothing else. There is
 * no close, no select, no pinning of the lock holder, no sudog cache (a blocking operation allocates
 * its 32-byte waiter, as a TLAB bump), no race, trace or bubble hooks. On {@link Floor} its round
 * trip is what a lock-based channel costs on the cheapest scheduler; on gort's scheduler it tells
 * gort's channel code apart from gort's scheduler. Not a channel for real programs.
 *
 * <p>Protocol, as Go's: under the lock, a waiting partner is dequeued, the value copied and the
 * waiter marked done; after the unlock it is unparked. Otherwise the value goes to or comes from the
 * ring if it can; otherwise the caller enqueues its waiter, unlocks, and parks until done.
 */
final class LockChan implements BChan {
    /** A blocked sender or receiver. elem and next under the lock; done written under it, read by the owner. */
    private static final class Waiter {
        final Thread thread = Thread.currentThread();
        Object elem;
        Waiter next;
        volatile boolean done;
    }

    /** A FIFO of waiters. Under the channel's lock. */
    private static final class Queue {
        private Waiter head, tail;

        void add(Waiter w) {
            if (tail == null) {
                head = w;
            } else {
                tail.next = w;
            }
            tail = w;
        }

        Waiter poll() {
            Waiter w = head;
            if (w != null && (head = w.next) == null) {
                tail = null;
            }
            return w;
        }
    }

    private final ReentrantLock lock = new ReentrantLock();
    /** The ring, or null for a rendezvous channel. All below under lock. */
    private final Object[] buf;
    private int sendx, recvx, qcount;
    private final Queue recvq = new Queue(), sendq = new Queue();

    LockChan(int capacity) {
        buf = capacity == 0 ? null : new Object[capacity];
    }

    @Override
    public void send(Object v) {
        if (!send(v, true)) {
            throw new IllegalStateException("a blocking send failed");
        }
    }

    @Override
    public boolean trySend(Object v) {
        return send(v, false);
    }

    @Override
    public Object recv() {
        return recv(true);
    }

    @Override
    public Object tryRecv() {
        return recv(false);
    }

    private boolean send(Object v, boolean block) {
        ReentrantLock l = lock;
        l.lock();
        Waiter w = recvq.poll();
        if (w != null) {
            w.elem = v;
            w.done = true;
            l.unlock();
            LockSupport.unpark(w.thread);
            return true;
        }
        if (buf != null && qcount < buf.length) {
            buf[sendx] = v;
            sendx = (sendx + 1) % buf.length;
            qcount++;
            l.unlock();
            return true;
        }
        if (!block) {
            l.unlock();
            return false;
        }
        Waiter me = new Waiter();
        me.elem = v;
        sendq.add(me);
        l.unlock();
        park(me);
        return true;
    }

    private Object recv(boolean block) {
        ReentrantLock l = lock;
        l.lock();
        Waiter w = sendq.poll();
        if (w != null) {
            Object v;
            if (buf == null) {
                v = w.elem;
            } else { // full ring: take its head, the sender's value goes to the tail
                v = buf[recvx];
                buf[recvx] = w.elem;
                recvx = (recvx + 1) % buf.length;
                sendx = recvx;
            }
            w.done = true;
            l.unlock();
            LockSupport.unpark(w.thread);
            return v;
        }
        if (qcount > 0) {
            Object v = buf[recvx];
            buf[recvx] = null;
            recvx = (recvx + 1) % buf.length;
            qcount--;
            l.unlock();
            return v;
        }
        if (!block) {
            l.unlock();
            return null;
        }
        Waiter me = new Waiter();
        recvq.add(me);
        l.unlock();
        park(me);
        return me.elem;
    }

    private void park(Waiter me) {
        while (!me.done) {
            LockSupport.park(this);
        }
    }
}
