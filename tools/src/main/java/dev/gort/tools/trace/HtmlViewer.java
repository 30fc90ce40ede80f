package dev.gort.tools.trace;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/*
 * HtmlViewer: the offline, self-contained trace viewer `gort trace FILE` writes (gort's cmd/trace).
 *
 * One HTML file, no network: the page (viewer.html, a resource beside this class) carries its own
 * CSS and JavaScript, and the trace's model as JSON inside <script type="application/json">. The
 * script parses that JSON and draws everything itself.
 *
 * Safety: names come from the traced program (goroutine labels), so they are data, never markup.
 *   - In the page, the JSON is written with '<', '>' and '&' (and every non-ASCII character) as
 *     \\uXXXX escapes, so no label can close the script element or open a comment;
 *   - the JavaScript puts text into the page only through textContent and canvas fillText, never
 *     innerHTML; HtmlViewerTest and the browser test check a goroutine labelled <script>.
 *
 * The data (all times in ns since the trace started; columnar arrays so 100,000 slices stay small):
 *   meta       {start epoch us, end, events, dropped, problems[]}
 *   kinds      end-kind code -> name ("end", "block: chan receive", ...)
 *   lanes      [{p, s[], e[], g[], k[], f[], st[]}]: each P's runs in start order (start, end, goid,
 *              end kind, index of the flow into the run or -1, id of the stack it blocked at or -1)
 *   flows      {ft[], fp[], fg[], tt[], tp[], tg[], c[], fw[], fs[]}: from ts/P/goid to ts/P/goid,
 *              c=1 for create, fw the waker's name when no goroutine readied it ("" if unknown), fs
 *              the id of the readier's stack or -1; sorted by tt
 *   stacks     {id: "frame\nframe..."}: the stacks the lanes and flows refer to
 *   regions    {g[], s[], e[], n[], t[]}: user regions (goroutine, start, end, name, task)
 *   tasks      [{id, parent, name, start, end}]; logs {t[], g[], task[], c[], m[]}
 *   instants   {t[], p[], k[], d[]}: steal/preempt/syscall/gomaxprocs, sorted by t
 *   goroutines [{id, label, parent, created, ended, runs, run, runnable, blocked{reason: ns}}]
 *   latency    histogram counts, bucket i = [2^i, 2^(i+1)) us
 * How the page stays fast with 100,000 events is described at the top of viewer.html.
 */
public final class HtmlViewer {
    private HtmlViewer() {}

    private static final String PLACEHOLDER = "@@GORT_TRACE_DATA@@";

