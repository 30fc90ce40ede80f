package dev.gort.sync;

/** Go's {@code sync.Locker}: an object that can be locked and unlocked. */
public interface Locker {
    /** Acquires the lock, parking the calling goroutine until it is available. */
    void lock();

    /** Releases the lock. */
    void unlock();
}
