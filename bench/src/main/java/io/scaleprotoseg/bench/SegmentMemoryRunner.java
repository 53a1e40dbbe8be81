package io.scaleprotoseg.bench;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OrtEnvironment;
import io.scaleprotoseg.graph.ForwardWorkingSet;
import io.scaleprotoseg.graph.GeneratedImages;
import io.scaleprotoseg.graph.InferenceGraphWriter;
import io.scaleprotoseg.graph.RandomModels;
import io.scaleprotoseg.graph.network.ResNetLayout;
import io.scaleprotoseg.sdk.Backend;
import io.scaleprotoseg.sdk.Evidence;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.sdk.Segmentation;
import io.scaleprotoseg.sdk.Segmenter;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import javax.imageio.ImageIO;

/**
 * Peak resident memory of segmenting one large image with a ResNet-101 ScaleProtoSeg model, against
 * the model's forward working set ({@link ForwardWorkingSet}), one process per measured setting
 * (VmHWM of {@code /proc/self/status}, reset between phases by writing 5 to
 * {@code /proc/self/clear_refs}).
 *
 * <pre>
 * SegmentMemoryRunner prepare --dir D [--size 2048x1024]     random ResNet-101 model + generated PNG; working sets
 * SegmentMemoryRunner sdk --dir D --evidence groups [--runs 2] [--threads 0] [--option k=v ...]
 * SegmentMemoryRunner cli --dir D --evidence groups --cli samples/target/scaleprotoseg.jar
 * SegmentMemoryRunner all --dir D [--cli samples/target/scaleprotoseg.jar] [--option k=v ...]  (one child per setting)
 * SegmentMemoryRunner time --dir D [--sizes 513x513,2048x1024] [--rounds 5] --a k=v,... --b k=v,...  (interleaved latency)
 * </pre>
 *
 * Phases of {@code sdk}: the baseline (JVM, the decoded image and ONNX Runtime's native library
 * loaded, before any session), session creation, each run (the first one plans ONNX Runtime's
 * memory), and the Java-side result arrays.
 */
public final class SegmentMemoryRunner {
    static final String MODEL = "resnet101.onnx";
    static final String IMAGE = "street.png";
    private static final double MB = 1e6;

