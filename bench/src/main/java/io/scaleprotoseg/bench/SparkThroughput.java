package io.scaleprotoseg.bench;

import io.scaleprotoseg.sdk.Backend;
import io.scaleprotoseg.sdk.Evidence;
import io.scaleprotoseg.sdk.Images;
import io.scaleprotoseg.sdk.Segmentation;
import io.scaleprotoseg.sdk.Segmenter;
import io.scaleprotoseg.spark.SparkJobOptions;
import io.scaleprotoseg.spark.SparkSegmentation;
import io.scaleprotoseg.spark.internal.ExecutorSegmenters;
import io.scaleprotoseg.spark.internal.Rows;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.apache.spark.sql.SparkSession;

/**
 * Images per second of the Spark segmentation job at {@code local[1]} and {@code local[2]} against
 * the plain single-JVM loop, in one process: the same model, the same images (a folder, upscaled to
 * a square side, 512 by default), the same work per image (decode, segment at GROUPS evidence, the
 * row's summary and mask PNG; Spark also writes the Parquet output). Each setting runs once to warm
 * up (Spark: the first job also opens the executor's segmenter, reported as "cold"), then
 * {@code --rounds} timed passes; the median is reported.
 *
 * <pre>
 * java $SPARK_OPENS -cp bench/target/benchmarks.jar:$(cat bench/target/spark-classpath.txt) \
 *     io.scaleprotoseg.bench.SparkThroughput --model M.onnx --images DIR [--size 512] [--rounds 3]
 * </pre>
 */
public final class SparkThroughput {
    private SparkThroughput() {
    }

    public static void main(String[] args) throws Exception {
        Path model = null;
        Path source = null;
        int size = 512;
        int rounds = 3;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--model" -> model = Path.of(args[++i]);
                case "--images" -> source = Path.of(args[++i]);
                case "--size" -> size = Integer.parseInt(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + "; options: --model M.onnx --images DIR [--size 512] [--rounds 3]");
            }
        }
        if (model == null || source == null) {
            throw new IllegalArgumentException("give --model M.onnx --images DIR");
        }
        System.setProperty("io.netty.tryReflectionSetAccessible", "true");
        Path work = Files.createTempDirectory("spark-throughput");
        Path images = Files.createDirectories(work.resolve("images"));
        int n = upscale(source, images, size);
        System.out.printf(Locale.ROOT, "%d images of %s upscaled to %dx%d; model %s; %d cores%n", n, source, size, size, model,
                Runtime.getRuntime().availableProcessors());

        List<String> lines = new ArrayList<>();
        for (int threads : new int[] {1, 0}) {
            double[] t = new double[rounds];
            try (Segmenter seg = Segmenter.builder().model(model).backend(Backend.ORT_CPU).evidence(Evidence.GROUPS)
                    .intraOpThreads(threads).build()) {
                loop(seg, images);
                for (int r = 0; r < rounds; r++) {
                    long t0 = System.nanoTime();
                    loop(seg, images);
                    t[r] = (System.nanoTime() - t0) / 1e9;
                }
            }
            lines.add(String.format(Locale.ROOT, "%-38s %7.2f images/s  (median of %d passes, %.2f s each)",
                    "single-JVM loop, " + (threads == 1 ? "1 thread" : "all cores (intra-op)"), n / BenchModels.median(t), rounds, BenchModels.median(t)));
        }
        for (int cores : new int[] {1, 2}) {
            ExecutorSegmenters.closeAll();
            SparkSession spark = SparkSession.builder().master("local[" + cores + "]").appName("SparkThroughput")
                    .config("spark.ui.enabled", "false").getOrCreate();
            spark.sparkContext().setLogLevel("WARN");
            try {
                SparkJobOptions o = SparkJobOptions.of(model.toString());
                long c0 = System.nanoTime();
                run(spark, images, o, work.resolve("cold-" + cores));
                double cold = (System.nanoTime() - c0) / 1e9;
                double[] t = new double[rounds];
                for (int r = 0; r < rounds; r++) {
                    long t0 = System.nanoTime();
                    run(spark, images, o, work.resolve("out-" + cores + "-" + r));
                    t[r] = (System.nanoTime() - t0) / 1e9;
                }
                lines.add(String.format(Locale.ROOT, "%-38s %7.2f images/s  (median of %d passes, %.2f s each; first job %.2f s)",
                        "spark local[" + cores + "], 1 thread/task", n / BenchModels.median(t), rounds, BenchModels.median(t), cold));
            } finally {
                spark.stop();
            }
        }
        System.out.println();
        lines.forEach(System.out::println);
    }

    private static void run(SparkSession spark, Path images, SparkJobOptions o, Path out) throws Exception {
        SparkSegmentation.writeParquet(SparkSegmentation.segment(SparkSegmentation.readImages(spark, images.toString()), o),
                out.toString(), false);
    }

    /** The work of one Spark row, on one thread: decode, segment, summary and mask PNG. */
    private static void loop(Segmenter seg, Path images) throws Exception {
        try (Stream<Path> files = Files.list(images)) {
            for (Path f : files.sorted().toList()) {
                byte[] bytes = Files.readAllBytes(f);
                Segmentation s = seg.segment(Images.read(bytes, f.toString(), Long.MAX_VALUE));
                Rows.segmentation(f.toString(), s, SparkJobOptions.DEFAULT_TOP_K, true, 0, "");
            }
        }
    }

    private static int upscale(Path from, Path to, int size) throws IOException {
        int n = 0;
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.sorted().toList()) {
                BufferedImage src = ImageIO.read(f.toFile());
                if (src == null) {
                    continue;
                }
                BufferedImage dst = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
                Graphics2D g = dst.createGraphics();
                g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
                g.drawImage(src, 0, 0, size, size, null);
                g.dispose();
                ImageIO.write(dst, "png", to.resolve(f.getFileName().toString().replaceAll("\\.[^.]*$", "") + ".png").toFile());
                n++;
            }
        }
        return n;
    }

}
