package io.scaleprotoseg.spark.cli;

import io.scaleprotoseg.sdk.Backend;
import io.scaleprotoseg.sdk.Evidence;
import io.scaleprotoseg.sdk.ScaleProtoSegException;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code scaleprotoseg spark segment|eval|audit}: the Spark jobs from the command line, and the main
 * class of the application jar given to {@code spark-submit}. This class and its options touch no
 * Spark class, so the command line can list it (and say what is missing) when Spark is absent;
 * {@link SparkJobs} runs the jobs once Spark is found.
 */
@Command(name = "spark", mixinStandardHelpOptions = true,
        description = "Segment, evaluate or audit an image collection as an Apache Spark job (local[N], spark://, yarn, k8s://).",
        subcommands = {SparkCommand.Segment.class, SparkCommand.Eval.class, SparkCommand.Audit.class})
public final class SparkCommand implements Callable<Integer> {
    /** Exit code of a user error, as the rest of the command line. */
    static final int USER_ERROR = 1;
    /** The command that builds the command line with Spark bundled. */
    public static final String SPARK_BUILD = "mvn -B -q package -DskipTests -Pspark";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** For {@code spark-submit --class io.scaleprotoseg.spark.cli.SparkCommand APP.jar segment ...}. */
    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        System.exit(new CommandLine(new SparkCommand()).execute(args));
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return CommandLine.ExitCode.USAGE;
    }

    /** The options every job takes. */
    static final class Common {
        @Option(names = "--master", paramLabel = "URL",
                description = "local[N], local[*], spark://HOST:PORT, yarn or k8s://...; default: the master spark-submit "
                        + "set, else local[*]")
        String master;

        @Option(names = "--model", required = true, paramLabel = "MODEL.onnx",
                description = "the model file on this (the driver's) machine; it is shipped to the executors")
        String model;

        @Option(names = "--input", required = true, paramLabel = "PATH",
                description = "images: a directory (searched recursively), file or glob on any file system Spark reaches "
                        + "(file:, hdfs:, s3a:)")
        String input;

        @Option(names = "--out", required = true, paramLabel = "OUT.parquet", description = "the Parquet output")
        String out;

        @Option(names = "--overwrite", description = "replace an existing output (once the new one is complete)")
        boolean overwrite;

        @Option(names = "--partitions", defaultValue = "0", paramLabel = "N",
                description = "spread the images over N partitions (0: as Spark lists them; default: ${DEFAULT-VALUE})")
        int partitions;

        @Option(names = "--threads", defaultValue = "1", paramLabel = "N",
                description = "threads per inference (default: ${DEFAULT-VALUE}: Spark runs one task per core; 0 = all cores)")
        int threads;

        @Option(names = "--size", defaultValue = "keep", paramLabel = "SIZE",
                description = "network input size: keep, WxH or the shorter side (default: ${DEFAULT-VALUE})")
        String size;

        @Option(names = "--max-pixels", defaultValue = "16777216", paramLabel = "N",
                description = "largest image in pixels; larger ones get an error (default: ${DEFAULT-VALUE} = 4096 x 4096)")
        long maxPixels;

        @Option(names = "--backend", defaultValue = "ort-cpu", paramLabel = "BACKEND",
                description = "the executors' backend: ort-cpu, ort-cuda, tensorrt, ort-tensorrt or auto (default: ${DEFAULT-VALUE})")
        String backend;

        @Option(names = "--conf", paramLabel = "KEY=VALUE", description = "a Spark setting, e.g. spark.executor.memory=4g (repeatable)")
        Map<String, String> conf = new LinkedHashMap<>();

        Backend backend() {
            return Backend.parse(backend);
        }
    }

    /** The frame of the three jobs: Spark present, errors a user can fix as one line and exit code 1. */
    abstract static class Job implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Mixin
        Common common = new Common();

        abstract int run(PrintWriter out) throws Exception;

        @Override
        public final Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            try {
                if (!sparkPresent()) {
                    err.println("error: the spark command needs Apache Spark 4.0 on the class path, and this command line was "
                            + "built without it. Build the Spark flavour (" + SPARK_BUILD + "), or submit the "
                            + "application jar with spark-submit (see README.md, "
                            + "'Spark')");
                    return USER_ERROR;
                }
                return run(out);
            } catch (CommandLine.ParameterException e) {
                throw e;
            } catch (ScaleProtoSegException | IllegalArgumentException e) {
                err.println("error: " + e.getMessage());
                return USER_ERROR;
            } catch (Exception e) {
                err.println("internal error: " + e);
                e.printStackTrace(err);
                return CommandLine.ExitCode.SOFTWARE;
            } finally {
                out.flush();
                err.flush();
            }
        }
    }

    /** Whether Spark's SQL classes can be loaded (without initialising them). */
    static boolean sparkPresent() {
        try {
            Class.forName("org.apache.spark.sql.SparkSession", false, SparkCommand.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    @Command(name = "segment", mixinStandardHelpOptions = true,
            description = "Segment every image: one Parquet row per file (mask PNG, class areas, top groups and prototypes "
                    + "per class, backend, latency, error).")
    static final class Segment extends Job {
        @Option(names = "--evidence", defaultValue = "groups", paramLabel = "LEVEL",
                description = "none, groups or full (full adds the top prototypes; default: ${DEFAULT-VALUE})")
        String evidence;

        @Option(names = "--top", defaultValue = "5", paramLabel = "K", description = "groups and prototypes per class (default: ${DEFAULT-VALUE})")
        int top;

        @Option(names = "--no-mask", description = "leave the mask column empty (smaller output)")
        boolean noMask;

        @Override
        int run(PrintWriter out) throws Exception {
            return SparkJobs.segment(common, Evidence.parse(evidence), top, !noMask, out);
        }
    }

    @Command(name = "eval", mixinStandardHelpOptions = true,
            description = "mIoU, per-class IoU and pixel accuracy of the model on images paired with label masks by name.")
    static final class Eval extends Job {
        @Option(names = "--labels", required = true, paramLabel = "PATH",
                description = "label masks: grey or palette PNGs of class ids, named as their images")
        String labels;

        @Option(names = "--ignore-label", defaultValue = "-1", paramLabel = "V",
                description = "the void label of the masks (default: the model card's, else 255)")
        int ignoreLabel;

        @Override
        int run(PrintWriter out) throws Exception {
            return SparkJobs.eval(common, labels, ignoreLabel, out);
        }
    }

    @Command(name = "audit", mixinStandardHelpOptions = true,
            description = "Per prototype and group, on how many pixels of each class it is decisive and its mean contribution "
                    + "(with --labels also the mIoU change without it): which learned parts decide each class.")
    static final class Audit extends Job {
        @Option(names = "--labels", paramLabel = "PATH", description = "label masks, for the mIoU change of each part (optional)")
        String labels;

        @Option(names = "--ignore-label", defaultValue = "-1", paramLabel = "V",
                description = "the void label of the masks (default: the model card's, else 255)")
        int ignoreLabel;

        @Override
        int run(PrintWriter out) throws Exception {
            return SparkJobs.audit(common, labels, ignoreLabel, out);
        }
    }
}
