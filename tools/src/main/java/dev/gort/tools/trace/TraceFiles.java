package dev.gort.tools.trace;

import dev.gort.trace.format.TraceFile;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** Static helpers from a trace file (-Dgort.trace / Go.stopTrace) to its viewers. */
public final class TraceFiles {
    private TraceFiles() {}

    /** Reads and replays a trace file. */
    public static TraceModel read(Path trace) throws IOException {
        return TraceModel.of(TraceFile.read(trace));
    }

    /** Writes the self-contained HTML viewer of trace to html; returns the model shown. */
    public static TraceModel writeHtml(Path trace, Path html) throws IOException {
        TraceModel m = read(trace);
        writeHtml(m, html);
        return m;
    }

    /** Writes the self-contained HTML viewer of model to html. */
    public static void writeHtml(TraceModel model, Path html) throws IOException {
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(mkparent(html)))) {
            HtmlViewer.write(model, out);
        }
    }

    /** Writes trace as Chrome Trace Event JSON (for Perfetto or chrome://tracing) to json; returns the model. */
    public static TraceModel writeChromeJson(Path trace, Path json) throws IOException {
        TraceModel m = read(trace);
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(mkparent(json)))) {
            ChromeTrace.write(m, out);
        }
        return m;
    }

    private static Path mkparent(Path p) throws IOException {
        Path parent = p.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        return p;
    }
}
