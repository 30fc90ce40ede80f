package dev.gort;

import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.lang.reflect.Member;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * docs/design.md names only what exists: every file it quotes is in the tree, every package it
 * quotes has a folder, and every {@code Class.member} it quotes (in backticks or in its code blocks)
 * is declared by a class of that name, gort's or the JDK's. A reader follows the map from Go.go to
 * goexit and finds each step; a rename that forgets the map fails here.
 */
class DesignDocTest {
    /** Class.member, Class.Nested.member: a capitalised name followed by dotted names. */
    private static final Pattern QUALIFIED = Pattern.compile("(?<![\\w.-])([A-Z]\\w*)((?:\\.\\w+)+)");
    /** A quoted source file, with the folders it names: runtime/Proc.java, ../Go.java. */
    private static final Pattern FILE = Pattern.compile("[\\w./-]*\\w+\\.java");
    /** JDK packages whose classes design.md names by their simple name. */
    private static final List<String> JDK = List.of("java.lang.", "java.util.", "java.util.concurrent.",
            "java.util.concurrent.locks.", "java.lang.invoke.");

    @Test
    void everyFilePackageAndNameItQuotesExists() throws IOException {
        Path doc = ImportLayersTest.findUp(Path.of("docs", "design.md"));
        Path root = doc.getParent().getParent();
        String text = Files.readString(doc);
        Sources src = Sources.under(root);

        List<String> quoted = new ArrayList<>();
        Matcher fence = Pattern.compile("```\\n(.*?)```", Pattern.DOTALL).matcher(text);
        List<String> blocks = new ArrayList<>();
        while (fence.find()) {
            blocks.add(fence.group(1));
        }
        Matcher tick = Pattern.compile("`([^`\\n]+)`").matcher(text.replaceAll("(?s)```.*?```", ""));
        while (tick.find()) {
            quoted.add(tick.group(1));
        }
        assertTrue(quoted.size() > 100, "too few quoted names: " + quoted.size());

        List<String> problems = new ArrayList<>();
        for (String q : quoted) {
            if (q.contains("*") || q.startsWith("-")) {
                continue; // a glob (../sync/*.java) or a command-line flag
            }
            Matcher f = FILE.matcher(q);
            while (f.find()) {
                if (!src.hasFile(f.group().replace("../", ""))) {
                    problems.add("file " + f.group());
                }
            }
            Matcher full = Pattern.compile("(dev\\.gort(?:\\.[a-z]\\w*)*)\\.([A-Z]\\w*)").matcher(q);
            if (full.lookingAt() && src.declaring(full.group(2)).isEmpty()) {
                problems.add("class " + full.group());
            }
            if (q.matches("dev\\.gort(\\.[a-z]\\w*)*\\.?")) {
                String pkg = q.endsWith(".") ? q.substring(0, q.length() - 1) : q;
                if (!src.hasPackage(pkg)) {
                    problems.add("package " + pkg);
                }
                continue;
            }
            checkQualified(FILE.matcher(q).replaceAll(""), src, problems);
        }
        for (String b : blocks) {
            checkQualified(b, src, problems);
        }
        if (!problems.isEmpty()) {
            fail("docs/design.md quotes what the tree does not have:\n  " + String.join("\n  ", problems));
        }
    }

    private static void checkQualified(String s, Sources src, List<String> problems) {
        Matcher m = QUALIFIED.matcher(s.replaceAll("(?<=\\w)\\([^)]*\\)", "")); // a call's arguments: Go.go(fn)
        while (m.find()) {
            String cls = m.group(1);
            String[] rest = m.group(2).substring(1).split("\\.");
            List<String> texts = src.declaring(cls);
            if (texts.isEmpty()) {
                Class<?> jdk = jdkClass(cls);
                if (jdk == null) {
                    problems.add("class " + cls + " (in " + m.group() + ")");
                } else if (!jdkHas(jdk, rest[0])) {
                    problems.add("member " + m.group());
                }
                continue;
            }
            for (String name : rest) {
                if (!texts.stream().anyMatch(t -> declares(t, name))) {
                    problems.add("member " + m.group() + " (" + name + ")");
                    break;
                }
            }
        }
    }

    private static Class<?> jdkClass(String simple) {
        for (String p : JDK) {
            try {
                return Class.forName(p + simple, false, ClassLoader.getPlatformClassLoader());
            } catch (ClassNotFoundException e) {
                // try the next package
            }
        }
        return null;
    }

    private static boolean jdkHas(Class<?> c, String name) {
        return Stream.of(c.getMethods(), c.getDeclaredMethods(), c.getFields())
                .flatMap(Arrays::stream).map(Member::getName).anyMatch(name::equals);
    }

    /** Whether source text t (comments removed) declares name: a method, field, type or enum constant. */
    static boolean declares(String t, String name) {
        String n = Pattern.quote(name);
        return Pattern.compile("[\\w>\\]]\\s+" + n + "\\s*[(=;,]").matcher(t).find()
                || Pattern.compile("(class|interface|enum|record)\\s+" + n + "\\b").matcher(t).find()
                || Pattern.compile("(?m)^\\s*" + n + "\\s*[(,;]").matcher(t).find()
                || Pattern.compile("record\\s+\\w+\\s*\\([^)]*\\b" + n + "\\b").matcher(t).find();
    }

    /**
     * The Java sources of every module (main and test; paths with '/'), and the comment-free texts
     * of the files that declare each type name (top-level or nested).
     */
    record Sources(List<String> files, Map<String, List<String>> types) {
        private static final Pattern TYPE = Pattern.compile("\\b(?:class|interface|enum|record)\\s+(\\w+)");

        static Sources under(Path root) throws IOException {
            List<Path> paths = new ArrayList<>();
            try (Stream<Path> modules = Files.list(root)) {
                for (Path src : modules.map(m -> m.resolve("src")).filter(Files::isDirectory).toList()) {
                    try (Stream<Path> s = Files.walk(src)) {
                        s.filter(p -> p.toString().endsWith(".java")).forEach(paths::add);
                    }
                }
            }
            List<String> files = new ArrayList<>();
            Map<String, List<String>> types = new HashMap<>();
            for (Path f : paths) {
                files.add(f.toString().replace(File.separatorChar, '/'));
                String t = Files.readString(f).replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("//[^\\n]*", "");
                Matcher m = TYPE.matcher(t);
                while (m.find()) {
                    List<String> ts = types.computeIfAbsent(m.group(1), k -> new ArrayList<>());
                    if (!ts.contains(t)) {
                        ts.add(t);
                    }
                }
            }
            return new Sources(files, types);
        }

        boolean hasFile(String rel) {
            return files.stream().anyMatch(p -> p.endsWith("/" + rel));
        }

        boolean hasPackage(String pkg) {
            String dir = "/src/main/java/" + pkg.replace('.', '/') + "/";
            return files.stream().anyMatch(p -> p.contains(dir));
        }

        /** The texts of the files that declare a type named simple. */
        List<String> declaring(String simple) {
            return types.getOrDefault(simple, List.of());
        }
    }
}
