package dev.gort.bench;

import dev.gort.sync.Mutex;
import dev.gort.sync.RWMutex;
import dev.gort.sync.WaitGroup;
import dev.gort.time.Time;
import java.time.Duration;

/**
 * gort's side of the issue-4 rows: {@code dev.gort.sync} and {@code dev.gort.time}. newTimer's
 * timers are Go's channel timers ({@code Time.newTimer}); the callback argument is not used by them.
 */
final class GortSync implements SyncPrims {
    @Override
    public Lock newMutex() {
        Mutex m = new Mutex();
        return new Lock() {
            @Override
            public void lock() {
                m.lock();
            }

            @Override
            public void unlock() {
                m.unlock();
            }
        };
    }

    @Override
    public RW newRWMutex() {
        RWMutex m = new RWMutex();
        return new RW() {
            @Override
            public void rlock() {
                m.rLock();
            }

            @Override
            public void runlock() {
                m.rUnlock();
            }

            @Override
            public void lock() {
                m.lock();
            }

            @Override
            public void unlock() {
                m.unlock();
            }
        };
    }

    @Override
    public WG newWaitGroup() {
        WaitGroup wg = new WaitGroup();
        return new WG() {
            @Override
            public void add(int n) {
                wg.add(n);
            }

            @Override
            public void done() {
                wg.done();
            }

            @Override
            public void await() {
                wg.await();
            }
        };
    }

    @Override
    public Once newOnce() {
        dev.gort.sync.Once o = new dev.gort.sync.Once();
        return o::run;
    }

    @Override
    public Timer afterFunc(Duration d, Runnable fn) {
        return wrap(Time.afterFunc(d, fn));
    }

    @Override
    public Timer newTimer(Duration d, Runnable fn) {
        return wrap(Time.newTimer(d));
    }

    private static Timer wrap(dev.gort.time.Timer t) {
        return new Timer() {
            @Override
            public void reset(Duration d2) {
                t.reset(d2);
            }

            @Override
            public void stop() {
                t.stop();
            }
        };
    }

    @Override
    public void sleep(Duration d) {
        Time.sleep(d);
    }
}