    /** Writes the viewer page for model to out (not closed). */
    public static void write(TraceModel model, OutputStream out) throws IOException {
        String page;
        try (InputStream in = HtmlViewer.class.getResourceAsStream("viewer.html")) {
            if (in == null) {
                throw new IOException("viewer.html is missing from the gort-tools jar");
            }
            page = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        int at = page.indexOf(PLACEHOLDER);
        out.write(page.substring(0, at).getBytes(StandardCharsets.UTF_8));
        out.write(data(model));
        out.write(page.substring(at + PLACEHOLDER.length()).getBytes(StandardCharsets.UTF_8));
    }

    /** The model as HTML-safe JSON (pure ASCII, no '<', '>' or '&'). */
    static byte[] data(TraceModel m) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        JsonFactory jf = new JsonFactory();
        try (JsonGenerator g = jf.createGenerator(buf, JsonEncoding.UTF8)) {
            g.setCharacterEscapes(new HtmlSafe());
            g.enable(JsonGenerator.Feature.ESCAPE_NON_ASCII);
            g.writeStartObject();

            g.writeObjectFieldStart("meta");
            g.writeNumberField("start", m.file().startEpochMicros());
            g.writeNumberField("end", m.endTs());
            g.writeNumberField("events", m.file().size());
            g.writeNumberField("dropped", m.file().dropped());
            g.writeArrayFieldStart("problems");
            List<String> problems = m.problems();
            for (int i = 0; i < Math.min(problems.size(), 20); i++) {
                g.writeString(problems.get(i));
            }
            g.writeEndArray();
            g.writeNumberField("nproblems", problems.size());
            g.writeEndObject();

            g.writeObjectFieldStart("kinds");
            for (int k : new int[] {TraceModel.END, TraceModel.SCHED, TraceModel.PREEMPTED, TraceModel.TRACE_END,
                    TraceModel.SYSCALL, TraceModel.OFFP}) {
                g.writeStringField(Integer.toString(k), m.endKindName(k));
            }
            for (int r = 0; r < m.file().reasons().size(); r++) {
                g.writeStringField(Integer.toString(TraceModel.BLOCK + r), m.endKindName(TraceModel.BLOCK + r));
            }
            g.writeEndObject();

            g.writeArrayFieldStart("lanes");
            for (Map.Entry<Integer, List<TraceModel.Slice>> e : m.lanes().entrySet()) {
                List<TraceModel.Slice> l = e.getValue();
                g.writeStartObject();
                g.writeNumberField("p", e.getKey());
                longs(g, "s", l.size(), i -> l.get(i).start());
                longs(g, "e", l.size(), i -> l.get(i).end());
                longs(g, "g", l.size(), i -> l.get(i).goid());
                longs(g, "k", l.size(), i -> l.get(i).endKind());
                longs(g, "f", l.size(), i -> l.get(i).flowIn());
                longs(g, "st", l.size(), i -> l.get(i).endStack());
                g.writeEndObject();
            }
            g.writeEndArray();

            List<TraceModel.Flow> fl = m.flows(); // in start order of the readied G: sorted by tt
            g.writeObjectFieldStart("flows");
            longs(g, "ft", fl.size(), i -> fl.get(i).fromTs());
            longs(g, "fp", fl.size(), i -> fl.get(i).fromP());
            longs(g, "fg", fl.size(), i -> fl.get(i).fromGoid());
            longs(g, "tt", fl.size(), i -> fl.get(i).toTs());
            longs(g, "tp", fl.size(), i -> fl.get(i).toP());
            longs(g, "tg", fl.size(), i -> fl.get(i).toGoid());
            longs(g, "c", fl.size(), i -> fl.get(i).create() ? 1 : 0);
            strings(g, "fw", fl.size(), i -> fl.get(i).waker() != null ? fl.get(i).waker() : "");
            longs(g, "fs", fl.size(), i -> fl.get(i).stack());
            g.writeEndObject();

            java.util.TreeSet<Integer> used = new java.util.TreeSet<>();
            m.lanes().values().forEach(l -> l.forEach(s -> used.add(s.endStack())));
            fl.forEach(f -> used.add(f.stack()));
            g.writeObjectFieldStart("stacks");
            for (int id : used) {
                String s = m.string(id);
                if (s != null) {
                    g.writeStringField(Integer.toString(id), s);
                }
            }
            g.writeEndObject();

            List<TraceModel.Region> rs = m.regions();
            g.writeObjectFieldStart("regions");
            longs(g, "g", rs.size(), i -> rs.get(i).goid());
            longs(g, "s", rs.size(), i -> rs.get(i).start());
            longs(g, "e", rs.size(), i -> rs.get(i).end());
            strings(g, "n", rs.size(), i -> String.valueOf(rs.get(i).name()));
            longs(g, "t", rs.size(), i -> rs.get(i).task());
            g.writeEndObject();

            g.writeArrayFieldStart("tasks");
            for (TraceModel.Task t : m.tasks().values()) {
                g.writeStartObject();
                g.writeNumberField("id", t.id());
                g.writeNumberField("parent", t.parent());
                g.writeStringField("name", String.valueOf(t.name()));
                g.writeNumberField("start", t.start());
                g.writeNumberField("end", t.end());
                g.writeEndObject();
            }
            g.writeEndArray();

            List<TraceModel.Log> ls = m.logs();
            g.writeObjectFieldStart("logs");
            longs(g, "t", ls.size(), i -> ls.get(i).ts());
            longs(g, "g", ls.size(), i -> ls.get(i).goid());
            longs(g, "task", ls.size(), i -> ls.get(i).task());
            strings(g, "c", ls.size(), i -> ls.get(i).category());
            strings(g, "m", ls.size(), i -> ls.get(i).message());
            g.writeEndObject();

            List<TraceModel.Instant> ins = new ArrayList<>(m.instants());
            g.writeObjectFieldStart("instants");
            longs(g, "t", ins.size(), i -> ins.get(i).ts());
            longs(g, "p", ins.size(), i -> ins.get(i).p());
            g.writeArrayFieldStart("k");
            for (TraceModel.Instant in : ins) {
                g.writeString(in.kind());
            }
            g.writeEndArray();
            g.writeArrayFieldStart("d");
            for (TraceModel.Instant in : ins) {
                g.writeString(in.detail());
            }
            g.writeEndArray();
            g.writeEndObject();

            g.writeArrayFieldStart("goroutines");
            for (TraceModel.Goroutine gr : m.goroutines().values()) {
                g.writeStartObject();
                g.writeNumberField("id", gr.goid);
                g.writeStringField("label", gr.label);
                g.writeNumberField("parent", gr.parent);
                g.writeNumberField("created", gr.created);
                g.writeNumberField("ended", gr.ended);
                g.writeNumberField("runs", gr.runs);
                g.writeNumberField("run", gr.run);
                g.writeNumberField("runnable", gr.runnable);
                g.writeObjectFieldStart("blocked");
                for (Map.Entry<String, Long> b : gr.blocked.entrySet()) {
                    g.writeNumberField(b.getKey(), b.getValue());
                }
                g.writeEndObject();
                g.writeEndObject();
            }
            g.writeEndArray();

            long[] h = m.latencyHistogram();
            longs(g, "latency", h.length, i -> h[i]);
            g.writeEndObject();
        }
        return buf.toByteArray();
    }

    private interface LongAt {
        long at(int i);
    }

    private interface StringAt {
        String at(int i);
    }

    private static void strings(JsonGenerator g, String name, int n, StringAt f) throws IOException {
        g.writeArrayFieldStart(name);
        for (int i = 0; i < n; i++) {
            g.writeString(f.at(i));
        }
        g.writeEndArray();
    }

    private static void longs(JsonGenerator g, String name, int n, LongAt f) throws IOException {
        g.writeArrayFieldStart(name);
        for (int i = 0; i < n; i++) {
            g.writeNumber(f.at(i));
        }
        g.writeEndArray();
    }

    /** JSON escapes plus '<', '>', '&' as \\u escapes: safe inside a script element. */
    private static final class HtmlSafe extends CharacterEscapes {
        private final int[] esc;

        HtmlSafe() {
            esc = standardAsciiEscapesForJSON();
            esc['<'] = ESCAPE_STANDARD;
            esc['>'] = ESCAPE_STANDARD;
            esc['&'] = ESCAPE_STANDARD;
        }

        @Override
        public int[] getEscapeCodesForAscii() {
            return esc;
        }

        @Override
        public SerializableString getEscapeSequence(int ch) {
            return null;
        }
    }
}
