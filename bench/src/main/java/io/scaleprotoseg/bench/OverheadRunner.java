package io.scaleprotoseg.bench;

import io.scaleprotoseg.sdk.Backend;
import io.scaleprotoseg.sdk.Evidence;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.sdk.PixelExplanation;
import io.scaleprotoseg.sdk.Segmentation;
import io.scaleprotoseg.sdk.Segmenter;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Side-by-side overhead runner. In one process, for each evidence level, it interleaves the bare
 * ONNX Runtime baseline ({@link BareOrt}) and {@code Segmenter.segment(float[], w, h)} on the same
 * model and input, and prints per variant the median and p90 of one call, and the overhead as
 * segmenter / bare. Noise and drift on a shared machine hit both variants alike, so these ratios
 * are the figures to report.
 *
 * <p><b>Why blocks, not strict A/B per call.</b> Each variant has its own ORT session and so its
 * own intra-op thread pool, and ORT's pool threads spin for a while after a run (ORT's default
 * {@code session.intra_op.allow_spinning = 1}). Right after a switch the other pool is still
 * spinning and takes a core away: on 2 cores the first one or two calls after a switch take about
 * twice as long (measured: 16 ms steady, 37 to 51 ms right after a switch). Alternating call by
 * call would therefore measure that contention, not the SDK. So the runner alternates
 * <em>blocks</em>: {@code --block} calls of one variant, then of the other (which one goes first
 * alternates from round to round), and drops the first {@code --discard} calls of every block.
 * The per-round ratio is median(segmenter block) / median(bare block); the reported overhead is
 * the median of the per-round ratios with a distribution-free 95% interval.
 *
 * <p>Finally it times {@code Segmentation.explain(x, y)} on a FULL result at random pixels.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar io.scaleprotoseg.bench.OverheadRunner [options]
 *   --model scaleprotoseg|protoseg   model kind (default scaleprotoseg)
 *   --levels none,groups,full        evidence levels (default all three)
 *   --rounds N                       measured rounds per level (default 25)
 *   --warmup N                       unmeasured rounds per level first (default 3)
 *   --block N                        calls per variant per round (default 6)
 *   --discard N                      calls dropped at the start of each block (default 2)
 *   --threads N                      intra-op threads of both, 0 = all processors (default 0)
 *   --size S                         image side (default 513)
 *   --unpinned                       bare baseline without pinned outputs
 *   --explain-samples N              explain() calls timed (default 20000)
 * </pre>
 */
public final class OverheadRunner {
    private OverheadRunner() {
    }

    /** Options of one run. */
    static final class Options {
        String model = "scaleprotoseg";
        List<Evidence> levels = List.of(Evidence.NONE, Evidence.GROUPS, Evidence.FULL);
        int rounds = 25;
        int warmup = 3;
        int block = 6;
        int discard = 2;
        int threads = 0;
        int size = BenchModels.SIZE;
        boolean pinned = true;
        int explainSamples = 20000;

        static Options parse(String[] args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (!a.equals("--unpinned") && !a.equals("-h") && !a.equals("--help") && i + 1 >= args.length) {
                    throw new IllegalArgumentException("option " + a + " needs a value");
                }
                switch (a) {
                    case "--model":
                        o.model = args[++i];
                        break;
                    case "--levels":
                        List<Evidence> ls = new ArrayList<>();
                        for (String s : args[++i].split(",")) {
                            ls.add(Evidence.parse(s));
                        }
                        o.levels = ls;
                        break;
                    case "--rounds":
                        o.rounds = positive(a, args[++i]);
                        break;
                    case "--warmup":
                        o.warmup = Integer.parseInt(args[++i]);
                        break;
                    case "--block":
                        o.block = positive(a, args[++i]);
                        break;
                    case "--discard":
                        o.discard = Integer.parseInt(args[++i]);
                        break;
                    case "--threads":
                        o.threads = Integer.parseInt(args[++i]);
                        break;
                    case "--size":
                        o.size = positive(a, args[++i]);
                        break;
                    case "--unpinned":
                        o.pinned = false;
                        break;
                    case "--explain-samples":
                        o.explainSamples = positive(a, args[++i]);
                        break;
                    case "-h":
                    case "--help":
                        throw new IllegalArgumentException("");
                    default:
                        throw new IllegalArgumentException("unknown option " + a);
                }
            }
            if (o.discard < 0 || o.discard >= o.block) {
                throw new IllegalArgumentException("--discard must lie in 0..block-1");
            }
            return o;
        }

