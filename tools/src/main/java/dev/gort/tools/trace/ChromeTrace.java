package dev.gort.tools.trace;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;

/*
 * ChromeTrace: writes a TraceModel as Chrome's Trace Event Format (the JSON Object Format:
 * {"traceEvents": [...]}), which Perfetto (ui.perfetto.dev) and chrome://tracing open.
 *
 * Mapping
 * -------
 *   process 1 "gort"; one thread (tid) per P, named "P<n>" and sorted by n;
 *   a goroutine's run      -> a complete event (ph X) on its P's thread, named "G<id> <label>",
 *                             args: goid, label, parent, end (how the run ended);
 *   create / unblock       -> a flow: ph s at the readier's timestamp on the readier's P (inside the
 *                             readier's slice, which the flow binds to) and ph f with bp "e" at the
 *                             start of the readied goroutine's next run;
 *   steal, preempt, syscall, GOMAXPROCS -> instant events (ph i), thread-scoped on their P, global
 *                             when no P emitted them.
 * Timestamps are microseconds with a fractional part (the format's unit); displayTimeUnit is "ns".
 * Readiers that are not on a P (main, timers) have no slice to start an arrow from, so their flows
 * are left out; the viewer shows them as arrows from the top edge.
 *
 * Rejected: the JSON Array Format (no metadata fields); one thread per goroutine (Go's cmd/trace
 * has a goroutine view, but the P lanes are what gort teaches).
 */
public final class ChromeTrace {
    private ChromeTrace() {}

    /** Writes model as Chrome Trace Event JSON to out (not closed). */
    public static void write(TraceModel model, OutputStream out) throws IOException {
        JsonFactory jf = new JsonFactory();
        jf.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
        try (JsonGenerator g = jf.createGenerator(out, JsonEncoding.UTF8)) {
            g.writeStartObject();
            g.writeStringField("displayTimeUnit", "ns");
            g.writeObjectFieldStart("otherData");
            g.writeStringField("producer", "gort trace");
            g.writeNumberField("startEpochMicros", model.file().startEpochMicros());
            g.writeNumberField("droppedEvents", model.file().dropped());
            g.writeEndObject();
            g.writeArrayFieldStart("traceEvents");
            meta(g, "process_name", 0, "name", "gort");
            for (int p : model.lanes().keySet()) {
                meta(g, "thread_name", p, "name", "P" + p);
                g.writeStartObject();
                g.writeStringField("name", "thread_sort_index");
                g.writeStringField("ph", "M");
                g.writeNumberField("pid", 1);
                g.writeNumberField("tid", p);
                g.writeObjectFieldStart("args");
                g.writeNumberField("sort_index", p);
                g.writeEndObject();
                g.writeEndObject();
            }
            Map<Long, TraceModel.Goroutine> gs = model.goroutines();
            for (List<TraceModel.Slice> lane : model.lanes().values()) {
                for (TraceModel.Slice s : lane) {
                    TraceModel.Goroutine gr = gs.get(s.goid());
                    String label = gr != null ? gr.label : "?";
                    g.writeStartObject();
                    g.writeStringField("name", "G" + s.goid() + " " + label);
                    g.writeStringField("cat", "goroutine");
                    g.writeStringField("ph", "X");
                    g.writeNumberField("ts", s.start() / 1000.0);
                    g.writeNumberField("dur", (s.end() - s.start()) / 1000.0);
                    g.writeNumberField("pid", 1);
                    g.writeNumberField("tid", s.p());
                    g.writeObjectFieldStart("args");
                    g.writeNumberField("goid", s.goid());
                    g.writeStringField("label", label);
                    g.writeNumberField("parent", gr != null ? gr.parent : 0);
                    g.writeStringField("end", model.endKindName(s.endKind()));
                    g.writeEndObject();
                    g.writeEndObject();
                }
            }
            int id = 0;
            for (TraceModel.Flow f : model.flows()) {
                if (f.fromP() < 0) {
                    continue;
                }
                id++;
                String name = f.create() ? "create" : "unblock";
                flow(g, name, "s", id, f.fromTs(), f.fromP());
                flow(g, name, "f", id, f.toTs(), f.toP());
            }
            for (TraceModel.Instant in : model.instants()) {
                g.writeStartObject();
                g.writeStringField("name", in.kind());
                g.writeStringField("cat", "scheduler");
                g.writeStringField("ph", "i");
                g.writeStringField("s", in.p() >= 0 ? "t" : "g");
                g.writeNumberField("ts", in.ts() / 1000.0);
                g.writeNumberField("pid", 1);
                g.writeNumberField("tid", Math.max(in.p(), 0));
                g.writeObjectFieldStart("args");
                g.writeStringField("detail", in.detail());
                g.writeEndObject();
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        }
    }

    private static void meta(JsonGenerator g, String name, int tid, String key, String value) throws IOException {
        g.writeStartObject();
        g.writeStringField("name", name);
        g.writeStringField("ph", "M");
        g.writeNumberField("pid", 1);
        g.writeNumberField("tid", tid);
        g.writeObjectFieldStart("args");
        g.writeStringField(key, value);
        g.writeEndObject();
        g.writeEndObject();
    }

    private static void flow(JsonGenerator g, String name, String ph, int id, long ts, int tid) throws IOException {
        g.writeStartObject();
        g.writeStringField("name", name);
        g.writeStringField("cat", "flow");
        g.writeStringField("ph", ph);
        g.writeNumberField("id", id);
        if (ph.equals("f")) {
            g.writeStringField("bp", "e");
        }
        g.writeNumberField("ts", ts / 1000.0);
        g.writeNumberField("pid", 1);
        g.writeNumberField("tid", tid);
        g.writeEndObject();
    }
}
