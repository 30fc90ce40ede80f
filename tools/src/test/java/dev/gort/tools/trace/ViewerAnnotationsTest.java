package dev.gort.tools.trace;

import dev.gort.Go;
import dev.gort.testprog.ViewerWorkload;
import dev.gort.trace.format.TraceFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * What the viewer shows beyond runs, checked on the model and the page's data (the browser test
 * clicks them): entry-site labels for WaitGroup.go workers, stacks of block and unblock points,
 * named wakers, user tasks, regions and logs.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ViewerAnnotationsTest {
    static TraceModel traced(Path file) throws Exception {
        Go.startTrace(file);
        try {
            Go.run(ViewerWorkload::main);
        } finally {
            Go.stopTrace();
        }
        return TraceFiles.read(file);
    }

    @Test
    void labelsStacksWakersAndAnnotations(@TempDir Path dir) throws Exception {
        TraceModel m = traced(dir.resolve("v.trace"));
        assertEquals(List.of(), m.problems());
        String wl = ViewerWorkload.class.getSimpleName();

        long workers = m.goroutines().values().stream()
                .filter(g -> g.label.startsWith(wl + ".main:") && g.label.contains("(via WaitGroup.go:")).count();
        assertEquals(ViewerWorkload.WORKERS, workers, "labels: " + m.goroutines().values().stream().map(g -> g.label).toList());

        boolean blockedInConsume = m.lanes().values().stream().flatMap(List::stream)
                .anyMatch(s -> s.endKind() >= TraceModel.BLOCK && s.endStack() >= 0
                        && m.string(s.endStack()).contains(ViewerWorkload.class.getName() + ".consume("));
        assertTrue(blockedInConsume, "no block stack in consume");

        // Every park of the producer's sleeps is woken by the timer ("scheduler (Mn)" if the
        // timer's unpark came while the park was still yielding: the JDK then resubmits it from
        // the M, and the unparker is unknown). A sleep whose timer fired before it parked has
        // no park to check; of SLEEPS sleeps, one that parked is what the trace must name.
        TraceFile tf = m.file();
        long producer = m.goroutines().values().stream()
                .filter(g -> g.label.startsWith(wl + ".main:") && !g.label.contains("via")).findFirst().orElseThrow().goid;
        int sleepWake = 0;
        boolean sleeping = false;
        for (int i = 0; i < tf.size(); i++) {
            if (tf.a()[i] != producer) {
                continue;
            }
            if (tf.type()[i] == TraceFile.GO_BLOCK) {
                sleeping = tf.reasons().get(tf.extra()[i]).equals("sleep");
            } else if (tf.type()[i] == TraceFile.GO_UNBLOCK && sleeping) {
                sleeping = false;
                String waker = tf.b()[i] < 0 ? m.string((int) (-tf.b()[i] - 1)) : null;
                assertTrue("timer".equals(waker) || waker != null && waker.startsWith("scheduler (M"),
                        "a sleep's wake-up is named " + waker + ": " + tf.describe(i));
                sleepWake += "timer".equals(waker) ? 1 : 0;
            }
        }
        assertTrue(sleepWake > 0, "none of the producer's " + ViewerWorkload.SLEEPS + " sleeps parked and was woken by the timer");
        assertTrue(m.flows().stream().anyMatch(fl -> fl.fromGoid() == 0 && "timer".equals(fl.waker())),
                "the sleep's wake-up is not named timer: " + m.flows().stream().map(TraceModel.Flow::waker).distinct().toList());
        assertTrue(m.flows().stream().anyMatch(f -> f.fromGoid() > 0 && f.stack() >= 0
                        && m.string(f.stack()).contains(ViewerWorkload.class.getName() + ".produce(")),
                "no unblock stack in produce");

        assertEquals(1, m.tasks().size());
        TraceModel.Task t = m.tasks().values().iterator().next();
        assertEquals("viewer-demo", t.name());
        assertTrue(t.end() > t.start());
        assertEquals(ViewerWorkload.WORKERS, m.regions().stream()
                .filter(r -> r.name().equals("consume") && r.task() == t.id() && r.end() > r.start()).count());
        assertTrue(m.logs().stream().anyMatch(l -> l.task() == t.id() && l.category().equals("done")
                && l.message().equals(ViewerWorkload.WORKERS + " workers")));

        String data = new String(HtmlViewer.data(m), StandardCharsets.US_ASCII);
        for (String key : List.of("\"stacks\"", "\"regions\"", "\"tasks\"", "\"logs\"", "\"fw\"", "\"st\"", "\"timer\"")) {
            assertTrue(data.contains(key), key + " missing from the page's data");
        }
    }
}
