package io.scaleprotoseg.samples;

import io.scaleprotoseg.runtime.trt.TensorRtBuild;
import io.scaleprotoseg.runtime.trt.TrtOptions;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code trt-build}: builds the TensorRT engine of a model into an engine cache directory ahead of
 * deployment, so that the first segmenter on the target machine loads it in seconds instead of
 * building it for minutes. The engine is valid only for the GPU model, TensorRT version,
 * precision and size limits it was built for; build it on the deployment GPU.
 */
@Command(name = "trt-build", mixinStandardHelpOptions = true,
        description = {
            "Builds the TensorRT engine of a model into an engine cache, ahead of deployment.",
            "The engine is specific to the GPU model, the TensorRT version, the precision and the largest "
                + "batch and image size; an existing valid entry is reused. Segment with the same settings and "
                + "cache directory (segment --backend tensorrt) to use it."
        })
final class TrtBuildCommand extends CommandBase {
    /** The default engine cache directory: {@code ~/.cache/scaleprotoseg/tensorrt}. */
    static final Path DEFAULT_CACHE = Path.of(System.getProperty("user.home"), ".cache", "scaleprotoseg", "tensorrt");

    @Option(names = "--model", required = true, paramLabel = "MODEL", description = "the exported .onnx model")
    Path model;

    @Option(names = "--precision", defaultValue = "fp32", converter = PrecisionConverter.class, paramLabel = "PRECISION",
            description = "fp32 or fp16 (default: ${DEFAULT-VALUE})")
    String precision;

    @Option(names = "--max-size", defaultValue = "2048x2048", paramLabel = "WxH",
            description = "largest image (width x height) the engine accepts; device memory is reserved for it "
                    + "(default: ${DEFAULT-VALUE})")
    String maxSize;

    @Option(names = "--opt-size", paramLabel = "WxH",
            description = "the image size TensorRT tunes for (default: 513x513, or --max-size when smaller)")
    String optSize;

    @Option(names = "--max-batch", defaultValue = "1", paramLabel = "N",
            description = "largest batch the engine accepts; larger batches are split (default: ${DEFAULT-VALUE})")
    int maxBatch;

    @Option(names = "--cache", paramLabel = "DIR",
            description = "engine cache directory (default: ~/.cache/scaleprotoseg/tensorrt)")
    Path cache;

    @Option(names = "--workspace-mb", paramLabel = "MB",
            description = "TensorRT's builder workspace limit in MB (default: TensorRT's, the device memory)")
    Integer workspaceMb;

    @Option(names = "--device", defaultValue = "0", paramLabel = "N", description = "CUDA device (default: ${DEFAULT-VALUE})")
    int device;

    /**
     * {@code fp32} or {@code fp16} (any case), as the TensorRT option spells it; a bad value is a
     * usage error (exit 2). Checked here rather than by the TensorRT runtime's {@code Precision}, so
     * that the CPU flavour, which leaves that runtime out, parses the same options.
     */
    static final class PrecisionConverter implements CommandLine.ITypeConverter<String> {
        @Override
        public String convert(String value) {
            String v = value.strip().toLowerCase(Locale.ROOT);
            if (!v.equals("fp32") && !v.equals("fp16")) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not a precision; use fp32 or fp16");
            }
            return v;
        }
    }

    @Override
    int execute() throws Exception {
        if (!CliFlavour.hasTensorRtRuntime()) {
            throw new UserError("trt-build needs the TensorRT runtime (scaleprotoseg-runtime-trt), which this command line, "
                    + "the CPU flavour, leaves out; build the GPU flavour: " + CliFlavour.GPU_BUILD);
        }
        ModelFiles.readCard(model, "--model");
        Map<String, String> options = options(precision, maxSize, optSize, maxBatch, workspaceMb, device);
        Path dir = cache != null ? cache : DEFAULT_CACHE;
        err().println("building the TensorRT engine (" + precision + ", up to " + maxBatch + " x " + maxSize
                + ") for " + model + "; this takes minutes on a first build");
        err().flush();
        TensorRtBuild.Report r = TensorRtBuild.prebuild(model, options, dir);
        out().println(r.message());
        out().printf(Locale.ROOT, "engine:    %s (%.1f MB, %s in %.1f s)%n", r.file(), r.bytes() / 1048576.0,
                r.built() ? "built" : "already cached", r.seconds());
        out().println("valid for: " + r.gpu().name() + " (compute capability " + r.gpu().computeCapability()
                + "), TensorRT " + r.key().tensorRtVersion() + ", " + r.key().precision().id() + ", profile "
                + r.key().profile().describe());
        StringBuilder cli = new StringBuilder("segment:   scaleprotoseg segment --backend tensorrt");
        StringBuilder api = new StringBuilder("sdk:       Segmenter.builder().backend(Backend.TENSORRT)");
        options.forEach((k, v) -> {
            if (k.equals(TrtOptions.PRECISION)) {
                cli.append(" --precision ").append(v);
            } else {
                cli.append(" --backend-option ").append(k).append('=').append(v);
            }
            api.append(".option(\"").append(k).append("\", \"").append(v).append("\")");
        });
        cli.append(" --engine-cache ").append(dir.toAbsolutePath());
        api.append(".option(\"").append(TrtOptions.CACHE_DIR).append("\", \"").append(dir.toAbsolutePath()).append("\")");
        out().println(cli);
        out().println(api);
        return 0;
    }

    /**
     * The {@code trt.*} options of the command-line settings (the same keys a segmenter must be
     * given to find the engine).
     *
     * @throws UserError for a malformed size or a batch out of range
     */
    static Map<String, String> options(String precision, String maxSize, String optSize, int maxBatch,
            Integer workspaceMb, int device) {
        if (maxBatch < 1) {
            throw new UserError("--max-batch must be 1 or more, got " + maxBatch);
        }
        int[] max = size(maxSize, "--max-size");
        Map<String, String> o = new LinkedHashMap<>();
        o.put(TrtOptions.PRECISION, precision);
        o.put(TrtOptions.MAX_SHAPE, maxBatch + "x3x" + max[1] + "x" + max[0]);
        if (optSize != null) {
            int[] opt = size(optSize, "--opt-size");
            o.put(TrtOptions.OPT_SHAPE, "1x3x" + opt[1] + "x" + opt[0]);
        }
        if (workspaceMb != null) {
            o.put(TrtOptions.WORKSPACE_MB, Integer.toString(workspaceMb));
        }
        if (device != 0) {
            o.put(TrtOptions.DEVICE, Integer.toString(device));
        }
        try {
            TrtOptions.parse(o, null);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage() + " (from --max-size " + maxSize + ", --max-batch " + maxBatch
                    + (optSize == null ? "" : ", --opt-size " + optSize) + ")", e);
        }
        return o;
    }

    /** {@code WxH} as {width, height}. */
    static int[] size(String text, String option) {
        String[] p = text.strip().toLowerCase(Locale.ROOT).split("x");
        try {
            if (p.length == 2) {
                int w = Integer.parseInt(p[0].strip());
                int h = Integer.parseInt(p[1].strip());
                if (w > 0 && h > 0) {
                    return new int[] {w, h};
                }
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new UserError(option + " '" + text + "' is not a size; write WIDTHxHEIGHT, e.g. 1024x512");
    }
}