        private static int positive(String name, String v) {
            int n = Integer.parseInt(v);
            if (n < 1) {
                throw new IllegalArgumentException(name + " must be positive");
            }
            return n;
        }
    }

    /** One level's measurements (ms), or the error that stopped it. */
    record LevelResult(Evidence level, double[] bareMs, double[] segMs, double[] roundRatios, double[] sdkOutsideMs,
            String error) {
    }

    public static void main(String[] args) throws Exception {
        Options o;
        try {
            o = Options.parse(args);
        } catch (RuntimeException e) {
            System.err.println((e.getMessage() == null || e.getMessage().isEmpty() ? "" : e.getMessage() + "\n")
                    + "usage: OverheadRunner [--model scaleprotoseg|protoseg] [--levels none,groups,full] [--rounds N]"
                    + " [--warmup N] [--block N] [--discard N] [--threads N] [--size S] [--unpinned]"
                    + " [--explain-samples N]");
            System.exit(2);
            return;
        }
        PrintStream out = System.out;
        ModelKind kind = BenchModels.kind(o.model);
        int threads = BenchModels.threads(o.threads);
        float[] image = BenchModels.randomImage(o.size, o.size);
        Path file = BenchModels.writeModel(kind);
        out.printf(Locale.ROOT, "model %s (%s)%ninput 1x3x%dx%d, ORT CPU, %d intra-op threads, %d processors, bare outputs"
                        + " %s%nper level: %d warm-up + %d measured rounds; a round = %d calls of each variant in blocks,"
                        + " first %d of each block dropped%n",
                kind.id(), describe(kind), o.size, o.size, threads, Runtime.getRuntime().availableProcessors(),
                o.pinned ? "pinned" : "unpinned", o.warmup, o.rounds, o.block, o.discard);
        List<LevelResult> results = new ArrayList<>();
        try {
            for (Evidence level : o.levels) {
                results.add(runLevel(o, kind, threads, file, image, level));
            }
            report(results, out);
            explain(o, threads, file, image, out);
        } finally {
            BenchModels.deleteModel(file);
        }
    }

    private static String describe(ModelKind kind) {
        var s = BenchModels.spec(kind);
        return s.classes() + " classes, dilations " + Arrays.toString(s.dilations()) + ", K=" + s.prototypesPerClass()
                + (kind.hasGroups() ? ", G=" + s.groupsPerClass() : "") + ", D=" + s.dim() + ", backbone width "
                + s.width() + " x " + s.residualBlocks() + " residual blocks";
    }

    private static LevelResult runLevel(Options o, ModelKind kind, int threads, Path file, float[] image, Evidence level)
            throws Exception {
        // the Segmenter first, so that the process-wide ORT environment is made with the SDK's settings
        try (Segmenter seg = Segmenter.builder().model(file).backend(Backend.ORT_CPU).intraOpThreads(threads)
                        .evidence(level).build();
                BareOrt bare = new BareOrt(file, threads, o.size, o.size, BenchModels.outputs(kind, level), o.pinned)) {
            SegmentBenchmark.checkSameOutputs(seg, kind, level);
            int kept = o.block - o.discard;
            double[] bareMs = new double[o.rounds * kept];
            double[] segMs = new double[o.rounds * kept];
            double[] outside = new double[o.rounds * kept];
            double[] ratios = new double[o.rounds];
            double[] bareBlock = new double[kept];
            double[] segBlock = new double[kept];
            long sink = 0;
            for (int r = -o.warmup; r < o.rounds; r++) {
                boolean bareFirst = (r & 1) == 0;
                for (int half = 0; half < 2; half++) {
                    boolean doBare = (half == 0) == bareFirst;
                    for (int c = 0; c < o.block; c++) {
                        long t0 = System.nanoTime();
                        long outsideNs;
                        if (doBare) {
                            BareOrt.Outputs res = bare.run(image);
                            sink += res.mask()[0];
                            outsideNs = 0;
                        } else {
                            Segmentation s;
                            try {
                                s = seg.segment(image, o.size, o.size);
                            } catch (Exception | Error e) {
                                return failed(level, e);
                            }
                            sink += s.classAt(0, 0);
                            outsideNs = s.totalNanos() - s.inferenceNanos();
                        }
                        double ms = (System.nanoTime() - t0) / 1e6;
                        if (r >= 0 && c >= o.discard) {
                            int k = c - o.discard;
                            if (doBare) {
                                bareBlock[k] = ms;
                                bareMs[r * kept + k] = ms;
                            } else {
                                segBlock[k] = ms;
                                segMs[r * kept + k] = ms;
                                outside[r * kept + k] = outsideNs / 1e6;
                            }
                        }
                    }
                }
                if (r >= 0) {
                    ratios[r] = percentile(segBlock, 50) / percentile(bareBlock, 50);
                }
            }
            System.err.printf(Locale.ROOT, "%s done (%d)%n", level, sink);
            return new LevelResult(level, bareMs, segMs, ratios, outside, null);
        }
    }

    private static LevelResult failed(Evidence level, Throwable e) {
        Throwable c = e;
        while (c.getCause() != null) {
            c = c.getCause();
        }
        System.err.printf(Locale.ROOT, "%s: Segmenter.segment failed: %s%n", level, e);
        return new LevelResult(level, null, null, null, null, e + (c != e ? " (cause: " + c + ")" : ""));
    }

    private static void report(List<LevelResult> results, PrintStream out) {
        out.println();
        out.println("Wall time of one call in ms (median, p90) for bare ORT and Segmenter.segment. Overhead ratio =");
        out.println("segmenter / bare: median over rounds of median(segmenter block) / median(bare block), with its");
        out.println("distribution-free 95% interval, and the ratio of the pooled medians. 'outside engine' = median of");
        out.println("Segmentation.totalNanos - inferenceNanos (input check, buffer fill, mask copy), in ms.");
        out.println();
        out.println("level    bare med  bare p90   sdk med   sdk p90   ratio [95% CI]          pooled   outside   target");
        for (LevelResult r : results) {
            if (r.error() != null) {
                out.printf(Locale.ROOT, "%-6s   SEGMENTER FAILED: %s%n", r.level(), r.error());
                continue;
            }
            double ratio = percentile(r.roundRatios(), 50);
            double[] ci = medianInterval(r.roundRatios());
            double pooled = percentile(r.segMs(), 50) / percentile(r.bareMs(), 50);
            double target = r.level() == Evidence.NONE ? 1.10 : r.level() == Evidence.FULL ? 1.25 : Double.NaN;
            String verdict = Double.isNaN(target) ? "-"
                    : String.format(Locale.ROOT, "<= %.2f %s", target, ratio <= target ? "met" : "MISSED");
            out.printf(Locale.ROOT, "%-6s %9.2f %9.2f %9.2f %9.2f   %5.3f [%5.3f, %5.3f]   %6.3f  %7.3f   %s%n",
                    r.level(), percentile(r.bareMs(), 50), percentile(r.bareMs(), 90), percentile(r.segMs(), 50),
                    percentile(r.segMs(), 90), ratio, ci[0], ci[1], pooled, percentile(r.sdkOutsideMs(), 50), verdict);
        }
    }

    private static void explain(Options o, int threads, Path file, float[] image, PrintStream out) {
        try (Segmenter seg = Segmenter.builder().model(file).backend(Backend.ORT_CPU).intraOpThreads(threads)
                .evidence(Evidence.FULL).build()) {
            Segmentation s = seg.segment(image, o.size, o.size);
            SplittableRandom rnd = new SplittableRandom(11);
            int n = o.explainSamples;
            double[] us = new double[n];
            long sink = 0;
            // warm-up: let the JIT compile explain and its callees
            for (int i = 0; i < Math.max(5000, n / 2); i++) {
                PixelExplanation e = s.explain(rnd.nextInt(o.size), rnd.nextInt(o.size));
                sink += e.groups().size() + e.prototypes().size();
            }
            for (int i = 0; i < n; i++) {
                int x = rnd.nextInt(o.size);
                int y = rnd.nextInt(o.size);
                long t0 = System.nanoTime();
                PixelExplanation e = s.explain(x, y);
                us[i] = (System.nanoTime() - t0) / 1e3;
                sink += e.groups().size() + e.prototypes().size();
            }
            out.println();
            out.printf(Locale.ROOT, "explain(x, y) on a FULL result, %d random pixels: median %.1f us, p90 %.1f us, "
                            + "p99 %.1f us, max %.1f us; target < 1000 us %s  [%d]%n",
                    n, percentile(us, 50), percentile(us, 90), percentile(us, 99), percentile(us, 100),
                    percentile(us, 50) < 1000 ? "met" : "MISSED", sink);
        } catch (Exception e) {
            out.println();
            out.println("explain(x, y): could not get a FULL result: " + e);
        }
    }

    /**
     * A distribution-free ~95% confidence interval of the median: the order statistics at ranks
     * n/2 -/+ 0.98 sqrt(n) (normal approximation to the binomial).
     */
    static double[] medianInterval(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        int lo = (int) Math.floor(n / 2.0 - 0.98 * Math.sqrt(n));
        int hi = (int) Math.ceil(n / 2.0 + 0.98 * Math.sqrt(n));
        return new double[] {s[Math.max(0, lo - 1)], s[Math.min(n - 1, hi - 1)]};
    }

    /** The p-th percentile (nearest rank) of {@code v}. */
    static double percentile(double[] v, double p) {
        double[] s = v.clone();
        Arrays.sort(s);
        int rank = (int) Math.ceil(p / 100.0 * s.length);
        return s[Math.max(0, Math.min(s.length - 1, rank - 1))];
    }
}
