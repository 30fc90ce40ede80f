package dev.gort.runtime;

import dev.gort.Go;
import dev.gort.chan.Chan;
import dev.gort.chan.Select;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.lang.module.ModuleDescriptor;
import java.nio.file.Path;
import java.util.List;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * gort as the named module dev.gort, as a user's modular program loads it. Runs only in core's
 * "module-path" Surefire execution (core/pom.xml: the module on the module path, the test classes
 * patched into it, {@code --add-opens java.base/java.lang=dev.gort}), with a few of the ordinary
 * test classes; the class-path execution excludes it. That execution sets -Dgort.modulePath=true,
 * so a run that meant to be on the module path and is not (a Surefire older than 3.5.4 silently
 * falls back to the class path) fails here; run on the class path by name (-Dtest=ModulePathTest
 * reaches both executions), it is skipped there.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ModulePathTest {
    private static final Module GORT = Go.class.getModule();

    @BeforeAll
    static void onTheModulePathOnly() {
        assumeTrue(Boolean.getBoolean("gort.modulePath"), "not the module-path execution");
    }

    @Test
    void gortIsTheNamedModuleDevGortExportingTheApiPackagesOnly() {
        assertTrue(GORT.isNamed(), "not on the module path: " + GORT);
        assertEquals("dev.gort", GORT.getName());
        Set<String> exported = GORT.getDescriptor().exports().stream()
                .filter(e -> !e.isQualified())
                .map(ModuleDescriptor.Exports::source)
                .collect(Collectors.toSet());
        assertEquals(Set.of("dev.gort", "dev.gort.chan", "dev.gort.context", "dev.gort.errgroup",
                "dev.gort.sync", "dev.gort.synctest", "dev.gort.time", "dev.gort.metrics",
                "dev.gort.trace", "dev.gort.trace.format"), exported);
        Set<String> requires = GORT.getDescriptor().requires().stream()
                .map(ModuleDescriptor.Requires::name)
                .collect(Collectors.toSet());
        assertTrue(requires.containsAll(Set.of("jdk.jfr", "java.management", "jdk.unsupported")), requires.toString());
    }

    /**
     * -Dgort.jmx=true's MBean is a service of the module (uses/provides in module-info; on the
     * class path, META-INF/services): the runtime finds dev.gort.metrics' hook without importing it.
     */
    @Test
    void theJmxHookIsTheModulesService() {
        assertEquals(List.of("dev.gort.metrics.GortRuntime$AtStart"),
                ServiceLoader.load(Linkname.JmxHook.class, Linkname.class.getClassLoader()).stream()
                        .map(p -> p.type().getName()).toList());
    }

    /** What a module-path user is told when the flag is missing (VThreads.check's message). */
    @Test
    void theMissingFlagMessageNamesTheModule() {
        assertEquals("--add-opens java.base/java.lang=dev.gort", VThreads.FLAG);
        assertTrue(Object.class.getModule().isOpen("java.lang", GORT),
                "this run lacks --add-opens java.base/java.lang=dev.gort");
    }

    @Test
    void goroutinesChannelsAndSelectRunInTheNamedModule() {
        AtomicInteger sum = new AtomicInteger();
        Go.run(() -> {
            Chan<Integer> a = Chan.make(), b = Chan.make(1);
            Go.go(() -> {
                for (int i = 1; i <= 100; i++) {
                    a.send(i);
                }
                a.close();
            });
            b.send(1000);
            boolean open = true;
            while (open) {
                int[] got = {0};
                boolean[] ok = {true};
                new Select()
                        .recvOk(a, r -> {
                            ok[0] = r.ok();
                            got[0] = r.ok() ? r.value() : 0;
                        })
                        .recv(b, v -> got[0] = v)
                        .run();
                sum.addAndGet(got[0]);
                open = ok[0];
            }
        });
        assertEquals(5050 + 1000, sum.get());
        assertTrue(Go.schedtrace(false).startsWith("SCHED "), Go.schedtrace(false));
    }

    /** module-info's requires jdk.jfr: the dev.gort.* events record in process. */
    @Test
    void jfrEventsAreRecorded(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("module.jfr");
        try (Recording rec = new Recording()) {
            rec.enable("dev.gort.GoroutineCreate");
            rec.start();
            Go.run(() -> Go.go("in-module", () -> { }));
            rec.stop();
            rec.dump(file);
        }
        assertTrue(RecordingFile.readAllEvents(file).stream()
                .anyMatch(e -> e.getEventType().getName().equals("dev.gort.GoroutineCreate")
                        && e.getString("site").startsWith("in-module (")), "no create event for the goroutine");
    }
}
