package dev.gort.agent.race;

import java.lang.ref.WeakReference;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Arrays;

/**
 * The instrumented access sites. The transformer registers one Site per field or array access it
 * rewrites and passes its index to the runtime as an int constant, so the hot path carries no
 * strings and a report can name the previous access's source line (Go's race runtime gets the
 * same from a pc).
 *
 * A field site is resolved to its field on first execution (lazily, by reflection, because the
 * transformer cannot load classes): the declaring class, and whether the field is volatile
 * (then the access synchronises instead of being checked) or final (then it is not checked).
 */
public final class Sites {
    private Sites() {}

    /** Site kinds: accesses, and calls (frames of the shadow call stack). */
    public static final int READ = 0, WRITE = 1, CALL = 2;

    /** All sites, by id. Copy-on-write under Sites.class; read racily (a site is published before its id). */
    private static volatile Site[] sites = new Site[256];
    private static int count;

    /** Registers a site; returns its id. Called by the transformer. */
    public static synchronized int register(ClassLoader loader, String cls, String method, String file, int line,
                                            int kind, String fieldOwner, String fieldName) {
        if (count == sites.length) {
            sites = Arrays.copyOf(sites, count * 2);
        }
        Site s = new Site(count, loader, cls.replace('/', '.'), method, file, line, kind,
                fieldOwner == null ? null : fieldOwner.replace('/', '.'), fieldName);
        Site[] a = sites;
        a[count] = s;
        sites = a; // volatile write publishes the new entry
        return count++;
    }

    static Site get(int id) {
        return sites[id];
    }

    /** One instrumented access. Immutable but for the lazily resolved field. */
    static final class Site {
        final int id;
        final String cls, method, file;
        final int line, kind;
        final String fieldOwner, fieldName;
        private final WeakReference<ClassLoader> loader;
        /** Resolved on first use; a benign race resolves it twice to equal values. */
        private FieldInfo field;

        Site(int id, ClassLoader loader, String cls, String method, String file, int line, int kind,
             String fieldOwner, String fieldName) {
            this.id = id;
            this.loader = new WeakReference<>(loader);
            this.cls = cls;
            this.method = method;
            this.file = file;
            this.line = line;
            this.kind = kind;
            this.fieldOwner = fieldOwner;
            this.fieldName = fieldName;
        }

        FieldInfo field() {
            FieldInfo f = field;
            if (f == null) {
                field = f = FieldInfo.resolve(loader.get(), fieldOwner, fieldName);
            }
            return f;
        }

        /** The frame of this site in a report, as Go prints one: function, then file:line. */
        String frame() {
            return "  " + cls + "." + method + "()\n      " + (file != null ? file : cls) + ":" + line + "\n";
        }
    }

    /** A resolved field: how the detector treats accesses to it. */
    static final class FieldInfo {
        static final FieldInfo UNKNOWN = new FieldInfo(null, null, false, true, false);
        /** The declaring class and name, as one identity (for static fields' shadows). */
        final String key;
        /** The declaring class's binary name, '.', the field's name: what reports print. */
        final String name;
        final boolean isVolatile, isFinal, isStatic;

        FieldInfo(String key, String name, boolean isVolatile, boolean isFinal, boolean isStatic) {
            this.key = key;
            this.name = name;
            this.isVolatile = isVolatile;
            this.isFinal = isFinal;
            this.isStatic = isStatic;
        }

        /** Canonical FieldInfo per field, so that one field has one identity in the shadows. */
        private static final java.util.concurrent.ConcurrentHashMap<String, FieldInfo> CANON =
                new java.util.concurrent.ConcurrentHashMap<>();

        /** Finds owner.name in owner or its supertypes. UNKNOWN (never checked) if that fails. */
        static FieldInfo resolve(ClassLoader loader, String owner, String name) {
            try {
                for (Class<?> c = Class.forName(owner, false, loader); c != null; c = c.getSuperclass()) {
                    Field f = find(c, name);
                    if (f != null) {
                        int m = f.getModifiers();
                        String key = f.getDeclaringClass().getName() + "." + name + "@"
                                + Integer.toHexString(System.identityHashCode(f.getDeclaringClass()));
                        String shown = f.getDeclaringClass().getName() + "." + name;
                        return CANON.computeIfAbsent(key, k -> new FieldInfo(k, shown, Modifier.isVolatile(m),
                                Modifier.isFinal(m), Modifier.isStatic(m)));
                    }
                }
            } catch (ClassNotFoundException | LinkageError e) {
                // fall through: a field we cannot see is not checked
            }
            return UNKNOWN;
        }

        private static Field find(Class<?> c, String name) {
            try {
                return c.getDeclaredField(name);
            } catch (NoSuchFieldException e) {
                for (Class<?> i : c.getInterfaces()) {
                    Field f = find(i, name);
                    if (f != null) {
                        return f;
                    }
                }
                return null;
            }
        }
    }
}
