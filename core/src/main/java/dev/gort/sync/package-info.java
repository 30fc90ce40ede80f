/**
 * Go's {@code sync} package for goroutines: {@link dev.gort.sync.Mutex},
 * {@link dev.gort.sync.RWMutex}, {@link dev.gort.sync.WaitGroup}, {@link dev.gort.sync.Once},
 * {@link dev.gort.sync.Cond} and the {@link dev.gort.sync.Locker} interface. Go's
 * {@code x/sync/errgroup} is {@link dev.gort.errgroup.Group}, in its own package as in Go.
 *
 * <p>Every blocking operation parks the goroutine through gort's runtime semaphore (Go's
 * {@code runtime/sema.go}), so goroutine dumps show Go's wait reasons ({@code sync.Mutex.Lock},
 * {@code sync.RWMutex.RLock}, {@code sync.RWMutex.Lock}, {@code sync.WaitGroup.Wait},
 * {@code sync.Cond.Wait}), the scheduler runs other goroutines meanwhile, and the deadlock detector
 * and race detector see the edges. They also work from plain platform threads.
 *
 * <p>Misuse follows Go: unlocking an unlocked {@code Mutex} or {@code RWMutex} is a fatal error
 * ({@link dev.gort.FatalError}, reported on stderr, ending every active {@code Go.run}); a negative
 * {@code WaitGroup} counter is a panic ({@link dev.gort.Panic}).
 *
 * <h2>Atomics: use java.util.concurrent.atomic</h2>
 * gort does not re-implement Go's {@code sync/atomic}. Every Go atomic operation is sequentially
 * consistent, which is what the JDK's plain {@code get}/{@code set} (volatile mode) and
 * read-modify-write methods give:
 * <table>
 *   <caption>Go's sync/atomic in Java</caption>
 *   <tr><th>Go</th><th>Java</th></tr>
 *   <tr><td>{@code var n atomic.Int64} / {@code var n int64}</td><td>{@code AtomicLong n = new AtomicLong()}</td></tr>
 *   <tr><td>{@code atomic.AddInt64(&n, d)} (returns the new value)</td><td>{@code n.addAndGet(d)}</td></tr>
 *   <tr><td>{@code atomic.LoadInt64(&n)}</td><td>{@code n.get()}</td></tr>
 *   <tr><td>{@code atomic.StoreInt64(&n, v)}</td><td>{@code n.set(v)}</td></tr>
 *   <tr><td>{@code atomic.SwapInt64(&n, v)}</td><td>{@code n.getAndSet(v)}</td></tr>
 *   <tr><td>{@code atomic.CompareAndSwapInt64(&n, old, v)}</td><td>{@code n.compareAndSet(old, v)}</td></tr>
 *   <tr><td>{@code atomic.AndInt64 / OrInt64} (return the old value)</td><td>{@code n.getAndAccumulate(m, (a, b) -> a & b)} / {@code (a | b)}</td></tr>
 *   <tr><td>{@code int32}, {@code uint32} variants</td><td>{@code AtomicInteger} (unsigned: {@code Integer.toUnsignedLong})</td></tr>
 *   <tr><td>{@code atomic.Bool}</td><td>{@code AtomicBoolean}</td></tr>
 *   <tr><td>{@code atomic.Pointer[T]}, {@code atomic.Value}</td><td>{@code AtomicReference<T>}</td></tr>
 *   <tr><td>an atomic field in a struct, many instances</td><td>a {@code volatile} field with a {@code VarHandle} or {@code AtomicLongFieldUpdater}</td></tr>
 * </table>
 * Do not use {@code lazySet}/{@code setRelease}/{@code getAcquire}/{@code getPlain} or
 * {@code weakCompareAndSet*} variants as translations: they are weaker than Go's guarantees.
 * gort's race detector (the agent's race mode) treats accesses through these classes as synchronizing, as Go's
 * treats {@code sync/atomic}.
 */
package dev.gort.sync;