    private SegmentMemoryRunner() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0 || args[0].equals("-h") || args[0].equals("--help")) {
            usage();
            return;
        }
        String mode = args[0];
        Path dir = null;
        int width = 2048;
        int height = 1024;
        Evidence evidence = Evidence.GROUPS;
        int runs = 2;
        int threads = 0;
        int rounds = 5;
        Path cli = Path.of("samples/target/scaleprotoseg.jar");
        List<int[]> sizes = List.of(new int[] {513, 513}, new int[] {2048, 1024});
        Map<String, String> options = new LinkedHashMap<>();
        Map<String, String> a = new LinkedHashMap<>();
        Map<String, String> b = new LinkedHashMap<>();
        for (int i = 1; i < args.length; i++) {
            String k = args[i];
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(k + " needs a value");
            }
            String v = args[++i];
            switch (k) {
                case "--dir" -> dir = Path.of(v);
                case "--size" -> {
                    int[] wh = size(v);
                    width = wh[0];
                    height = wh[1];
                }
                case "--evidence" -> evidence = Evidence.parse(v);
                case "--runs" -> runs = Integer.parseInt(v);
                case "--threads" -> threads = Integer.parseInt(v);
                case "--rounds" -> rounds = Integer.parseInt(v);
                case "--cli" -> cli = Path.of(v);
                case "--sizes" -> {
                    List<int[]> s = new ArrayList<>();
                    for (String p : v.split(",")) {
                        s.add(size(p));
                    }
                    sizes = s;
                }
                case "--option" -> BenchModels.putOption(options, v);
                case "--a" -> putAll(a, v);
                case "--b" -> putAll(b, v);
                default -> throw new IllegalArgumentException("unknown option " + k);
            }
        }
        if (dir == null) {
            usage();
            System.exit(2);
            return;
        }
        switch (mode) {
            case "prepare" -> prepare(dir, width, height);
            case "sdk" -> sdk(dir, evidence, runs, threads, options);
            case "cli" -> cli(dir, evidence, cli, threads);
            case "all" -> all(dir, cli, options);
            case "time" -> time(dir, sizes, rounds, threads, a, b);
            default -> throw new IllegalArgumentException("unknown mode " + mode + "; use prepare, sdk, cli, all or time");
        }
    }

    private static void usage() {
        System.out.println("usage: SegmentMemoryRunner prepare --dir D [--size 2048x1024]\n"
                + "       SegmentMemoryRunner sdk --dir D [--evidence none|groups|full] [--runs 2] [--threads 0] [--option k=v]...\n"
                + "       SegmentMemoryRunner cli --dir D [--evidence LEVEL] [--cli samples/target/scaleprotoseg.jar]\n"
                + "       SegmentMemoryRunner all --dir D [--cli JAR] [--option k=v]...\n"
                + "       SegmentMemoryRunner time --dir D [--sizes 513x513,2048x1024] [--rounds 5] [--a k=v,...] [--b k=v,...]");
    }

    private static int[] size(String v) {
        String[] wh = v.toLowerCase(Locale.ROOT).split("x");
        return new int[] {Integer.parseInt(wh[0]), Integer.parseInt(wh[1])};
    }

    private static void putAll(Map<String, String> m, String list) {
        for (String kv : list.split(",")) {
            if (!kv.isBlank()) {
                BenchModels.putOption(m, kv.strip());
            }
        }
    }

    /** The random ResNet-101 ScaleProtoSeg of the Cityscapes preset's head (19 classes, K = 3, D = 64, G = 3). */
    static RandomModels.Spec spec() {
        return BenchModels.spec(ModelKind.SCALEPROTOSEG);
    }

    /** Writes the model and the image, and prints the working set at each evidence level. */
    private static void prepare(Path dir, int width, int height) throws IOException {
        Files.createDirectories(dir);
        Path model = dir.resolve(MODEL);
        if (!Files.isRegularFile(model)) {
            InferenceGraphWriter.write(RandomModels.build(spec(), ResNetLayout.Depth.R101, 1), model);
        }
        Path image = dir.resolve(IMAGE);
        float[] chw = GeneratedImages.image(width, height, 7);
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        int plane = width * height;
        for (int i = 0; i < plane; i++) {
            int r = Math.round(chw[i] * 255);
            int g = Math.round(chw[plane + i] * 255);
            int bl = Math.round(chw[2 * plane + i] * 255);
            img.setRGB(i % width, i / width, r << 16 | g << 8 | bl);
        }
        Path tmp = dir.resolve(IMAGE + ".tmp");
        ImageIO.write(img, "png", tmp.toFile());
        Files.move(tmp, image, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        System.out.printf(Locale.ROOT, "model %s (%.1f MB), image %s (%dx%d)%n", model, Files.size(model) / MB, image, width,
                height);
        OnnxMl.ModelProto proto = OnnxMl.ModelProto.parseFrom(Files.readAllBytes(model));
        for (Evidence e : Evidence.values()) {
            ForwardWorkingSet.Result r = workingSet(proto, e, height, width);
            System.out.printf(Locale.ROOT, "working set %-6s: weights %.1f MB + peak activations %.1f MB = %.1f MB at %s, %d "
                    + "nodes; largest live: %s%n", e, r.weightBytes() / MB, r.peakActivationBytes() / MB, r.totalBytes() / MB,
                    r.peakNode(), r.nodes(), largest(r));
        }
    }

    private static String largest(ForwardWorkingSet.Result r) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(5, r.liveAtPeak().size()); i++) {
            Map.Entry<String, Long> e = r.liveAtPeak().get(i);
            sb.append(i == 0 ? "" : ", ").append(e.getKey()).append(String.format(Locale.ROOT, " %.1f MB", e.getValue() / MB));
        }
        return sb.toString();
    }

    /** The working set of the outputs the SDK requests at {@code e} for an image run at its own size. */
    static ForwardWorkingSet.Result workingSet(OnnxMl.ModelProto proto, Evidence e, int height, int width) {
        Set<String> outs = new HashSet<>(BenchModels.outputs(ModelKind.SCALEPROTOSEG, e));
        return ForwardWorkingSet.analyse(proto, 1, height, width, outs);
    }

    /** One setting through the SDK in this process. */
    private static void sdk(Path dir, Evidence evidence, int runs, int threads, Map<String, String> options) throws Exception {
        Path model = dir.resolve(MODEL);
        BufferedImage img = ImageIO.read(dir.resolve(IMAGE).toFile());
        OrtEnvironment.getEnvironment(ai.onnxruntime.OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL, "scaleprotoseg"); // loads ONNX Runtime's native library: part of the baseline
        System.gc();
        long[] base = BenchModels.rssAndPeak();
        if (!BenchModels.resetPeak()) {
            throw new IllegalStateException("cannot reset VmHWM through /proc/self/clear_refs here");
        }
        long t0 = System.nanoTime();
        Segmenter.Builder builder = Segmenter.builder().model(model).backend(Backend.ORT_CPU).evidence(evidence)
                .intraOpThreads(BenchModels.threads(threads));
        options.forEach(builder::option);
        try (Segmenter seg = builder.build()) {
            double openS = (System.nanoTime() - t0) / 1e9;
            long[] open = BenchModels.rssAndPeak();
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "sdk %-6s options %s: baseline %.0f MB; "
                    + "session: peak %.0f MB, after %.0f MB (%.1f s; Java heap committed %.0f MB, used %.0f MB)", evidence, options,
                    base[0] / MB, open[1] / MB, open[0] / MB, openS, Runtime.getRuntime().totalMemory() / MB,
                    (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) / MB));
            long overall = open[1];
            for (int r = 1; r <= runs; r++) {
                BenchModels.resetPeak();
                long t1 = System.nanoTime();
                Segmentation s = seg.segment(img);
                double runS = (System.nanoTime() - t1) / 1e9;
                long[] after = BenchModels.rssAndPeak();
                overall = Math.max(overall, after[1]);
                line.append(String.format(Locale.ROOT, "; run %d: peak %.0f MB, after %.0f MB (%.2f s)", r, after[1] / MB,
                        after[0] / MB, runS));
                if (r == runs) {
                    line.append(String.format(Locale.ROOT, "; result arrays %.1f MB", resultBytes(s) / MB));
                }
            }
            OnnxMl.ModelProto proto = OnnxMl.ModelProto.parseFrom(Files.readAllBytes(model));
            ForwardWorkingSet.Result ws = workingSet(proto, evidence, img.getHeight(), img.getWidth());
            line.append(String.format(Locale.ROOT, "%n  peak of the process %.0f MB; working set %.0f MB; (peak - baseline) / "
                    + "working set = %.2f; peak / working set = %.2f", overall / MB, ws.totalBytes() / MB,
                    (overall - base[0]) / (double) ws.totalBytes(), overall / (double) ws.totalBytes()));
            System.out.println(line);
        }
    }

    /** Bytes of the arrays a result holds (mask, logits and the evidence at the feature grid). */
    static long resultBytes(Segmentation s) {
        long cells = (long) s.featureHeight() * s.featureWidth();
        long channels = s.card().numClasses();
        if (s.evidence() != Evidence.NONE) {
            channels += s.card().groups().size();
            if (s.evidence() == Evidence.FULL) {
                channels += s.card().prototypes().size();
            }
        }
        return 4L * s.width() * s.height() + 4L * channels * cells;
    }

    /** One setting through the command line's {@code segment}, as a child process under {@code /usr/bin/time}. */
    private static void cli(Path dir, Evidence evidence, Path jar, int threads) throws Exception {
        Path out = Files.createTempDirectory("segmem-cli-");
        try {
            List<String> cmd = new ArrayList<>(List.of("/usr/bin/time", "-f", "maxrss_kb=%M elapsed_s=%e", javaBin(), "-jar",
                    jar.toString(), "segment", "--model", dir.resolve(MODEL).toString(), "--input", dir.resolve(IMAGE).toString(),
                    "--out", out.toString(), "--evidence", evidence.name().toLowerCase(Locale.ROOT), "--threads",
                    Integer.toString(threads)));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String text;
            try (InputStream in = p.getInputStream()) {
                text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            int rc = p.waitFor();
            String stat = text.lines().filter(l -> l.startsWith("maxrss_kb=")).findFirst().orElse(null);
            if (rc != 0 || stat == null) {
                throw new IllegalStateException("segment failed (exit " + rc + "):\n" + text);
            }
            long peak = Long.parseLong(stat.replaceAll("maxrss_kb=([0-9]+).*", "$1")) * 1024;
            OnnxMl.ModelProto proto = OnnxMl.ModelProto.parseFrom(Files.readAllBytes(dir.resolve(MODEL)));
            BufferedImage img = ImageIO.read(dir.resolve(IMAGE).toFile());
            ForwardWorkingSet.Result ws = workingSet(proto, evidence, img.getHeight(), img.getWidth());
            System.out.printf(Locale.ROOT, "cli %-6s: peak of the process %.0f MB (%s); working set %.0f MB; peak / working "
                    + "set = %.2f%n", evidence, peak / MB, stat.substring(stat.indexOf(' ') + 1), ws.totalBytes() / MB,
                    peak / (double) ws.totalBytes());
        } finally {
            try (var s = Files.walk(out)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    private static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** Every setting, each in its own child JVM. */
    private static void all(Path dir, Path cli, Map<String, String> options) throws Exception {
        String cp = System.getProperty("java.class.path");
        List<List<String>> children = new ArrayList<>();
        for (Evidence e : Evidence.values()) {
            List<String> c = new ArrayList<>(List.of(javaBin(), "-cp", cp, SegmentMemoryRunner.class.getName(), "sdk", "--dir",
                    dir.toString(), "--evidence", e.name().toLowerCase(Locale.ROOT)));
            options.forEach((k, v) -> c.addAll(List.of("--option", k + "=" + v)));
            children.add(c);
        }
        if (Files.isRegularFile(cli)) {
            for (Evidence e : Evidence.values()) {
                children.add(List.of(javaBin(), "-cp", cp, SegmentMemoryRunner.class.getName(), "cli", "--dir", dir.toString(),
                        "--evidence", e.name().toLowerCase(Locale.ROOT), "--cli", cli.toString()));
            }
        } else {
            System.out.println("(no " + cli + ": build the command line to measure it too)");
        }
        for (List<String> c : children) {
            Process p = new ProcessBuilder(c).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.INHERIT).start();
            if (p.waitFor() != 0) {
                throw new IllegalStateException("child failed: " + String.join(" ", c));
            }
        }
    }

    /** Latency of two option sets, interleaved call by call in one process, at each size. */
    private static void time(Path dir, List<int[]> sizes, int rounds, int threads, Map<String, String> a, Map<String, String> b)
            throws Exception {
        Path model = dir.resolve(MODEL);
        try (Segmenter sa = open(model, threads, a); Segmenter sb = open(model, threads, b)) {
            for (int[] wh : sizes) {
                float[] image = GeneratedImages.image(wh[0], wh[1], 7);
                sa.segment(image, wh[0], wh[1]);
                sb.segment(image, wh[0], wh[1]);
                double[] ta = new double[rounds];
                double[] tb = new double[rounds];
                double[] ratio = new double[rounds];
                for (int r = 0; r < rounds; r++) {
                    boolean aFirst = r % 2 == 0;
                    for (int k = 0; k < 2; k++) {
                        boolean isA = (k == 0) == aFirst;
                        long t0 = System.nanoTime();
                        (isA ? sa : sb).segment(image, wh[0], wh[1]);
                        (isA ? ta : tb)[r] = (System.nanoTime() - t0) / 1e6;
                    }
                    ratio[r] = tb[r] / ta[r];
                }
                System.out.printf(Locale.ROOT, "%dx%d, %d rounds interleaved: a %s median %.0f ms; b %s median %.0f ms; "
                        + "median b / a = %.3f%n", wh[0], wh[1], rounds, a, BenchModels.median(ta), b, BenchModels.median(tb),
                        BenchModels.median(ratio));
            }
        }
    }

    private static Segmenter open(Path model, int threads, Map<String, String> options) throws Exception {
        Segmenter.Builder builder = Segmenter.builder().model(model).backend(Backend.ORT_CPU).evidence(Evidence.GROUPS)
                .intraOpThreads(BenchModels.threads(threads)).option("ort.allow_spinning", "0");
        options.forEach(builder::option);
        return builder.build();
    }
}
