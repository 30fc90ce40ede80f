package dev.gort.tools.trace;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gort.trace.format.TraceFile;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.gort.trace.format.TraceFile.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The viewer in a real browser: Debian's headless Chromium driven by playwright-core
 * (src/test/browser/viewer-test.mjs). It loads the viewer of a real trace (lanes, goroutine table,
 * histogram, a click on a run, wheel zoom, drag pan, a screenshot to target/trace-viewer.png), of an
 * annotated trace (a click on a block shows its stack, a timer wake-up is named, the goroutine
 * view, the legend, tasks and logs: ViewerWorkload), of a
 * crafted trace whose goroutine label is markup (shown, not run), and of 100,000 runs (a frame draws
 * at most one run per pixel column). Skipped, loudly, when node, Chromium or playwright-core is
 * missing: .ci/install-browser installs them.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ViewerBrowserTest {
    static final Path BROWSER_DIR = Path.of("src/test/browser");

    @Test
    void viewerInHeadlessChromium(@TempDir Path dir) throws Exception {
        String chromium = System.getenv().getOrDefault("GORT_CHROMIUM", "/usr/bin/chromium");
        String node = onPath("node");
        List<String> missing = new ArrayList<>();
        if (node == null) {
            missing.add("node (apt-get install nodejs)");
        }
        if (!Files.isExecutable(Path.of(chromium))) {
            missing.add(chromium + " (apt-get install chromium)");
        }
        if (!Files.isDirectory(BROWSER_DIR.resolve("node_modules/playwright-core"))) {
            missing.add("playwright-core (npm ci in tools/src/test/browser)");
        }
        if (!missing.isEmpty()) {
            String msg = "\n*** SKIPPED: the trace viewer's browser test needs " + String.join(", ", missing)
                    + ". Run .ci/install-browser to install them. ***\n";
            System.err.println(msg);
            Assumptions.abort(msg);
        }

        Path real = dir.resolve("real.html");
        TraceModel m = TraceFiles.writeHtml(TraceWorkload.traced(dir.resolve("real.trace")), real);
        assertEquals(List.of(), m.problems());
        Path evil = dir.resolve("evil.html");
        HtmlViewerTest.writeCrafted(evil);
        Path big = dir.resolve("big.html");
        TraceModel bm = TraceModel.of(bigTrace(4, 25_000, 2_000));
        assertEquals(100_000, bm.lanes().values().stream().mapToInt(List::size).sum());
        TraceFiles.writeHtml(bm, big);
        Path shot = Path.of("target", "trace-viewer.png").toAbsolutePath();
        Path annotated = dir.resolve("annotated.html");
        ViewerAnnotationsTest.traced(dir.resolve("annotated.trace"));
        TraceModel am = TraceFiles.writeHtml(dir.resolve("annotated.trace"), annotated);
        assertEquals(List.of(), am.problems());

        Map<String, Object> cfg = new LinkedHashMap<>();
        cfg.put("real", real.toAbsolutePath().toString());
        cfg.put("lanes", m.lanes().size());
        cfg.put("goroutines", m.goroutines().size());
        cfg.put("evil", evil.toAbsolutePath().toString());
        cfg.put("evilLabel", HtmlViewerTest.EVIL);
        cfg.put("big", big.toAbsolutePath().toString());
        cfg.put("bigLanes", bm.lanes().size());
        cfg.put("screenshot", shot.toString());
        cfg.put("annotated", annotated.toAbsolutePath().toString());
        cfg.put("annotatedGoroutinesWithRuns", am.lanes().values().stream().flatMap(List::stream)
                .map(TraceModel.Slice::goid).distinct().count());
        cfg.put("workload", dev.gort.testprog.ViewerWorkload.class.getName());
        cfg.put("annotatedShot", Path.of("target", "trace-viewer-goroutines.png").toAbsolutePath().toString());
        cfg.put("chromium", chromium);
        Process p = new ProcessBuilder(node, "viewer-test.mjs", new ObjectMapper().writeValueAsString(cfg))
                .directory(BROWSER_DIR.toFile()).redirectErrorStream(true).start();
        byte[] out;
        boolean done;
        try {
            done = p.waitFor(100, TimeUnit.SECONDS);
        } finally {
            if (p.isAlive()) {
                p.destroyForcibly();
            }
        }
        out = p.getInputStream().readAllBytes();
        String text = new String(out, StandardCharsets.UTF_8);
        System.out.println(text);
        assertTrue(done, "the browser test did not finish in 100 s:\n" + text);
        assertEquals(0, p.exitValue(), "the browser test failed:\n" + text);
        assertTrue(Files.size(shot) > 10_000, "screenshot written");
    }

    /** lanes Ps, each running runsPerLane runs of goroutines 1..ngo in turn; every run ends in a yield. */
    static TraceFile bigTrace(int lanes, int runsPerLane, int ngo) {
        int n = ngo + runsPerLane * lanes * 2;
        long[] ts = new long[n], a = new long[n], b = new long[n];
        int[] type = new int[n], p = new int[n], extra = new int[n];
        int k = 0;
        for (int g = 1; g <= ngo; g++, k++) {
            type[k] = GO_CREATE;
            a[k] = g;
            p[k] = -1;
        }
        for (int step = 0; step < runsPerLane; step++) {
            long base = 1_000 + step * 1_000L;
            for (int half = 0; half < 2; half++) {
                for (int lane = 0; lane < lanes; lane++, k++) {
                    ts[k] = base + half * 500 + lane * 10;
                    type[k] = half == 0 ? GO_START : GO_SCHED;
                    p[k] = lane;
                    a[k] = (step * lanes + lane) % ngo + 1;
                }
            }
        }
        return new TraceFile(0, 0, List.of("jdk park"), List.of("synthetic"), ts, type, p, a, b, extra);
    }

    private static String onPath(String exe) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path c = Path.of(d, exe);
            if (Files.isExecutable(c)) {
                return c.toString();
            }
        }
        return null;
    }
}
