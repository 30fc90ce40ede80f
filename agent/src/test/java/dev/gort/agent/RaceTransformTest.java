package dev.gort.agent;

import dev.gort.agent.race.Reports;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The race rewrite on the bytecode shapes that break naive instrumentation: two-slot values,
 * uninitialised 'this' in constructors, every array kind, parked values followed by branches and
 * frames, synchronized methods that throw, calls with arguments and results, hand-overs to
 * executors, stages, virtual threads and fork/join, exceptions thrown through several frames. The rewritten class
 * is loaded in a fresh loader (so the JVM verifies it) and must compute what the original does,
 * single-threaded, without a report.
 */
class RaceTransformTest {
    /** The shapes; instantiated only in instrumented form. */
    public static final class Shapes implements IntSupplier {
        long l = 1;
        double d = 2.5;
        static long sl = 3;
        Object o;

        final class Inner { // its constructor stores this$0 before super()
            final int v;

            Inner(int v) {
                this.v = v + (int) l;
            }
        }

        @Override
        public int getAsInt() {
            long acc = 0;
            l += 2;
            d *= 2;
            sl++;
            acc += l + (long) d + sl;
            boolean[] z = {true};
            byte[] b = {1};
            char[] c = {'a'};
            short[] s = {2};
            int[] i = new int[3];
            long[] la = new long[2];
            float[] f = {1.5f};
            double[] da = {0.25};
            Object[] oa = new Object[1];
            for (int k = 0; k < 3; k++) {
                if ((k & 1) == 0) {
                    i[k] = k * 7;
                    la[k & 1] = la[k & 1] + k;
                } else {
                    oa[0] = "x" + k;
                    da[0] = da[0] + k;
                }
            }
            z[0] = !z[0];
            b[0]++;
            c[0]++;
            s[0] += 3;
            f[0] *= 2;
            acc += (z[0] ? 1 : 0) + b[0] + c[0] + s[0] + i[2] + la[0] + (long) f[0] + (long) da[0]
                    + ((String) oa[0]).length();
            acc += new Inner(4).v;
            acc += locked(5) + staticLocked(6);
            try {
                throwsLocked();
            } catch (IllegalStateException e) {
                acc += 100;
            }
            AtomicLong al = new AtomicLong();
            acc += al.addAndGet(10L);
            ConcurrentHashMap<String, Integer> m = new ConcurrentHashMap<>();
            m.put("k", 1);
            acc += m.merge("k", 2, Integer::sum);
            ReentrantLock lock = new ReentrantLock();
            Condition cond = lock.newCondition();
            lock.lock();
            try {
                acc += cond.awaitNanos(1) <= 0 ? 1 : 0;
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            } finally {
                lock.unlock();
            }
            long[] box = {0};
            Thread t = new Thread(() -> box[0] = 42);
            t.start();
            try {
                t.join();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            acc += box[0];
            acc += handOvers();
            synchronized (this) {
                o = "done";
            }
            return (int) acc;
        }

        /** Executors, stages, virtual threads, fork/join: the hand-over rewrites, on every shape of call. */
        int handOvers() {
            int acc = 0;
            try (java.util.concurrent.ExecutorService ex = java.util.concurrent.Executors.newFixedThreadPool(1)) {
                acc += ex.submit(() -> 1).get();
                java.util.List<java.util.concurrent.Callable<Integer>> tasks = java.util.List.of(() -> 2, () -> 3);
                acc += ex.invokeAll(tasks).get(1).get();
                java.util.concurrent.CompletableFuture<Integer> f =
                        java.util.concurrent.CompletableFuture.supplyAsync(() -> 4, ex);
                acc += f.thenCombine(f.thenApply(v -> v + 1), Integer::sum).thenCompose(
                        v -> java.util.concurrent.CompletableFuture.completedFuture(v * 2)).join();
            } catch (InterruptedException | java.util.concurrent.ExecutionException e) {
                throw new IllegalStateException(e);
            }
            long[] box = {0};
            try {
                Thread.ofVirtual().start(() -> box[0] = 5).join();
                Thread.startVirtualThread(() -> box[0] += 1).join();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            acc += (int) box[0];
            acc += java.util.concurrent.ForkJoinPool.commonPool().invoke(new Halve(64));
            acc += invokeAll(java.util.List.of("ab", "c")); // named like a hand-over, but not one
            try {
                deep(3);
            } catch (IllegalArgumentException e) { // thrown three calls down (RaceIT checks the stack after it)
                acc += e.getMessage().length();
            }
            return acc;
        }

        /** An application's method named as ForkJoinTask's, over a collection that holds no tasks. */
        static int invokeAll(java.util.Collection<String> names) {
            int n = 0;
            for (String s : names) {
                n += s.length();
            }
            return n;
        }

        /** A RecursiveTask: its compute() gets the fork/join hooks. */
        public static final class Halve extends java.util.concurrent.RecursiveTask<Integer> {
            final int n;

            Halve(int n) {
                this.n = n;
            }

            @Override
            protected Integer compute() {
                if (n <= 1) {
                    return n;
                }
                Halve a = new Halve(n / 2), b = new Halve(n - n / 2);
                a.fork();
                return b.compute() + a.join();
            }
        }

        private static int deep(int n) {
            if (n == 0) {
                throw new IllegalArgumentException("bottom");
            }
            return deep(n - 1) + 1;
        }

        synchronized int locked(int x) {
            return x + (int) l;
        }

        static synchronized int staticLocked(int x) {
            return x + (int) sl;
        }

        synchronized void throwsLocked() {
            throw new IllegalStateException("from a synchronized method");
        }
    }

    private static byte[] bytes(String name) throws IOException {
        try (InputStream in = RaceTransformTest.class.getResourceAsStream("/" + name.replace('.', '/') + ".class")) {
            return in.readAllBytes();
        }
    }

    @Test
    @Timeout(30)
    void instrumentedShapesVerifyAndComputeTheSame() throws Exception {
        Transformer tr = new Transformer(AgentOptions.parse("race,preempt"), null);
        String outer = Shapes.class.getName();
        Map<String, byte[]> defs = new HashMap<>();
        ClassLoader l = new ClassLoader(RaceTransformTest.class.getClassLoader()) {
            @Override
            protected Class<?> loadClass(String n, boolean resolve) throws ClassNotFoundException {
                synchronized (getClassLoadingLock(n)) {
                    if (n.startsWith(outer)) {
                        Class<?> c = findLoadedClass(n);
                        if (c == null) {
                            byte[] b;
                            try {
                                b = tr.instrument(bytes(n), n.replace('.', '/'), this);
                            } catch (IOException e) {
                                throw new ClassNotFoundException(n, e);
                            }
                            defs.put(n, b);
                            c = defineClass(n, b, 0, b.length);
                        }
                        return c;
                    }
                    return super.loadClass(n, resolve);
                }
            }
        };
        int expected = new Shapes().getAsInt();
        Shapes.sl = 3; // the original run bumped the static
        long racesBefore = Reports.detected();
        IntSupplier instrumented = (IntSupplier) Class.forName(outer, true, l).getConstructor().newInstance();
        assertEquals(expected, instrumented.getAsInt());
        assertEquals(racesBefore, Reports.detected(), "single-threaded code has no race");
        assertEquals(0, dev.gort.agent.race.RaceRuntime.depth(dev.gort.agent.race.RaceRuntime.enter()),
                "every instrumented call returned to its caller's depth");
        Map<String, Integer> hooks = hooks(defs.get(outer));
        for (String h : new String[] {"read", "write", "readStatic", "writeStatic", "readArray", "writeArray",
                "acquire", "release", "newCondition", "threadStart", "threadJoin", "enter", "depth", "call", "ret",
                "submission", "arg", "submitted", "closed", "builderStart", "startVirtualThread"}) {
            assertTrue(hooks.getOrDefault(h, 0) > 0, "no " + h + " hook in " + hooks);
        }
        Map<String, Integer> halve = hooks(defs.get(Shapes.Halve.class.getName()));
        for (String h : new String[] {"computeBegin", "computeEnd", "fork", "joined"}) {
            assertTrue(halve.getOrDefault(h, 0) > 0, "no " + h + " hook in " + halve);
        }
    }

    /** RaceRuntime calls per method name in a class file. */
    private static Map<String, Integer> hooks(byte[] b) {
        Map<String, Integer> n = new HashMap<>();
        new ClassReader(b).accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public MethodVisitor visitMethod(int acc, String name, String desc, String sig, String[] ex) {
                return new MethodVisitor(Opcodes.ASM9) {
                    @Override
                    public void visitMethodInsn(int op, String owner, String m, String d, boolean itf) {
                        if (owner.equals("dev/gort/agent/race/RaceRuntime")) {
                            n.merge(m, 1, Integer::sum);
                        }
                    }
                };
            }
        }, 0);
        return n;
    }
}
