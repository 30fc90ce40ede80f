package dev.gort.sync;

import dev.gort.runtime.Linkname;
import dev.gort.runtime.Race;
import dev.gort.runtime.Sema;
import dev.gort.runtime.WaitReason;

import java.util.concurrent.atomic.AtomicInteger;

/*
 * RWMutex: Go's sync.RWMutex (src/sync/rwmutex.go).
 *
 * Concepts
 * --------
 *   w            a Mutex held by a pending or active writer: writers exclude each other with it
 *   readerCount  number of readers; a writer subtracts RWMUTEX_MAX_READERS (1<<30) from it, so a
 *                negative count tells arriving readers "a writer is pending: sleep on readerSem"
 *   readerWait   number of readers the pending writer still waits for (those that were active
 *                when it announced itself)
 *   writerSem    where the pending writer sleeps until readerWait reaches 0
 *   readerSem    where readers sleep until the writer unlocks
 *
 * Writer preference: once a writer has called lock, new readers block, so a stream of readers
 * cannot starve it; when the writer unlocks it releases exactly the readers that queued behind it
 * (r, the readerCount it restores), before any next writer can get in. Consequently a goroutine
 * must not rLock recursively (a writer between the two rLocks deadlocks it), as in Go.
 *
 * Invariants
 * ----------
 *  - readerCount >= 0 with no writer; readerCount in [-MAX, 0) while a writer is pending/active.
 *  - readerWait > 0 only while a writer waits on writerSem.
 *  - Race: readers release-merge into writerSem and acquire readerSem; the writer acquires both
 *    and releases readerSem, so the edges are Go's.
 *
 * Differences from Go
 * -------------------
 *  - Misuse fatals ("sync: RUnlock of unlocked RWMutex", "sync: Unlock of unlocked RWMutex") throw
 *    FatalError after Proc.syncFatal, instead of exiting the process; the bad update of
 *    readerCount is undone first, which restores a mutex nobody else used meanwhile (a writer
 *    that locked concurrently with the misuse can be left waiting: see Mutex).
 *  - As Mutex: platform threads mark the semaphores touched for the deadlock detector, on every
 *    lock, tryLock and unlock of either kind (a thread may only unlock what a goroutine locked),
 *    before they change readerCount.
 */
/**
 * Go's {@code sync.RWMutex}: a reader/writer mutual exclusion lock. Any number of readers or one
 * writer may hold it. A goroutine blocked in {@link #lock} excludes new readers (writer
 * preference), so recursive read locking is forbidden, as in Go. Not reentrant, not bound to a
 * goroutine.
 *
 * <p>Memory: the n'th {@link #unlock} happens-before the m'th {@link #lock} for n &lt; m; an
 * {@link #unlock} happens-before every later {@link #rLock} that returns after it, and an
 * {@link #rUnlock} happens-before the next {@link #lock}.
 */
public final class RWMutex implements Locker {
    static final int RWMUTEX_MAX_READERS = 1 << 30;

    private final Mutex w = new Mutex();
    private final Sema writerSem = new Sema();
    private final Sema readerSem = new Sema();
    private final AtomicInteger readerCount = new AtomicInteger();
    private final AtomicInteger readerWait = new AtomicInteger();

    /** An unlocked RWMutex. */
    public RWMutex() {}

    /** Locks for reading. Blocks while a writer holds the lock or is waiting for it. */
    public void rLock() {
        touchIfPlatform();
        if (readerCount.incrementAndGet() < 0) {
            // A writer is pending, wait for it.
            readerSem.semacquire(false, WaitReason.SYNC_RWMUTEX_RLOCK);
        }
        Race.acquire(readerSem);
    }

    /** Tries to lock for reading without waiting; reports whether it succeeded. */
    public boolean tryRLock() {
        touchIfPlatform(); // before the CAS: from then on a writer may wait for our rUnlock
        for (;;) {
            int c = readerCount.get();
            if (c < 0) {
                return false;
            }
            if (readerCount.compareAndSet(c, c + 1)) {
                Race.acquire(readerSem);
                return true;
            }
        }
    }

    /**
     * Undoes one {@link #rLock}.
     *
     * @throws dev.gort.FatalError "sync: RUnlock of unlocked RWMutex" if not read-locked
     */
    public void rUnlock() {
        touchIfPlatform();
        Race.releaseMerge(writerSem);
        int r = readerCount.decrementAndGet();
        if (r < 0) {
            rUnlockSlow(r);
        }
    }

    private void rUnlockSlow(int r) {
        if (r + 1 == 0 || r + 1 == -RWMUTEX_MAX_READERS) {
            readerCount.incrementAndGet();
            throw Linkname.syncFatal("sync: RUnlock of unlocked RWMutex");
        }
        // A writer is pending.
        if (readerWait.decrementAndGet() == 0) {
            // The last reader unblocks the writer.
            writerSem.semrelease(false);
        }
    }

    /** Locks for writing. Blocks until no reader or writer holds the lock; new readers wait meanwhile. */
    @Override
    public void lock() {
        touchIfPlatform();
        // First, resolve competition with other writers.
        w.lock();
        // Announce to readers there is a pending writer.
        int r = readerCount.addAndGet(-RWMUTEX_MAX_READERS) + RWMUTEX_MAX_READERS;
        // Wait for active readers.
        if (r != 0 && readerWait.addAndGet(r) != 0) {
            writerSem.semacquire(false, WaitReason.SYNC_RWMUTEX_LOCK);
        }
        Race.acquire(readerSem);
        Race.acquire(writerSem);
    }

    /** Tries to lock for writing without waiting; reports whether it succeeded. */
    public boolean tryLock() {
        touchIfPlatform(); // before the CAS: from then on readers may wait for our unlock
        if (!w.tryLock()) {
            return false;
        }
        if (!readerCount.compareAndSet(0, -RWMUTEX_MAX_READERS)) {
            w.unlock();
            return false;
        }
        Race.acquire(readerSem);
        Race.acquire(writerSem);
        return true;
    }

    /**
     * Unlocks for writing. Any goroutine may unlock it.
     *
     * @throws dev.gort.FatalError "sync: Unlock of unlocked RWMutex" if not write-locked
     */
    @Override
    public void unlock() {
        touchIfPlatform(); // and w.unlock touches w
        Race.release(readerSem);
        // Announce to readers there is no active writer.
        int r = readerCount.addAndGet(RWMUTEX_MAX_READERS);
        if (r >= RWMUTEX_MAX_READERS) {
            readerCount.addAndGet(-RWMUTEX_MAX_READERS);
            throw Linkname.syncFatal("sync: Unlock of unlocked RWMutex");
        }
        // Unblock the readers that queued behind this writer.
        for (int i = 0; i < r; i++) {
            readerSem.semrelease(false);
        }
        // Allow other writers to proceed.
        w.unlock();
    }

    /** Go's RLocker: a Locker whose lock/unlock call rLock/rUnlock. */
    public Locker rLocker() {
        return new Locker() {
            @Override
            public void lock() {
                rLock();
            }

            @Override
            public void unlock() {
                rUnlock();
            }
        };
    }

    private void touchIfPlatform() {
        if (Linkname.outsideGoroutines()) {
            writerSem.touch();
            readerSem.touch();
        }
    }
}
