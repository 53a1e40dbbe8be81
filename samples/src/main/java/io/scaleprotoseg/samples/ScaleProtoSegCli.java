package io.scaleprotoseg.samples;

import io.scaleprotoseg.spark.cli.SparkCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code scaleprotoseg} command line: inspect models, segment images, explain single pixels,
 * run the quick-start that exercises the whole deployment path without a trainer, train, evaluate
 * and export models, and run the demo (data, training of three models, export, segmentation, report).
 *
 * <p>Exit codes: 0 success, 1 user error (bad file, bad value for the data at hand; the message
 * goes to stderr without a stack trace), 2 usage error (picocli's parse errors).
 */
@Command(name = "scaleprotoseg",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Interpretable semantic segmentation with ScaleProtoSeg models on the JVM.",
        subcommands = {
            DemoCommand.class,
            InfoCommand.class,
            SegmentCommand.class,
            ExplainCommand.class,
            AnalyzeCommand.class,
            QuickstartCommand.class,
            TrainCommand.class,
            DataCommand.class,
            EvalCommand.class,
            QuantizeCommand.class,
            ExportCommand.class,
            ImportCommand.class,
            EditCommand.class,
            SparkCommand.class,
            AuditCommand.class,
            TrtBuildCommand.class,
            CommandLine.HelpCommand.class
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:success",
            "1:user error (unreadable model, image, data set or checkpoint; value outside the data; training failed)",
            "2:usage error (unknown option, missing or malformed argument)"
        })
public final class ScaleProtoSegCli implements Runnable {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    /** Runs the command line and exits with its exit code. */
    public static void main(String[] args) {
        // DJL (pulled in through the trainer) must never download anything: the CLI works offline.
        System.setProperty("ai.djl.offline", "true");
        // image work (Graphics2D, ImageIO) needs no display; servers and CI have none
        System.setProperty("java.awt.headless", "true");
        System.exit(new CommandLine(new ScaleProtoSegCli()).execute(args));
    }

    /** The version stamped into the jar at packaging time, or "dev" when running from classes. */
    public static String version() {
        String v = ScaleProtoSegCli.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    /** Without a subcommand: show the usage and fail as a usage error. */
    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(),
                "missing command: use one of demo, info, segment, explain, quickstart, train, data, eval, export, analyze, trt-build");
    }
}
