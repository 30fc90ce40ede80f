package dev.gort.bench;

import java.time.Duration;
import java.util.concurrent.Phaser;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The sync and time operations the issue-4 rows use, over gort's {@code dev.gort.sync} /
 * {@code dev.gort.time} and over their JDK peers, so each row is written once. A fork runs one
 * implementation, so the calls stay monomorphic.
 */
interface SyncPrims {
    Lock newMutex();

    RW newRWMutex();

    WG newWaitGroup();

    Once newOnce();

    /** Runs fn once after d, on the runtime's timers (Go's AfterFunc); the timer can be stopped. */
    Timer afterFunc(Duration d, Runnable fn);

    /** A timer firing after d, to be reset or stopped (gort's: Go's channel timer, NewTimer). */
    Timer newTimer(Duration d, Runnable fn);

    void sleep(Duration d);

    /** Releases what the implementation holds (the JDK's timer executor). */
    default void close() {}

    interface Lock {
        void lock();

        void unlock();
    }

    interface RW extends Lock {
        void rlock();

        void runlock();
    }

    /** Go's WaitGroup: add, done, wait. */
    interface WG {
        void add(int n);

        void done();

        void await();
    }

    interface Once {
        void run(Runnable fn);
    }

    interface Timer {
        void reset(Duration d);

        void stop();
    }

    /**
     * The JDK's peers: {@code ReentrantLock}, {@code ReentrantReadWriteLock}, a {@code Phaser} as a
     * reusable WaitGroup, double-checked locking for Once, and a {@code ScheduledThreadPoolExecutor}
     * whose P workers are virtual threads on the JDK's default scheduler for timers (cancelled
     * tasks are removed, as Go's stopped timers are).
     */
    final class Jdk implements SyncPrims {
        private final ScheduledThreadPoolExecutor timers;

        Jdk(int procs) {
            timers = new ScheduledThreadPoolExecutor(procs, Thread.ofVirtual().name("stpe-", 0).factory());
            timers.setRemoveOnCancelPolicy(true);
        }

        @Override
        public Lock newMutex() {
            ReentrantLock l = new ReentrantLock();
            return new Lock() {
                @Override
                public void lock() {
                    l.lock();
                }

                @Override
                public void unlock() {
                    l.unlock();
                }
            };
        }

        @Override
        public RW newRWMutex() {
            ReentrantReadWriteLock l = new ReentrantReadWriteLock();
            ReentrantReadWriteLock.ReadLock r = l.readLock();
            ReentrantReadWriteLock.WriteLock w = l.writeLock();
            return new RW() {
                @Override
                public void rlock() {
                    r.lock();
                }

                @Override
                public void runlock() {
                    r.unlock();
                }

                @Override
                public void lock() {
                    w.lock();
                }

                @Override
                public void unlock() {
                    w.unlock();
                }
            };
        }

        @Override
        public WG newWaitGroup() {
            // One party for the waiter; add registers parties, done deregisters one, await
            // arrives as the waiter and waits for the phase to advance. Never terminates.
            Phaser ph = new Phaser(1) {
                @Override
                protected boolean onAdvance(int phase, int parties) {
                    return false;
                }
            };
            return new WG() {
                @Override
                public void add(int n) {
                    ph.bulkRegister(n);
                }

                @Override
                public void done() {
                    ph.arriveAndDeregister();
                }

                @Override
                public void await() {
                    ph.arriveAndAwaitAdvance();
                }
            };
        }

        @Override
        public Once newOnce() {
            return new Once() {
                private volatile boolean done;
                private final ReentrantLock m = new ReentrantLock();

                @Override
                public void run(Runnable fn) {
                    if (!done) {
                        m.lock();
                        try {
                            if (!done) {
                                try {
                                    fn.run();
                                } finally {
                                    done = true;
                                }
                            }
                        } finally {
                            m.unlock();
                        }
                    }
                }
            };
        }

        @Override
        public Timer afterFunc(Duration d, Runnable fn) {
            return newTimer(d, fn);
        }

        @Override
        public Timer newTimer(Duration d, Runnable fn) {
            return new Timer() {
                private ScheduledFuture<?> f = timers.schedule(fn, d.toNanos(), TimeUnit.NANOSECONDS);

                @Override
                public void reset(Duration d2) {
                    f.cancel(false);
                    f = timers.schedule(fn, d2.toNanos(), TimeUnit.NANOSECONDS);
                }

                @Override
                public void stop() {
                    f.cancel(false);
                }
            };
        }

        @Override
        public void sleep(Duration d) {
            try {
                Thread.sleep(d);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void close() {
            timers.shutdownNow();
        }
    }
}
