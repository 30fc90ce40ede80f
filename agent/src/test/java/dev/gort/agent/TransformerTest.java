package dev.gort.agent;

import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The preempt rewrite: where the safe points go, and that the rewritten code still verifies and computes the same. */
class TransformerTest {
    /** Loops of every shape javac emits, plus a constructor. Loaded only in its instrumented form. */
    public static final class Loops {
        final int base;

        public Loops(int base) {
            this.base = base; // entry safe point runs before super(): legal, it touches no 'this'
        }

        public static int straight(int a) { // a leaf: no safe point at all
            return a + 1;
        }

        public static int caller(int a) { // calls: an entry safe point
            return straight(a) * 2;
        }

        public static int whileLoop(int n) { // a leaf with one back-edge
            int s = 0, i = 0;
            while (i < n) {
                s += i++;
            }
            return s;
        }

        public static long nested(int n) { // two back-edges
            long s = 0;
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < i; j++) {
                    s += (long) i * j;
                }
            }
            return s;
        }

        public static int doWhile(int n) { // back-edge with operands on the stack (if_icmplt)
            int i = 0;
            do {
                i += 3;
            } while (i < n);
            return i;
        }

        public int withBase(int n) {
            int s = base;
            for (int x : new int[] {n, n, n}) {
                s += x;
            }
            return s;
        }
    }

    private static byte[] bytes(Class<?> c) throws IOException {
        try (InputStream in = c.getResourceAsStream("/" + c.getName().replace('.', '/') + ".class")) {
            return in.readAllBytes();
        }
    }

    private static Map<String, Integer> safePoints(byte[] b) {
        Map<String, Integer> n = new HashMap<>();
        new ClassReader(b).accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public MethodVisitor visitMethod(int acc, String name, String desc, String sig, String[] ex) {
                n.put(name, 0);
                return new MethodVisitor(Opcodes.ASM9) {
                    @Override
                    public void visitMethodInsn(int op, String owner, String mname, String mdesc, boolean itf) {
                        if (owner.equals("dev/gort/Go") && mname.equals("checkPreempt")) {
                            n.merge(name, 1, Integer::sum);
                        }
                    }
                };
            }
        }, 0);
        return n;
    }

    /** Defines b in a fresh loader, so the JVM verifies the rewritten code. */
    private static Class<?> define(String name, byte[] b) throws ClassNotFoundException {
        ClassLoader l = new ClassLoader(TransformerTest.class.getClassLoader()) {
            @Override
            protected Class<?> loadClass(String n, boolean resolve) throws ClassNotFoundException {
                synchronized (getClassLoadingLock(n)) {
                    if (n.equals(name)) {
                        Class<?> c = findLoadedClass(n);
                        return c != null ? c : defineClass(n, b, 0, b.length);
                    }
                    return super.loadClass(n, resolve);
                }
            }
        };
        return Class.forName(name, true, l);
    }

    @Test
    void safePointsAtEntriesAndBackEdges() throws Exception {
        String internal = Loops.class.getName().replace('.', '/');
        byte[] out = new Transformer(AgentOptions.parse("preempt"), null).instrument(bytes(Loops.class), internal);
        Map<String, Integer> n = safePoints(out);
        assertEquals(1, n.get("<init>"), "calls super()");
        assertEquals(0, n.get("straight"), "a leaf");
        assertEquals(1, n.get("caller"));
        assertEquals(1, n.get("whileLoop"), "a leaf: its back-edge only");
        assertEquals(2, n.get("nested"));
        assertEquals(1, n.get("doWhile"));
        assertEquals(1, n.get("withBase"));

        byte[] noEntry = new Transformer(AgentOptions.parse("preempt,entry=false"), null).instrument(bytes(Loops.class), internal);
        Map<String, Integer> m = safePoints(noEntry);
        assertEquals(0, m.get("caller"));
        assertEquals(0, m.get("<init>"));
        assertEquals(2, m.get("nested"));
    }

    @Test
    void instrumentedCodeVerifiesAndComputesTheSame() throws Exception {
        String internal = Loops.class.getName().replace('.', '/');
        byte[] out = new Transformer(AgentOptions.parse("preempt"), null).instrument(bytes(Loops.class), internal);
        Class<?> c = define(Loops.class.getName(), out);
        assertEquals(Loops.whileLoop(100), (int) c.getMethod("whileLoop", int.class).invoke(null, 100));
        assertEquals(Loops.nested(50), (long) c.getMethod("nested", int.class).invoke(null, 50));
        assertEquals(Loops.doWhile(10), (int) c.getMethod("doWhile", int.class).invoke(null, 10));
        Object o = c.getConstructor(int.class).newInstance(7);
        Method wb = c.getMethod("withBase", int.class);
        assertEquals(new Loops(7).withBase(5), (int) wb.invoke(o, 5));
    }
}
