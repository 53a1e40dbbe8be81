package io.scaleprotoseg.samples;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code data}: commands about a data set itself, before any training ({@code data check}). */
@Command(name = "data", mixinStandardHelpOptions = true,
        description = "Looks at a data set before training on it: 'data check' scans every file of every split.",
        subcommands = {DataCheckCommand.class})
final class DataCommand implements Runnable {
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    /** Without a subcommand: a usage error naming the one there is. */
    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command: use 'data check --data DIR'");
    }
}
