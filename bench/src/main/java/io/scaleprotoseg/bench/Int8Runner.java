package io.scaleprotoseg.bench;

import ai.onnx.proto.OnnxMl;
import io.scaleprotoseg.graph.GeneratedImages;
import io.scaleprotoseg.graph.InferenceGraphWriter;
import io.scaleprotoseg.graph.RandomModels;
import io.scaleprotoseg.graph.network.ResNetLayout;
import io.scaleprotoseg.graph.quant.ActivationType;
import io.scaleprotoseg.graph.quant.CalibrationMethod;
import io.scaleprotoseg.graph.quant.Calibrator;
import io.scaleprotoseg.graph.quant.QdqQuantizer;
import io.scaleprotoseg.runtime.ort.OrtTensorProbe;
import io.scaleprotoseg.sdk.Backend;
import io.scaleprotoseg.sdk.Evidence;
import io.scaleprotoseg.sdk.ModelComparison;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.sdk.Segmentation;
import io.scaleprotoseg.sdk.Segmenter;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * INT8 against FP32, side by side: a ResNet-101 ScaleProtoSeg with random weights (the exact
 * DeepLabv2 topology, {@link BenchModels#spec} head: 19 classes, 4 scales, 228 prototypes, 57
 * groups), quantised in QDQ form by {@link QdqQuantizer} after calibration on generated images,
 * once with uint8 and once with int8 activations; then, per image size, blocks of
 * {@code Segmenter.segment(float[], w, h)} calls of each variant in turn (ORT CPU, same threads,
 * one Segmenter each), the first call of each block dropped, the variant order rotating from round
 * to round. Per round the speed-up is median(FP32 block) / median(INT8 block); reported: medians
 * and p90 per variant, the median speed-up over rounds with its distribution-free 95% interval, and
 * the FP32-vs-INT8 mask agreement and evidence drift on the benchmark image.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar io.scaleprotoseg.bench.Int8Runner [options]
 *   --sizes 513x513,2048x1024   image sizes W x H (default both)
 *   --depth r101                backbone depth: r18, r34, r50, r101 (default r101)
 *   --width-divisor N           backbone channels divided by N (default 1)
 *   --activations uint8,int8    INT8 variants (default both)
 *   --method entropy            calibration method (default minmax)
 *   --calibration N             generated calibration images (default 4, at 513 x 513)
 *   --rounds N                  measured rounds per size (default 5)
 *   --block N                   calls per variant per round (default 3)
 *   --discard N                 calls dropped at the start of each block (default 1)
 *   --evidence none             evidence level (default none: mask and logits)
 *   --threads N                 intra-op threads, 0 = all processors (default 0)
 * </pre>
 */
public final class Int8Runner {
    private Int8Runner() {
    }

    static final class Options {
        List<int[]> sizes = List.of(new int[] {513, 513}, new int[] {2048, 1024});
        ResNetLayout.Depth depth = ResNetLayout.Depth.R101;
        int widthDivisor = 1;
        List<ActivationType> activations = List.of(ActivationType.UINT8, ActivationType.INT8);
        CalibrationMethod method = CalibrationMethod.MINMAX;
        int calibration = 4;
        int rounds = 5;
        int block = 3;
        int discard = 1;
        Evidence evidence = Evidence.NONE;
        int threads = 0;

        static Options parse(String[] args) throws Exception {
            Options o = new Options();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("option " + a + " needs a value");
                }
                String v = args[++i];
                switch (a) {
                    case "--sizes" -> {
                        List<int[]> s = new ArrayList<>();
                        for (String wh : v.split(",")) {
                            String[] p = wh.toLowerCase(Locale.ROOT).split("x");
                            s.add(new int[] {Integer.parseInt(p[0]), Integer.parseInt(p[1])});
                        }
                        o.sizes = s;
                    }
                    case "--depth" -> o.depth = ResNetLayout.Depth.valueOf(v.toUpperCase(Locale.ROOT));
                    case "--width-divisor" -> o.widthDivisor = Integer.parseInt(v);
                    case "--activations" -> {
                        List<ActivationType> t = new ArrayList<>();
                        for (String s : v.split(",")) {
                            t.add(ActivationType.parse(s));
                        }
                        o.activations = t;
                    }
                    case "--method" -> o.method = CalibrationMethod.parse(v);
                    case "--calibration" -> o.calibration = Integer.parseInt(v);
                    case "--rounds" -> o.rounds = Integer.parseInt(v);
                    case "--block" -> o.block = Integer.parseInt(v);
                    case "--discard" -> o.discard = Integer.parseInt(v);
                    case "--evidence" -> o.evidence = Evidence.parse(v);
                    case "--threads" -> o.threads = Integer.parseInt(v);
                    default -> throw new IllegalArgumentException("unknown option " + a);
                }
            }
            if (o.discard < 0 || o.discard >= o.block || o.rounds < 1 || o.calibration < 1) {
                throw new IllegalArgumentException("need rounds >= 1, calibration >= 1 and 0 <= discard < block");
            }
            return o;
        }
    }

    public static void main(String[] args) throws Exception {
        Options o;
        try {
            o = Options.parse(args);
        } catch (RuntimeException e) {
            System.err.println(e.getMessage() + "\nusage: Int8Runner [--sizes 513x513,2048x1024] [--depth r101] "
                    + "[--width-divisor N] [--activations uint8,int8] [--method minmax|percentile|entropy] [--calibration N] "
                    + "[--rounds N] [--block N] [--discard N] [--evidence none|groups|full] [--threads N]");
            System.exit(2);
            return;
        }
        PrintStream out = System.out;
        int threads = BenchModels.threads(o.threads);
        Path dir = Files.createTempDirectory("scaleprotoseg-int8-bench-");
        try {
            Path fp32 = dir.resolve("fp32.onnx");
            long t0 = System.nanoTime();
            InferenceGraphWriter.write(RandomModels.build(BenchModels.spec(ModelKind.SCALEPROTOSEG), o.depth, o.widthDivisor), fp32);
            out.printf(Locale.ROOT, "model: ScaleProtoSeg, random weights, DeepLabv2 %s / %d, %s head; written in %.1f s%n",
                    o.depth, o.widthDivisor, "19 classes, 228 prototypes, 57 groups", (System.nanoTime() - t0) / 1e9);
            List<Path> variants = new ArrayList<>(List.of(fp32));
            List<String> names = new ArrayList<>(List.of("fp32"));
            t0 = System.nanoTime();
            OnnxMl.ModelProto proto = OnnxMl.ModelProto.parseFrom(Files.readAllBytes(fp32));
            QdqQuantizer.Plan plan = QdqQuantizer.plan(proto, fp32.toString());
            List<String> tensors = plan.calibrationTensors();
            for (ActivationType type : o.activations) {
                Map<String, QdqQuantizer.Range> ranges;
                try (OrtTensorProbe probe = OrtTensorProbe.open(plan.probe().toByteArray(), threads)) {
                    ranges = Calibrator.calibrate(new Calibrator(o.method, Calibrator.DEFAULT_PERCENTILE, type)
                            .minMaxFor(plan.imageTensors()), tensors,
                            o.calibration, (i, sink) -> probe.run(GeneratedImages.image(513, 513, 1000 + i), 513, 513, tensors,
                                    sink::accept));
                }
                Path q = dir.resolve("int8-" + type.id() + ".onnx");
                InferenceGraphWriter.writeAtomically(plan.quantize(ranges, type), q);
                variants.add(q);
                names.add("int8 " + type.id());
            }
            out.printf(Locale.ROOT, "quantised: %d convolutions, %d activation tensors, %s calibration on %d generated 513x513 "
                    + "images, %.1f s; files %.1f MB (fp32) / %.1f MB (int8)%n", plan.convolutions(), plan.activations().size(),
                    o.method.id(), o.calibration, (System.nanoTime() - t0) / 1e9, Files.size(fp32) / 1e6,
                    Files.size(variants.get(variants.size() - 1)) / 1e6);
            out.printf(Locale.ROOT, "ORT CPU, %d intra-op threads, %d processors, evidence %s; per size %d rounds, a round = %d "
                    + "calls of each variant, first %d of each block dropped%n", threads, Runtime.getRuntime().availableProcessors(),
                    o.evidence, o.rounds, o.block, o.discard);
            for (int[] size : o.sizes) {
                run(o, threads, size[0], size[1], variants, names, out);
            }
        } finally {
            try (var s = Files.list(dir)) {
                for (Path p : (Iterable<Path>) s::iterator) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    private static void run(Options o, int threads, int w, int h, List<Path> files, List<String> names, PrintStream out)
            throws Exception {
        float[] image = GeneratedImages.image(w, h, 7);
        List<Segmentation> full = new ArrayList<>();
        List<Segmenter> timed = new ArrayList<>();
        try {
            for (Path f : files) {
                try (Segmenter s = Segmenter.builder().model(f).backend(Backend.ORT_CPU).intraOpThreads(threads)
                        .evidence(Evidence.FULL).build()) {
                    full.add(s.segment(image, w, h));
                }
                timed.add(Segmenter.builder().model(f).backend(Backend.ORT_CPU).intraOpThreads(threads).evidence(o.evidence)
                        .build());
            }
            int n = files.size();
            int kept = o.block - o.discard;
            double[][] ms = new double[n][o.rounds * kept];
            double[][] ratios = new double[n][o.rounds];
            double[] block = new double[kept];
            double[][] medians = new double[n][o.rounds];
            long sink = 0;
            for (int r = 0; r < o.rounds; r++) {
                for (int v0 = 0; v0 < n; v0++) {
                    int v = (v0 + r) % n;
                    for (int c = 0; c < o.block; c++) {
                        long t0 = System.nanoTime();
                        sink += timed.get(v).segment(image, w, h).classAt(0, 0);
                        double t = (System.nanoTime() - t0) / 1e6;
                        if (c >= o.discard) {
                            block[c - o.discard] = t;
                            ms[v][r * kept + c - o.discard] = t;
                        }
                    }
                    medians[v][r] = OverheadRunner.percentile(block, 50);
                }
                for (int v = 1; v < n; v++) {
                    ratios[v][r] = medians[0][r] / medians[v][r];
                }
                System.err.printf(Locale.ROOT, "%dx%d round %d/%d done (%d)%n", w, h, r + 1, o.rounds, sink);
            }
            out.println();
            out.printf(Locale.ROOT, "%d x %d: ms per segment call (median, p90); speed-up = median over rounds of "
                    + "median(fp32 block) / median(int8 block) [95%% CI]; agreement and drift vs fp32 on the benchmark image%n", w, h);
            out.println("variant       median      p90   speed-up [95% CI]       mask agree  top-3 agree  max|d contrib|  max|d g|");
            for (int v = 0; v < n; v++) {
                String cmp = "";
                if (v > 0) {
                    ModelComparison c = new ModelComparison(full.get(0).numClasses(), 255);
                    c.add(full.get(0), full.get(v), null);
                    double[] ci = OverheadRunner.medianInterval(ratios[v]);
                    cmp = String.format(Locale.ROOT, "  %5.2fx [%5.2f, %5.2f]   %9.4f  %11.4f  %14.4f  %8.4f",
                            OverheadRunner.percentile(ratios[v], 50), ci[0], ci[1], c.maskAgreement(), c.top3Agreement(),
                            c.contributionMaxDelta(), c.activationMaxDelta());
                }
                out.printf(Locale.ROOT, "%-11s %8.1f %8.1f%s%n", names.get(v), OverheadRunner.percentile(ms[v], 50),
                        OverheadRunner.percentile(ms[v], 90), cmp);
            }
        } finally {
            for (Segmenter s : timed) {
                s.close();
            }
        }
    }
}
