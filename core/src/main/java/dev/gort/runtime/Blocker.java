package dev.gort.runtime;

/**
 * Something goroutines park on through {@link Proc#gopark} (a channel, a semaphore): the
 * {@code blocker} argument of gopark. Deadlock detection (checkdead) reports a goroutine parked on a
 * Blocker only if no thread outside the goroutines could still wake it, which it asks here.
 * Implementations set a flag, once, when a thread outside the goroutines (a platform thread, or a
 * virtual thread of the JDK's own scheduler: Proc.outsideGoroutines) creates or operates on them;
 * that flag never clears.
 */
interface Blocker {
    /** True if a thread that is not a goroutine has created or used this object. */
    boolean touchedByPlatformThread();
}
