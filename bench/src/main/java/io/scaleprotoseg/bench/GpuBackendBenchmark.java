package io.scaleprotoseg.bench;

import io.scaleprotoseg.runtime.trt.TensorRtBuild;
import io.scaleprotoseg.sdk.Backend;
import io.scaleprotoseg.sdk.Evidence;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.sdk.Segmentation;
import io.scaleprotoseg.sdk.Segmenter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * GPU backends side by side: {@code Segmenter.segment(float[], w, h)} latency (ms per image,
 * {@code Mode.AverageTime}) of TensorRT FP32, TensorRT FP16, ONNX Runtime CUDA and ONNX Runtime
 * CPU, at 513 x 513 (the DeepLab / ProtoSeg evaluation crop) and 1024 x 2048 (height x width: a
 * Cityscapes frame; parameter {@code size=2048x1024}, written width x height as everywhere in the CLI),
 * on the {@link BenchModels} ScaleProtoSeg model at evidence level GROUPS (the default).
 *
 * <p><b>GPU-gated.</b> Start it through its own {@link #main}: on a host where TensorRT cannot
 * run (no GPU, driver or libraries) it prints why and exits with status 0 without running
 * anything; otherwise it runs JMH on this class, passing on any JMH command-line options.
 * <pre>
 * java -cp bench/target/benchmarks.jar io.scaleprotoseg.bench.GpuBackendBenchmark [JMH options]
 * java -cp bench/target/benchmarks.jar io.scaleprotoseg.bench.GpuBackendBenchmark -p size=513x513
 * </pre>
 * Run through JMH's own main instead, each trial fails at set-up with the same reason (no
 * numbers are made up).
 *
 * <p>TensorRT engines are built once per GPU, precision and size into
 * {@code ~/.cache/scaleprotoseg/bench-tensorrt} (override with {@code -Dbench.trt.cache=DIR}) during
 * the trial set-up, which is not measured; the first run therefore takes minutes longer. Each
 * engine's profile is exactly the benchmarked size, as a deployment for that size would build it.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx4g"})
public class GpuBackendBenchmark {
    /** The backend: tensorrt-fp32, tensorrt-fp16, ort-cuda or ort-cpu. */
    @Param({"tensorrt-fp32", "tensorrt-fp16", "ort-cuda", "ort-cpu"})
    public String backend;

    /** Image size, WIDTHxHEIGHT. */
    @Param({"513x513", "2048x1024"})
    public String size;

    /** Evidence level of the Segmenter. */
    @Param("groups")
    public String evidence;

    private Path modelFile;
    private Segmenter segmenter;
    private float[] image;
    private int width;
    private int height;

    /** Why the GPU backends cannot be benchmarked here, or null when they can. */
    static String gpuMissing() {
        return TensorRtBuild.unavailableReason();
    }

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        String why = gpuMissing();
        if (why != null) {
            throw new IllegalStateException("GpuBackendBenchmark needs a GPU with TensorRT: " + why);
        }
        String[] wh = size.toLowerCase(Locale.ROOT).split("x");
        width = Integer.parseInt(wh[0]);
        height = Integer.parseInt(wh[1]);
        modelFile = BenchModels.writeModel(ModelKind.SCALEPROTOSEG);
        image = BenchModels.randomImage(width, height);
        Segmenter.Builder b = Segmenter.builder().model(modelFile).evidence(Evidence.parse(evidence))
                .maxPixels((long) width * height);
        switch (backend) {
            case "tensorrt-fp32", "tensorrt-fp16" -> {
                String shape = "1x3x" + height + "x" + width;
                b.backend(Backend.TENSORRT)
                        .option("trt.precision", backend.substring("tensorrt-".length()))
                        .option("trt.min_shape", shape).option("trt.opt_shape", shape).option("trt.max_shape", shape)
                        .option("trt.cache_dir", System.getProperty("bench.trt.cache",
                                Path.of(System.getProperty("user.home"), ".cache", "scaleprotoseg", "bench-tensorrt")
                                        .toString()));
            }
            case "ort-cuda" -> b.backend(Backend.ORT_CUDA);
            case "ort-cpu" -> b.backend(Backend.ORT_CPU);
            default -> throw new IllegalArgumentException("unknown backend parameter '" + backend
                    + "'; use tensorrt-fp32, tensorrt-fp16, ort-cuda or ort-cpu");
        }
        segmenter = b.build();
        System.err.println("[" + backend + " " + size + "] " + segmenter.backendInfo().description());
        segmenter.segment(image, width, height);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (segmenter != null) {
            segmenter.close();
        }
        BenchModels.deleteModel(modelFile);
    }

    @Benchmark
    public Segmentation segment() throws Exception {
        return segmenter.segment(image, width, height);
    }

    /**
     * Runs the benchmark when TensorRT can run here; otherwise says why and exits with status 0.
     *
     * @param args JMH command-line options (e.g. {@code -p size=513x513 -f 1})
     */
    public static void main(String[] args) throws RunnerException, CommandLineOptionException {
        String why = gpuMissing();
        if (why != null) {
            System.out.println("GpuBackendBenchmark skipped: " + why);
            return;
        }
        CommandLineOptions cli = new CommandLineOptions(args);
        new Runner(new OptionsBuilder().parent(cli).include(GpuBackendBenchmark.class.getName() + ".*").build()).run();
    }
}
