package io.scaleprotoseg.bench;

import io.scaleprotoseg.sdk.Backend;
import io.scaleprotoseg.sdk.Evidence;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.sdk.PixelExplanation;
import io.scaleprotoseg.sdk.Segmentation;
import io.scaleprotoseg.sdk.Segmenter;
import io.scaleprotoseg.sdk.spi.ModelOutput;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
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
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * SDK overhead: {@code Segmenter.segment(float[], 513, 513)} on ORT CPU against the same model
 * run through the plain ONNX Runtime API ({@link BareOrt}) at each evidence level, and the latency
 * of {@code Segmentation.explain(x, y)} on a FULL result.
 *
 * <p>Each benchmark runs in its own fork, and the trial set-up opens only what that benchmark
 * uses (one session), so no idle ORT thread pool competes for the cores. The model is written to
 * a temporary file at set-up ({@link BenchModels}); the input is a fixed random 513 x 513 RGB
 * image in 0..1.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class SegmentBenchmark {
    /** Model kind: scaleprotoseg or protoseg. */
    @Param("scaleprotoseg")
    public String model;

    /** Intra-op threads for both the bare session and the Segmenter; 0 = all available processors. */
    @Param("0")
    public int threads;

    /** How the bare-ORT baseline receives its outputs: pinned (reused direct buffers) or unpinned. */
    @Param("pinned")
    public String bareOutputs;

    private Path modelFile;
    private float[] image;
    private BareOrt bare;
    private Segmenter segmenter;
    private Segmentation full;
    private int[] pixels;
    private int next;

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) throws Exception {
        String bench = params.getBenchmark();
        String method = bench.substring(bench.lastIndexOf('.') + 1);
        ModelKind kind = BenchModels.kind(model);
        int t = BenchModels.threads(threads);
        modelFile = BenchModels.writeModel(kind);
        image = BenchModels.randomImage(BenchModels.SIZE, BenchModels.SIZE);
        if (method.startsWith("bareOrt_")) {
            Evidence level = Evidence.parse(method.substring("bareOrt_".length()));
            bare = new BareOrt(modelFile, t, BenchModels.SIZE, BenchModels.SIZE, BenchModels.outputs(kind, level),
                    "pinned".equals(bareOutputs.toLowerCase(Locale.ROOT)));
        } else {
            Evidence level = method.startsWith("segmenter_") ? Evidence.parse(method.substring("segmenter_".length()))
                    : Evidence.FULL;
            segmenter = Segmenter.builder().model(modelFile).backend(Backend.ORT_CPU).intraOpThreads(t)
                    .evidence(level).build();
            checkSameOutputs(segmenter, kind, level);
            if (method.equals("explain")) {
                full = segmenter.segment(image, BenchModels.SIZE, BenchModels.SIZE);
                SplittableRandom rnd = new SplittableRandom(11);
                pixels = new int[2 * 4096];
                for (int i = 0; i < pixels.length; i++) {
                    pixels[i] = rnd.nextInt(BenchModels.SIZE);
                }
            }
        }
    }

    /** Fails when the bare baseline would not request exactly the outputs the Segmenter requests. */
    static void checkSameOutputs(Segmenter segmenter, ModelKind kind, Evidence level) {
        List<String> sdk = new ArrayList<>();
        for (ModelOutput o : segmenter.requestedOutputs()) {
            sdk.add(o.onnxName());
        }
        List<String> ours = BenchModels.outputs(kind, level);
        if (!(sdk.containsAll(ours) && ours.containsAll(sdk))) {
            throw new IllegalStateException("the Segmenter requests " + sdk + " at " + level + " but the bare baseline "
                    + ours + "; update BenchModels.outputs");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        if (bare != null) {
            bare.close();
        }
        if (segmenter != null) {
            segmenter.close();
        }
        BenchModels.deleteModel(modelFile);
    }

    @Benchmark
    public BareOrt.Outputs bareOrt_none() throws Exception {
        return bare.run(image);
    }

    @Benchmark
    public BareOrt.Outputs bareOrt_groups() throws Exception {
        return bare.run(image);
    }

    @Benchmark
    public BareOrt.Outputs bareOrt_full() throws Exception {
        return bare.run(image);
    }

    @Benchmark
    public Segmentation segmenter_none() throws Exception {
        return segmenter.segment(image, BenchModels.SIZE, BenchModels.SIZE);
    }

    @Benchmark
    public Segmentation segmenter_groups() throws Exception {
        return segmenter.segment(image, BenchModels.SIZE, BenchModels.SIZE);
    }

    @Benchmark
    public Segmentation segmenter_full() throws Exception {
        return segmenter.segment(image, BenchModels.SIZE, BenchModels.SIZE);
    }

    /** explain(x, y) at a different pixel each call, cycling through 4096 random pixels. */
    @Benchmark
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    @Warmup(iterations = 3, time = 1)
    @Measurement(iterations = 5, time = 1)
    public PixelExplanation explain() {
        int i = next;
        next = (i + 2) & (pixels.length - 1);
        return full.explain(pixels[i], pixels[i + 1]);
    }
}
