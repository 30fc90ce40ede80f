package dev.gort.tools.trace;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gort.trace.format.TraceFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.gort.trace.format.TraceFile.*;
import static org.junit.jupiter.api.Assertions.*;

/** The viewer page: self-contained, and names in it are data, never markup. */
class HtmlViewerTest {
    /** A label that would run script, or break out of the data element, if it were not escaped. */
    static final String EVIL = "</script><script>window.__gortPwned=1</script><img src=x onerror=\"window.__gortPwned=2\">&amp;\u2028";

    /** A hand-made trace: G1 (label EVIL) runs on P0, unblocks G2, which runs on P1. */
    static TraceFile crafted() {
        List<String> reasons = List.of("chan receive", "jdk park");
        List<String> labels = List.of(EVIL, "worker");
        long[] ts = {0, 10, 20, 30, 1_000, 1_500, 2_000, 3_000, 4_000, 5_000};
        int[] type = {GOMAXPROCS, GO_CREATE, GO_CREATE, GO_START, GO_START, GO_BLOCK, GO_UNBLOCK, GO_END, GO_START, GO_END};
        int[] p = {-1, -1, 0, 0, 1, 1, 0, 0, 1, 1};
        long[] a = {0, 1, 2, 1, 2, 2, 2, 1, 2, 2};
        long[] b = {0, 0, 1, 0, 0, 0, 1, 0, 0, 0};
        int[] extra = {2, 0, 1, 0, 0, 0, 0, 0, 0, 0};
        return new TraceFile(1_700_000_000_000_000L, 0, reasons, labels, ts, type, p, a, b, extra);
    }

    /** Writes the crafted trace's viewer to file (the browser test loads it too). */
    static TraceModel writeCrafted(Path html) throws Exception {
        TraceModel m = TraceModel.of(crafted());
        assertEquals(List.of(), m.problems());
        TraceFiles.writeHtml(m, html);
        return m;
    }

    @Test
    void labelsAreEscapedInThePageAndSurviveAsData(@TempDir Path dir) throws Exception {
        Path html = dir.resolve("evil.html");
        writeCrafted(html);
        String page = Files.readString(html, StandardCharsets.UTF_8);
        assertFalse(page.contains("__gortPwned=1</script>"), "the label's markup is in the page");
        assertFalse(page.contains("<img src=x"), "the label's markup is in the page");
        assertFalse(page.contains("innerHTML"), "the viewer must not use innerHTML");
        // exactly the page's two script elements: the data and the viewer
        String body = page.substring(page.indexOf("<body>"));
        assertEquals(2, body.split("<script", -1).length - 1);
        String open = "id=\"gort-trace-data\">";
        int at = body.indexOf(open) + open.length();
        String data = body.substring(at, body.indexOf("</script>", at));
        JsonNode d = new ObjectMapper().readTree(data);
        assertEquals(EVIL, d.get("goroutines").get(0).get("label").asText());
        assertEquals(2, d.get("lanes").size());
        assertEquals(1, d.get("flows").get("ft").size() - 1, "a create flow and an unblock flow");
    }

    @Test
    void pageNeedsNoNetwork(@TempDir Path dir) throws Exception {
        Path html = dir.resolve("offline.html");
        writeCrafted(html);
        String page = Files.readString(html);
        assertFalse(page.matches("(?s).*(src|href)=\"https?:.*"), "no external resources");
        assertTrue(page.contains("default-src 'none'"), "a CSP that forbids network access");
    }

    @Test
    void modelOfTheCraftedTrace() {
        TraceModel m = TraceModel.of(crafted());
        assertEquals(2, m.lanes().size());
        TraceModel.Goroutine g2 = m.goroutines().get(2L);
        assertEquals(2, g2.runs);
        assertEquals(500 + 1_000, g2.run);
        assertEquals(500L, g2.blocked.get("chan receive"));
        assertEquals((1_000 - 20) + (4_000 - 2_000), g2.runnable);
        assertEquals(List.of(20L, 980L, 2_000L), m.latencies());
    }
}
