package dev.gort.tools;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code gort} command line: {@code gort run ...}, {@code gort trace ...}. */
@Command(name = "gort", mixinStandardHelpOptions = true, version = "gort 0.1.0",
        description = "Go's concurrency runtime on JDK 25.",
        subcommands = {RunCommand.class, TraceCommand.class})
public final class GortCli {
    public static void main(String[] args) {
        System.exit(new CommandLine(new GortCli()).execute(args));
    }
}
