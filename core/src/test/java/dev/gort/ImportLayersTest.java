package dev.gort;

import org.junit.jupiter.api.Test;

import java.lang.classfile.ClassFile;
import java.lang.classfile.constantpool.ClassEntry;
import java.lang.classfile.constantpool.PoolEntry;
import java.lang.classfile.constantpool.Utf8Entry;
import java.net.URI;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * docs/design.md's house picture against the compiled classes: every class of gort-core is in a
 * row, references only rows below its own, and each row's arrows are exactly the rows its classes
 * reference. A reference is what the class file names in its constant pool (classes, and types in
 * descriptors and signatures), as jdeps reads it; javadoc links and inlined constants are none.
 */
class ImportLayersTest {
    /** A row of the picture: "dev.gort.x   description   -> a, b" or "dev.gort (errors)  ...  -> nothing". */
    private static final Pattern ROW = Pattern.compile("^(dev\\.gort[\\w.]*)(?: \\((\\w+)\\))?\\s.*->\\s*(.+)$");
    /** A class named in a descriptor or signature: Ldev/gort/...; or Ldev/gort/...<...>; */
    private static final Pattern DESCRIPTOR = Pattern.compile("L(dev/gort/[\\w/$]+)[;<]");

    record Row(String name, Set<String> arrows) {}

    @Test
    void everyClassImportsOnlyTheRowsBelowItAsDrawn() throws Exception {
        List<Row> rows = picture();
        Map<String, Integer> level = new LinkedHashMap<>();
        for (int i = 0; i < rows.size(); i++) {
            level.put(rows.get(i).name(), i); // 0 is the top
        }
        assertEquals(rows.size(), level.size(), "a row is drawn twice: " + rows);
        for (Row r : rows) {
            for (String a : r.arrows()) {
                assertTrue(level.containsKey(a), "design.md: row " + r.name() + " points at " + a + ", which is no row");
            }
        }

        Map<String, Set<String>> refs = references();
        assertTrue(refs.size() > 100, "too few classes found: " + refs.keySet());
        List<String> problems = new ArrayList<>();
        Map<String, Set<String>> actual = new TreeMap<>();
        for (var e : refs.entrySet()) {
            String from = rowOf(e.getKey());
            if (!level.containsKey(from)) {
                problems.add(e.getKey() + " is in no row of the picture (" + from + ")");
                continue;
            }
            for (String to : e.getValue()) {
                String toRow = rowOf(to);
                if (toRow.equals(from)) {
                    continue;
                }
                actual.computeIfAbsent(from, k -> new TreeSet<>()).add(toRow);
                Integer l = level.get(toRow);
                if (l != null && l <= level.get(from)) {
                    problems.add(e.getKey() + " -> " + to + ": row " + toRow + " is not below " + from);
                }
            }
        }
        for (Row r : rows) {
            Set<String> is = actual.getOrDefault(r.name(), Set.of());
            if (!is.equals(new TreeSet<>(r.arrows()))) {
                problems.add("row " + r.name() + " is drawn -> " + new TreeSet<>(r.arrows()) + " but imports " + is);
            }
        }
        if (!problems.isEmpty()) {
            fail("docs/design.md's house picture and the classes disagree:\n  " + String.join("\n  ", problems));
        }
    }

    /** The row a class belongs to: its package without "dev.gort."; the root package is Go and errors. */
    static String rowOf(String className) {
        int dot = className.lastIndexOf('.');
        String pkg = className.substring(0, dot);
        if (pkg.equals("dev.gort")) {
            String top = className.substring(dot + 1).split("\\$", 2)[0];
            return top.equals("Go") ? "Go" : "errors";
        }
        return pkg.startsWith("dev.gort.") ? pkg.substring("dev.gort.".length()) : pkg;
    }

    /** The rows of design.md's picture, top first. */
    static List<Row> picture() throws Exception {
        Path doc = findUp(Path.of("docs", "design.md"));
        List<String> lines = Files.readAllLines(doc);
        int at = lines.indexOf("## The house: packages and who may import whom");
        assertTrue(at >= 0, "design.md has no house section");
        int open = at + 1;
        while (!lines.get(open).equals("```")) {
            open++;
        }
        List<Row> rows = new ArrayList<>();
        for (int i = open + 1; !lines.get(i).equals("```"); i++) {
            Matcher m = ROW.matcher(lines.get(i));
            assertTrue(m.matches(), "design.md: not a row of the house picture: " + lines.get(i));
            String name = m.group(2) != null ? m.group(2) : m.group(1).substring("dev.gort.".length());
            String to = m.group(3).trim();
            Set<String> arrows = new TreeSet<>();
            if (!to.equals("nothing")) {
                for (String a : to.split(",")) {
                    arrows.add(a.trim());
                }
            }
            rows.add(new Row(name, arrows));
        }
        assertTrue(rows.size() >= 10, "design.md: the picture has too few rows: " + rows);
        return rows;
    }

    /** Every gort-core class (binary name) and the gort classes its constant pool names. */
    static Map<String, Set<String>> references() throws Exception {
        Path classes = Path.of(Go.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        if (Files.isDirectory(classes)) {
            return referencesUnder(classes);
        }
        try (FileSystem jar = FileSystems.newFileSystem(URI.create("jar:" + classes.toUri()), Map.of())) {
            return referencesUnder(jar.getPath("/"));
        }
    }

    private static Map<String, Set<String>> referencesUnder(Path root) throws Exception {
        Map<String, Set<String>> refs = new TreeMap<>();
        List<Path> files;
        try (Stream<Path> s = Files.walk(root.resolve("dev/gort"))) {
            files = s.filter(p -> p.toString().endsWith(".class")).toList();
        }
        for (Path f : files) {
            var cm = ClassFile.of().parse(Files.readAllBytes(f));
            String self = cm.thisClass().asInternalName();
            Set<String> to = new TreeSet<>();
            for (PoolEntry e : cm.constantPool()) {
                if (e instanceof ClassEntry c && c.asInternalName().startsWith("dev/gort/")) {
                    to.add(c.asInternalName());
                } else if (e instanceof Utf8Entry u) {
                    Matcher m = DESCRIPTOR.matcher(u.stringValue());
                    while (m.find()) {
                        to.add(m.group(1));
                    }
                }
            }
            to.remove(self);
            refs.put(self.replace('/', '.'), to.stream().map(n -> n.replace('/', '.'))
                    .collect(java.util.stream.Collectors.toCollection(TreeSet::new)));
        }
        return refs;
    }

    /** rel found in the working directory (core/ under Maven) or a directory above it. */
    static Path findUp(Path rel) {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve(rel))) {
                return d.resolve(rel);
            }
        }
        throw new AssertionError(rel + " not found above " + Path.of("").toAbsolutePath());
    }
}
