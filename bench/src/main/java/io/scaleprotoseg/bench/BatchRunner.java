package io.scaleprotoseg.bench;

import io.scaleprotoseg.graph.InferenceGraphWriter;
import io.scaleprotoseg.graph.RandomModels;
import io.scaleprotoseg.graph.network.ResNetLayout;
import io.scaleprotoseg.sdk.Backend;
import io.scaleprotoseg.sdk.Evidence;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.sdk.Segmenter;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Batch throughput of {@link Segmenter#segmentAll}: images per second at each
 * {@link Segmenter.Builder#maxBatch(int) maxBatch}, the batch sizes interleaved round by round in
 * one process (one Segmenter per batch size, all built up front).
 *
 * <pre>
 * BatchRunner --model M.onnx [--size 128x96] [--images 16] [--batches 1,2,4,8] [--rounds 3] [--threads 0]
 * BatchRunner --resnet101 [--size 513x513] ...   (a random ResNet-101 ScaleProtoSeg, 19 classes)
 * </pre>
 */
public final class BatchRunner {
    private BatchRunner() {
    }

    public static void main(String[] args) throws Exception {
        Path model = null;
        boolean resnet101 = false;
        int width = 513;
        int height = 513;
        int images = 16;
        int rounds = 3;
        int threads = 0;
        int[] batches = {1, 2, 4, 8};
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--resnet101")) {
                resnet101 = true;
                continue;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(a + " needs a value");
            }
            String v = args[++i];
            switch (a) {
                case "--model" -> model = Path.of(v);
                case "--images" -> images = Integer.parseInt(v);
                case "--rounds" -> rounds = Integer.parseInt(v);
                case "--threads" -> threads = Integer.parseInt(v);
                case "--batches" -> batches = Arrays.stream(v.split(",")).mapToInt(s -> Integer.parseInt(s.trim())).toArray();
                case "--size" -> {
                    String[] wh = v.toLowerCase(Locale.ROOT).split("x");
                    width = Integer.parseInt(wh[0]);
                    height = Integer.parseInt(wh[1]);
                }
                default -> throw new IllegalArgumentException("unknown option " + a);
            }
        }
        Path written = null;
        if (resnet101) {
            Path dir = Files.createTempDirectory("scaleprotoseg-batch-");
            written = dir.resolve("resnet101.onnx");
            RandomModels.Spec s = BenchModels.spec(ModelKind.SCALEPROTOSEG);
            InferenceGraphWriter.write(RandomModels.build(new RandomModels.Spec(s.kind(), 19, new int[] {6, 12, 18, 24}, 10, 3,
                    64, s.width(), s.residualBlocks(), List.of(), BenchModels.MODEL_SEED), ResNetLayout.Depth.R101, 1), written);
            model = written;
        }
        if (model == null) {
            throw new IllegalArgumentException("give --model M.onnx or --resnet101");
        }
        try {
            run(model, width, height, images, rounds, threads, batches);
        } finally {
            if (written != null) {
                BenchModels.deleteModel(written);
            }
        }
    }

    private static void run(Path model, int width, int height, int count, int rounds, int threads, int[] batches)
            throws Exception {
        List<BufferedImage> imgs = new ArrayList<>();
        SplittableRandom rnd = new SplittableRandom(BenchModels.INPUT_SEED);
        for (int i = 0; i < count; i++) {
            BufferedImage b = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    b.setRGB(x, y, rnd.nextInt(1 << 24));
                }
            }
            imgs.add(b);
        }
        List<Segmenter> segs = new ArrayList<>();
        try {
            for (int b : batches) {
                segs.add(Segmenter.builder().model(model).backend(Backend.ORT_CPU).evidence(Evidence.GROUPS)
                        .intraOpThreads(BenchModels.threads(threads)).maxBatch(b).build());
            }
            // one untimed pass each: first-shape set-up
            for (Segmenter s : segs) {
                s.segmentAll(imgs.subList(0, Math.min(imgs.size(), 8)));
            }
            double[][] perSecond = new double[batches.length][rounds];
            for (int r = 0; r < rounds; r++) {
                for (int k = 0; k < batches.length; k++) {
                    int i = (k + r) % batches.length; // rotate who goes first
                    long t0 = System.nanoTime();
                    segs.get(i).segmentAll(imgs);
                    perSecond[i][r] = imgs.size() / ((System.nanoTime() - t0) / 1e9);
                }
            }
            System.out.printf(Locale.ROOT, "%s, %d images of %dx%d, GROUPS evidence, %d threads, %d rounds%n",
                    model.getFileName(), count, width, height, BenchModels.threads(threads), rounds);
            double base = BenchModels.median(perSecond[0]);
            for (int k = 0; k < batches.length; k++) {
                double m = BenchModels.median(perSecond[k]);
                System.out.printf(Locale.ROOT, "batch %2d: %8.2f images/s (%.2fx batch %d)%n", batches[k], m, m / base,
                        batches[0]);
            }
        } finally {
            for (Segmenter s : segs) {
                s.close();
            }
        }
    }

}
