package dev.gort.agent;

import dev.gort.agent.race.RaceRuntime;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.security.ProtectionDomain;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;

/*
 * Transformer: the agent's ClassFileTransformer. For each class the filter accepts (AgentOptions)
 * and whose loader can see gort, it runs ASM over the class file with the mode's method visitors
 * and returns the new bytes; otherwise it returns null (unchanged).
 *
 * Invariants
 * ----------
 *  - A transformer must never break the application: any failure to instrument a class leaves the
 *    class as it was and prints one warning.
 *  - Classes whose loader cannot see dev.gort.Go (and, in race mode, this agent) are left alone:
 *    the inserted calls would fail with NoClassDefFoundError.
 *  - A class in a named module gets a reads edge to gort's module and to the agent's (unnamed)
 *    module before its new code runs (Instrumentation.redefineModule), so the inserted calls link.
 *  - Only COMPUTE_MAXS is asked of ClassWriter, never COMPUTE_FRAMES: computing frames needs the
 *    common super class of two types, that is loading classes from inside a transformer. The race
 *    visitor's new locals are placed by LocalVariablesSorter, which rewrites the (expanded) frames.
 */
final class Transformer implements ClassFileTransformer {
    private final AgentOptions options;
    private final Instrumentation inst;
    /** Per class loader: can it see gort and the agent? Guarded by itself. */
    private final Map<ClassLoader, Boolean> sees = new WeakHashMap<>();

    Transformer(AgentOptions options, Instrumentation inst) {
        this.options = options;
        this.inst = inst;
    }

    @Override
    public byte[] transform(Module module, ClassLoader loader, String className, Class<?> redefined,
                            ProtectionDomain pd, byte[] bytes) {
        if (loader == null || redefined != null || !options.shouldInstrument(className)) {
            return null;
        }
        try {
            if (!canSeeGort(loader)) {
                return null;
            }
            if (module != null && module.isNamed()) {
                addReads(module, loader);
            }
            return instrument(bytes, className, loader);
        } catch (Throwable t) {
            System.err.println("gort agent: left " + className.replace('/', '.') + " uninstrumented: " + t);
            return null;
        }
    }

    /** Runs the mode's visitors over one class file. Visible for the agent's tests. */
    byte[] instrument(byte[] bytes, String className) {
        return instrument(bytes, className, null);
    }

    /** As above, for a class defined by loader (race sites resolve fields through it). */
    byte[] instrument(byte[] bytes, String className, ClassLoader loader) {
        ClassReader cr = new ClassReader(bytes);
        boolean race = options.race;
        Set<String> callers = (options.preempt && options.methodEntry) || race ? callers(cr) : Set.of();
        ClassWriter cw = race ? new ClassWriter(ClassWriter.COMPUTE_MAXS) : new ClassWriter(cr, 0);
        int[] count = new int[1];
        ClassVisitor cv = new ClassVisitor(Opcodes.ASM9, cw) {
            private String source;

            @Override
            public void visitSource(String file, String debug) {
                source = file;
                super.visitSource(file, debug);
            }

            @Override
            public MethodVisitor visitMethod(int access, String name, String desc, String sig, String[] exc) {
                MethodVisitor mv = super.visitMethod(access, name, desc, sig, exc);
                if ((access & (Opcodes.ACC_ABSTRACT | Opcodes.ACC_NATIVE)) != 0) {
                    return mv;
                }
                if (options.preempt) {
                    boolean entry = options.methodEntry && (access & Opcodes.ACC_BRIDGE) == 0
                            && callers.contains(name + desc);
                    mv = new PreemptMethodVisitor(mv, entry, count);
                }
                if (race) {
                    mv = new RaceMethodVisitor(mv, access, name, desc, loader, className, source,
                            callers.contains(name + desc));
                }
                return mv;
            }
        };
        cr.accept(cv, race ? ClassReader.EXPAND_FRAMES : 0);
        if (options.verbose) {
            System.err.println("gort agent: instrumented " + className.replace('/', '.')
                    + (options.preempt ? " (" + count[0] + " safe points)" : ""));
        }
        return cw.toByteArray();
    }

    /**
     * The methods (name + descriptor) that call something. Only they get an entry safe point: a
     * leaf method runs for a bounded time between its back-edges, which have their own, so its
     * entry check would only cost (Go's small leaf functions skip the prologue check likewise).
     * In race mode only they keep the shadow stack's entry locals: a leaf never moves it.
     */
    private static Set<String> callers(ClassReader cr) {
        Set<String> out = new java.util.HashSet<>();
        cr.accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String desc, String sig, String[] exc) {
                String key = name + desc;
                return new MethodVisitor(Opcodes.ASM9) {
                    @Override
                    public void visitMethodInsn(int op, String owner, String n, String d, boolean itf) {
                        out.add(key);
                    }

                    @Override
                    public void visitInvokeDynamicInsn(String n, String d, org.objectweb.asm.Handle bsm, Object... args) {
                        out.add(key);
                    }
                };
            }
        }, ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
        return out;
    }

    private boolean canSeeGort(ClassLoader loader) {
        synchronized (sees) {
            Boolean b = sees.get(loader);
            if (b == null) {
                b = sameClass(loader, "dev.gort.Go", dev.gort.Go.class)
                        && (!options.race || sameClass(loader, RaceRuntime.class.getName(), RaceRuntime.class));
                sees.put(loader, b);
            }
            return b;
        }
    }

    private static boolean sameClass(ClassLoader loader, String name, Class<?> expected) {
        try {
            return Class.forName(name, false, loader) == expected;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    private void addReads(Module module, ClassLoader loader) {
        Module gort = dev.gort.Go.class.getModule();
        Module agent = Agent.class.getModule();
        Set<Module> extra = new java.util.HashSet<>();
        if (!module.canRead(gort)) {
            extra.add(gort);
        }
        if (options.race && !module.canRead(agent)) {
            extra.add(agent);
        }
        if (!extra.isEmpty()) {
            inst.redefineModule(module, extra, Map.of(), Map.of(), Set.of(), Map.of());
        }
    }
}
