package dev.gort.tools;

import dev.gort.tools.trace.TraceFiles;
import dev.gort.tools.trace.TraceModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code gort trace FILE [-o OUT.html] [--chrome OUT.json]}: turns a trace written by
 * {@code -Dgort.trace=FILE} or {@code Go.stopTrace()} into the offline HTML viewer (default
 * {@code FILE.html}) and, on request, Chrome Trace Event JSON for Perfetto or chrome://tracing.
 * Exit status 0, or 1 if the file cannot be read.
 */
@Command(name = "trace", description = "Write the HTML viewer (and optionally Chrome Trace JSON) of a gort trace.")
final class TraceCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "the trace file (from -Dgort.trace=FILE or Go.stopTrace())")
    Path trace;

    @Option(names = {"-o", "--output"}, description = "the HTML file to write (default: FILE.html)")
    Path html;

    @Option(names = "--chrome", description = "also write Chrome Trace Event JSON here (opens in ui.perfetto.dev)")
    Path chrome;

    @Override
    public Integer call() throws Exception {
        if (!Files.isRegularFile(trace)) {
            System.err.println("gort trace: " + trace + ": no such file");
            return 1;
        }
        Path out = html != null ? html : trace.resolveSibling(trace.getFileName() + ".html");
        TraceModel m = TraceFiles.writeHtml(trace, out);
        System.out.println("gort trace: " + m.file().size() + " events, " + m.goroutines().size()
                + " goroutines, " + m.lanes().size() + " Ps; viewer: " + out.toAbsolutePath());
        if (!m.problems().isEmpty()) {
            System.err.println("gort trace: " + m.problems().size() + " inconsistencies, first: " + m.problems().get(0));
        }
        if (chrome != null) {
            TraceFiles.writeChromeJson(trace, chrome);
            System.out.println("gort trace: Chrome Trace Event JSON: " + chrome.toAbsolutePath());
        }
        return 0;
    }
}
