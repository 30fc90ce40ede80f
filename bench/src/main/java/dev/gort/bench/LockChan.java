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

    private final ReentrantLock lock = new ReentrantLock();
    /** The ring, or null for a rendezvous channel. All below under lock. */
    private final Object[] buf;
    private int sendx, recvx, qcount;
    private Waiter recvHead, recvTail, sendHead, sendTail;

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
        Waiter w = recvHead;
        if (w != null) {
            if ((recvHead = w.next) == null) {
                recvTail = null;
            }
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
        if (sendTail == null) {
            sendHead = me;
        } else {
            sendTail.next = me;
        }
        sendTail = me;
        l.unlock();
        while (!me.done) {
            LockSupport.park(this);
        }
        return true;
    }

    private Object recv(boolean block) {
        ReentrantLock l = lock;
        l.lock();
        Waiter w = sendHead;
        if (w != null) {
            if ((sendHead = w.next) == null) {
                sendTail = null;
            }
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
        if (recvTail == null) {
            recvHead = me;
        } else {
            recvTail.next = me;
        }
        recvTail = me;
        l.unlock();
        while (!me.done) {
            LockSupport.park(this);
        }
        return me.elem;
    }
}
