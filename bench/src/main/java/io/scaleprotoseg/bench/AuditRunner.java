package io.scaleprotoseg.bench;

import io.scaleprotoseg.sdk.Backend;
import io.scaleprotoseg.sdk.Evidence;
import io.scaleprotoseg.sdk.Images;
import io.scaleprotoseg.sdk.PartAudit;
import io.scaleprotoseg.sdk.Segmentation;
import io.scaleprotoseg.sdk.Segmenter;
import io.scaleprotoseg.trainer.data.Datasets;
import io.scaleprotoseg.trainer.data.Sample;
import io.scaleprotoseg.trainer.data.SegmentationDataset;
import io.scaleprotoseg.trainer.data.Split;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The cost of a {@link PartAudit} against plain segmentation (issue 14's target: auditing a split
 * at most 3x the time of segmenting it at {@link Evidence#FULL}). Each round segments every image
 * once with FULL evidence (the segmenting pass, ONNX Runtime's default settings) and once more
 * while auditing it (the audit pass, timing {@link PartAudit#add} alone, on a second segmenter whose
 * idle threads sleep, as {@code scaleprotoseg audit} sets them), the two passes in alternating order.
 * {@code --option KEY=VALUE} goes to both segmenters.
 * Round 1 is reported on its own: it holds the JIT's warm-up of the audit's loops, which is most of
 * the cost of a short run from the command line. The steady state is the median of the later
 * rounds.
 *
 * <p>Images: a labelled split of a data set ({@code --data ROOT --split S}, any format
 * {@code Datasets.open} reads, labels used for the mIoU change), or one image file repeated
 * ({@code --image FILE --copies N}, no labels), e.g. a large image with a large model.
 */
public final class AuditRunner {
    private AuditRunner() {
    }

    public static void main(String[] args) throws Exception {
        Path model = null;
        Path data = null;
        Path image = null;
        Split split = Split.TEST;
        int limit = 0;
        int copies = 1;
        int rounds = 7;
        int threads = 0;
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("-h") || a.equals("--help")) {
                usage();
                return;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(a + " needs a value");
            }
            String v = args[++i];
            switch (a) {
                case "--model" -> model = Path.of(v);
                case "--data" -> data = Path.of(v);
                case "--split" -> split = Split.valueOf(v.toUpperCase(Locale.ROOT));
                case "--images" -> limit = Integer.parseInt(v);
                case "--image" -> image = Path.of(v);
                case "--copies" -> copies = Integer.parseInt(v);
                case "--rounds" -> rounds = Integer.parseInt(v);
                case "--threads" -> threads = Integer.parseInt(v);
                case "--option" -> BenchModels.putOption(options, v);
                default -> throw new IllegalArgumentException("unknown option " + a);
            }
        }
        if (model == null || (data == null) == (image == null) || rounds < 2 || copies < 1) {
            usage();
            System.exit(2);
            return;
        }
        List<float[]> pixels = new ArrayList<>();
        List<int[]> labels = new ArrayList<>();
        int width;
        int height;
        String source;
        if (data != null) {
            SegmentationDataset ds = Datasets.open(data, split);
            int n = limit == 0 ? ds.size() : Math.min(limit, ds.size());
            Sample first = ds.get(0);
            width = first.width();
            height = first.height();
            for (int i = 0; i < n; i++) {
                Sample s = ds.get(i);
                if (s.width() != width || s.height() != height) {
                    throw new IllegalArgumentException(ds.name() + ": image " + i + " is " + s.width() + "x" + s.height()
                            + ", the first " + width + "x" + height + "; this runner takes images of one size");
                }
                pixels.add(s.image());
                labels.add(s.labels());
            }
            source = ds.name() + " (" + n + " images)";
        } else {
            BufferedImage img = Images.read(image, Long.MAX_VALUE);
            width = img.getWidth();
            height = img.getHeight();
            float[] chw = Images.toRgbChw(img);
            for (int i = 0; i < copies; i++) {
                pixels.add(chw);
                labels.add(null);
            }
            source = image.getFileName() + " x" + copies;
        }
        Segmenter.Builder plain = builder(model, threads, options);
        // as scaleprotoseg audit: ONNX Runtime's threads sleep after each image, leaving the cores to the audit
        Segmenter.Builder auditing = builder(model, threads, Map.of("ort.allow_spinning", "0"));
        options.forEach(auditing::option);
        try (Segmenter seg = plain.build(); Segmenter auditSeg = auditing.build()) {
            double[] segment = new double[rounds];
            double[] audit = new double[rounds];
            PartAudit last = null;
            for (int r = 0; r < rounds; r++) {
                boolean segmentFirst = r % 2 == 1;
                for (int k = 0; k < 2; k++) {
                    if ((k == 0) == segmentFirst) {
                        long t0 = System.nanoTime();
                        for (float[] p : pixels) {
                            seg.segment(p, width, height);
                        }
                        segment[r] = (System.nanoTime() - t0) / 1e9;
                    } else {
                        PartAudit a = new PartAudit(seg.card());
                        long spent = 0;
                        for (int i = 0; i < pixels.size(); i++) {
                            Segmentation s = auditSeg.segment(pixels.get(i), width, height);
                            long t0 = System.nanoTime();
                            a.add(s, labels.get(i));
                            spent += System.nanoTime() - t0;
                        }
                        audit[r] = spent / 1e9;
                        last = a;
                    }
                }
            }
            double[] ratio = new double[rounds - 1];
            for (int r = 1; r < rounds; r++) {
                ratio[r - 1] = audit[r] / segment[r];
            }
            double[] later = ratio.clone();
            Arrays.sort(later);
            System.out.printf(Locale.ROOT, "%s, %dx%d, %s: %d parts, %d rounds (passes in alternating order)%n", source,
                    width, height, model.getFileName(), last.parts().size(), rounds);
            System.out.printf(Locale.ROOT, "round 1 (JIT warm-up): segmenting %.3f s, auditing %.3f s, audit / segment = "
                    + "%.2f%n", segment[0], audit[0], audit[0] / segment[0]);
            System.out.printf(Locale.ROOT, "rounds 2-%d, median: segmenting %.3f s, auditing %.3f s, audit / segment = %.2f "
                    + "[%.2f, %.2f]%n", rounds, BenchModels.median(Arrays.copyOfRange(segment, 1, rounds)),
                    BenchModels.median(Arrays.copyOfRange(audit, 1, rounds)), BenchModels.median(ratio), later[0],
                    later[later.length - 1]);
            if (!Double.isNaN(last.baseMeanIou())) {
                System.out.printf(Locale.ROOT, "mIoU %.4f (a check that the audit saw the labels)%n", last.baseMeanIou());
            }
        }
    }

    private static Segmenter.Builder builder(Path model, int threads, Map<String, String> options) {
        Segmenter.Builder b = Segmenter.builder().model(model).backend(Backend.ORT_CPU).evidence(Evidence.FULL)
                .intraOpThreads(BenchModels.threads(threads)).maxPixels(8192L * 8192L);
        options.forEach(b::option);
        return b;
    }

    private static void usage() {
        System.out.println("usage: AuditRunner --model M.onnx (--data ROOT [--split test] [--images N] | --image FILE "
                + "[--copies 1]) [--rounds 7] [--threads 0] [--option KEY=VALUE]...");
    }
}
