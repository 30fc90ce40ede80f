package dev.gort.tools;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Spec;

/**
 * The {@code gort} command line: {@code gort run ...}, {@code gort trace ...}, {@code gort help [COMMAND]}.
 * Bad usage prints one line naming what was wrong and exits with status 2 (Go's flag package's
 * status); {@code --help} works at every level.
 */
@Command(name = "gort", mixinStandardHelpOptions = true, version = "gort 0.1.0",
        description = "Go's concurrency runtime on JDK 25.",
        subcommands = {RunCommand.class, TraceCommand.class, HelpCommand.class})
public final class GortCli implements Runnable {
    /** Exit status for bad usage. */
    static final int USAGE = 2;

    @Spec
    CommandSpec spec;

    /** {@code gort} alone: the usage. */
    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line with gort's settings: one-line usage errors; run stops at its main class. */
    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new GortCli());
        for (CommandLine sub : cli.getSubcommands().values()) { // --help at every level
            CommandSpec spec = sub.getCommandSpec();
            if (spec.options().stream().noneMatch(OptionSpec::usageHelp)) {
                spec.addOption(OptionSpec.builder("-h", "--help").usageHelp(true)
                        .description("show this help and exit").build());
            }
        }
        // everything after gort run's MainClass is the program's, options included
        cli.getSubcommands().get("run").setStopAtPositional(true);
        // java passes a program argument "@x" through; picocli would read it as an argument file
        cli.setExpandAtFiles(false);
        // java takes the last of a repeated option (-cp a -cp b): so does gort
        cli.setOverwrittenOptionsAllowed(true);
        cli.setParameterExceptionHandler((e, args) -> {
            CommandLine c = e.getCommandLine();
            String name = c.getCommandSpec().qualifiedName();
            System.err.println(name + ": " + e.getMessage() + " (see " + name + " --help)");
            return USAGE;
        });
        return cli;
    }
}
