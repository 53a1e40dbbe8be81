package io.scaleprotoseg.trainer.analysis;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import io.scaleprotoseg.sdk.FeatureGrid;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.trainer.checkpoint.Checkpoint;
import io.scaleprotoseg.trainer.checkpoint.TrainedModel;
import io.scaleprotoseg.trainer.data.DatasetException;
import io.scaleprotoseg.trainer.data.Sample;
import io.scaleprotoseg.trainer.data.SegmentationDataset;
import io.scaleprotoseg.graph.network.NetworkConfig;
import io.scaleprotoseg.trainer.model.PrototypeTable;
import io.scaleprotoseg.trainer.model.SegmentationNetwork;
import io.scaleprotoseg.trainer.phase.Projection;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;

/**
 * The interpretability measurements of METHOD.md 5 on a trained model: sparsity, group overlap
 * (IoU of the top-5% maps of groups of one class), per-scale statistics of prototype activations
 * (connected components at several percentiles), consistency and stability on part labels, and
 * nearest training patches per prototype and nearest prototypes per image patch as image grids.
 *
 * <p>Activation maps are the log-activations g (and group activations) upsampled bilinearly to
 * the image. Stability perturbs the normalised input with N(0, 0.2) noise, that is N(0, 0.2 x
 * std_c) on the 0..1 pixels of channel c, drawn from the given seed.
 */
public final class InterpretabilityAnalysis {
    /** Percentiles at which prototype maps are binarised for the per-scale statistics. */
    public static final double[] PERCENTILES = {0.5, 0.75, 0.9, 0.95};
    /** Fraction of a group map kept for the overlap measure. */
    public static final double GROUP_TOP = 0.05;
    /** Standard deviation of the stability noise on the normalised input. */
    public static final double NOISE = 0.2;

    private InterpretabilityAnalysis() {
    }

    /** Per-scale connected-component statistics: [percentile] -> mean count and mean area. */
    public record ScaleStatistics(int scale, int dilation, double[] percentiles, double[] meanCount, double[] meanArea) {
    }

    /** Everything measured. */
    public record Report(String model, int images, Sparsity sparsity, Map<String, Double> groupOverlapPerClass,
            Double groupOverlap, List<ScaleStatistics> scales, Double consistency, Double stability,
            int prototypesWithParts, Map<Integer, Double> consistencyPerPrototype, Map<Integer, Double> stabilityPerPrototype) {
    }

    /**
     * Runs the measurements and writes {@code analysis.json}, {@code scales.png},
     * {@code nearest_patches.png} and {@code nearest_prototypes.png} into {@code out}.
     *
     * @param data evaluation images (part labels, when present, give consistency and stability)
     * @param train training images for the nearest patches
     * @param images how many evaluation images to use
     * @param trainImages how many training images to search for nearest patches
     * @param topK patches per prototype and prototypes per patch
     */
    public static Report run(TrainedModel model, SegmentationDataset data, SegmentationDataset train, int images,
            int trainImages, int topK, long seed, Path out) throws DatasetException, IOException {
        SegmentationNetwork net = model.network();
        NetworkConfig cfg = net.config();
        if (!cfg.method().hasPrototypes()) {
            throw new IllegalArgumentException("a " + cfg.method().id() + " model has no prototypes to analyse");
        }
        Files.createDirectories(out);
        JniUtils.setGradMode(false);
        PrototypeTable table = net.prototypes();
        int pa = table.size();
        int c = cfg.numClasses();
        int g = cfg.groupsPerClass();
        Sparsity sparsity = Sparsity.of(net);
        boolean grouped = model.params().contains(SegmentationNetwork.GROUP_WEIGHTS);
        boolean[] active = activePrototypes(net);
        int n = Math.min(images, data.size());
        int numScales = cfg.numScales();
        double[][] count = new double[numScales][PERCENTILES.length];
        double[][] area = new double[numScales][PERCENTILES.length];
        int[] samplesPerScale = new int[numScales];
        double[] overlapSum = new double[c];
        int[] overlapN = new int[c];
        List<List<Set<Integer>>> clean = new ArrayList<>();
        List<List<Set<Integer>>> noisy = new ArrayList<>();
        for (int j = 0; j < pa; j++) {
            clean.add(new ArrayList<>());
            noisy.add(new ArrayList<>());
        }
        SplittableRandom noise = new SplittableRandom(seed);
        try (NDManager manager = NDManager.newBaseManager()) {
            for (int i = 0; i < n; i++) {
                Sample s = data.get(i);
                Maps maps = maps(net, s.image(), s, manager, grouped);
                int w = s.width();
                int h = s.height();
                FeatureGrid grid = new FeatureGrid(maps.fh, maps.fw, w, h);
                for (int j = 0; j < pa; j++) {
                    if (!active[j]) {
                        continue;
                    }
                    float[] map = grid.upsample(maps.g, j);
                    int sc = table.scales()[j];
                    for (int q = 0; q < PERCENTILES.length; q++) {
                        ConnectedComponents.Result cc = ConnectedComponents.of(ActivationMaps.aboveQuantile(map,
                                PERCENTILES[q]), w, h);
                        count[sc][q] += cc.count();
                        area[sc][q] += cc.meanArea();
                    }
                    samplesPerScale[sc]++;
                }
                if (grouped) {
                    for (int cls = 0; cls < c; cls++) {
                        for (int a = 0; a < g; a++) {
                            for (int b = a + 1; b < g; b++) {
                                boolean[] ma = ActivationMaps.top(grid.upsample(maps.groups, cls * g + a), GROUP_TOP);
                                boolean[] mb = ActivationMaps.top(grid.upsample(maps.groups, cls * g + b), GROUP_TOP);
                                overlapSum[cls] += ActivationMaps.iou(ma, mb);
                                overlapN[cls]++;
                            }
                        }
                    }
                }
                if (s.parts() != null) {
                    float[] noisyImage = perturb(s.image(), w, h, noise);
                    Maps nm = maps(net, noisyImage, s, manager, false);
                    for (int j = 0; j < pa; j++) {
                        if (!active[j] || !contains(s.labels(), table.classes()[j])) {
                            continue;
                        }
                        clean.get(j).add(PartPresence.present(grid.upsample(maps.g, j), s.parts(), w, h));
                        noisy.get(j).add(PartPresence.present(new FeatureGrid(nm.fh, nm.fw, w, h).upsample(nm.g, j),
                                s.parts(), w, h));
                    }
                }
            }
            List<ScaleStatistics> scales = new ArrayList<>();
            for (int sc = 0; sc < numScales; sc++) {
                double[] mc = new double[PERCENTILES.length];
                double[] ma = new double[PERCENTILES.length];
                for (int q = 0; q < PERCENTILES.length; q++) {
                    mc[q] = samplesPerScale[sc] == 0 ? 0 : count[sc][q] / samplesPerScale[sc];
                    ma[q] = samplesPerScale[sc] == 0 ? 0 : area[sc][q] / samplesPerScale[sc];
                }
                int dil = cfg.method() == ModelKind.SCALEPROTOSEG ? cfg.dilations()[sc] : 0;
                scales.add(new ScaleStatistics(sc, dil, PERCENTILES.clone(), mc, ma));
            }
            Map<String, Double> overlap = new LinkedHashMap<>();
            double overlapAll = 0;
            int overlapClasses = 0;
            for (int cls = 0; cls < c; cls++) {
                if (overlapN[cls] > 0) {
                    double v = overlapSum[cls] / overlapN[cls];
                    overlap.put(model.labels().classes().get(cls).name(), v);
                    overlapAll += v;
                    overlapClasses++;
                }
            }
            Map<Integer, Double> cons = new LinkedHashMap<>();
            Map<Integer, Double> stab = new LinkedHashMap<>();
            int consistent = 0;
            double stabilitySum = 0;
            for (int j = 0; j < pa; j++) {
                if (clean.get(j).isEmpty()) {
                    continue;
                }
                cons.put(table.ids()[j], PartPresence.consistency(clean.get(j)));
                stab.put(table.ids()[j], PartPresence.stability(clean.get(j), noisy.get(j)));
                consistent += PartPresence.consistent(clean.get(j)) ? 1 : 0;
                stabilitySum += stab.get(table.ids()[j]);
            }
            Report report = new Report(cfg.method().id(), n, sparsity, overlap,
                    overlapClasses == 0 ? null : overlapAll / overlapClasses, scales,
                    cons.isEmpty() ? null : (double) consistent / cons.size(), cons.isEmpty() ? null : stabilitySum / cons.size(),
                    cons.size(), cons, stab);
            Files.writeString(out.resolve("analysis.json"), Checkpoint.json().writeValueAsString(report));
            plotScales(scales, out.resolve("scales.png"));
            nearestPatches(net, model.patches(), train, Math.min(trainImages, train.size()), topK, active, manager, out);
            return report;
        }
    }

    /** Feature-resolution maps of one image. */
    private record Maps(float[] g, float[] groups, int fh, int fw) {
    }

    private static Maps maps(SegmentationNetwork net, float[] image, Sample s, NDManager base, boolean groups) {
        try (NDManager m = base.newSubManager()) {
            var o = net.forward(m.create(image, new Shape(1, 3, s.height(), s.width())));
            Shape gs = o.activations().getShape();
            return new Maps(o.activations().toFloatArray(), groups && o.groups() != null ? o.groups().toFloatArray() : null,
                    (int) gs.get(2), (int) gs.get(3));
        }
    }

    /** The image plus N(0, NOISE) noise in normalised units. */
    static float[] perturb(float[] image, int w, int h, SplittableRandom r) {
        float[] out = image.clone();
        int plane = w * h;
        for (int ch = 0; ch < 3; ch++) {
            double std = SegmentationNetwork.STD[ch];
            for (int i = 0; i < plane; i++) {
                double u = 1 - r.nextDouble();
                double z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r.nextDouble());
                out[ch * plane + i] += (float) (z * NOISE * std);
            }
        }
        return out;
    }

    private static boolean contains(int[] labels, int cls) {
        for (int l : labels) {
            if (l == cls) {
                return true;
            }
        }
        return false;
    }

    /** Prototypes with a non-zero weight in some group (all of them without groups). */
    static boolean[] activePrototypes(SegmentationNetwork net) {
        int pa = net.prototypes().size();
        boolean[] used = new boolean[pa];
        if (!net.params().contains(SegmentationNetwork.GROUP_WEIGHTS)) {
            Arrays.fill(used, true);
            return used;
        }
        float[] w = net.params().floats(SegmentationNetwork.GROUP_WEIGHTS);
        for (int i = 0; i < w.length; i++) {
            if (w[i] != 0f) {
                used[i % pa] = true;
            }
        }
        return used;
    }

    private static void plotScales(List<ScaleStatistics> scales, Path file) throws IOException {
        XYChart counts = new XYChartBuilder().width(520).height(360).title("components per map").xAxisTitle("percentile")
                .yAxisTitle("connected components").build();
        XYChart areas = new XYChartBuilder().width(520).height(360).title("mean component area").xAxisTitle("percentile")
                .yAxisTitle("pixels").build();
        for (ScaleStatistics s : scales) {
            double[] x = new double[s.percentiles().length];
            for (int i = 0; i < x.length; i++) {
                x[i] = 100 * s.percentiles()[i];
            }
            String name = "scale " + s.scale() + (s.dilation() > 0 ? " (dilation " + s.dilation() + ")" : "");
            counts.addSeries(name, x, s.meanCount());
            areas.addSeries(name, x, s.meanArea());
        }
        BufferedImage a = BitmapEncoder.getBufferedImage(counts);
        BufferedImage b = BitmapEncoder.getBufferedImage(areas);
        BufferedImage both = new BufferedImage(a.getWidth() + b.getWidth(), Math.max(a.getHeight(), b.getHeight()),
                BufferedImage.TYPE_INT_RGB);
        Graphics2D g = both.createGraphics();
        g.drawImage(a, 0, 0, null);
        g.drawImage(b, a.getWidth(), 0, null);
        g.dispose();
        ImageIO.write(both, "png", file.toFile());
    }

    /** A candidate patch: distance, image, cell. */
    private record Hit(double distance, int image, int row, int col, int fh, int fw) {
    }

    /**
     * Writes the k nearest training patches of every active prototype (a row each, the prototype's
     * own patch first) and, for the first images, the k nearest prototypes of a few cells.
     */
    private static void nearestPatches(SegmentationNetwork net, Map<Integer, byte[]> patches, SegmentationDataset train, int images, int k, boolean[] active,
            NDManager manager, Path out) throws DatasetException, IOException {
        PrototypeTable t = net.prototypes();
        int pa = t.size();
        List<PriorityQueue<Hit>> best = new ArrayList<>();
        for (int j = 0; j < pa; j++) {
            best.add(new PriorityQueue<>(Comparator.comparingDouble((Hit h) -> -h.distance())));
        }
        int[] dilations = net.config().dilations();
        List<BufferedImage[]> probeRows = new ArrayList<>();
        for (int i = 0; i < images; i++) {
            Sample s = train.get(i);
            float[] d;
            int fh;
            int fw;
            try (NDManager m = manager.newSubManager()) {
                var o = net.forward(m.create(s.image(), new Shape(1, 3, s.height(), s.width())));
                Shape ds = o.distances().getShape();
                fh = (int) ds.get(2);
                fw = (int) ds.get(3);
                d = o.distances().toFloatArray();
            }
            int cells = fh * fw;
            for (int j = 0; j < pa; j++) {
                if (!active[j]) {
                    continue;
                }
                int arg = 0;
                for (int cell = 1; cell < cells; cell++) {
                    if (d[j * cells + cell] < d[j * cells + arg]) {
                        arg = cell;
                    }
                }
                PriorityQueue<Hit> q = best.get(j);
                q.add(new Hit(d[j * cells + arg], i, arg / fw, arg % fw, fh, fw));
                if (q.size() > k) {
                    q.poll();
                }
            }
            if (i < 3) {
                // nearest prototypes of the image's centre cell and of a cell a quarter of the way down
                for (int cell : new int[] {(fh / 2) * fw + fw / 2, (fh / 4) * fw + fw / 4}) {
                    List<Integer> order = new ArrayList<>();
                    for (int j = 0; j < pa; j++) {
                        if (active[j]) {
                            order.add(j);
                        }
                    }
                    int cc = cell;
                    order.sort(Comparator.comparingDouble(j -> d[j * cells + cc]));
                    BufferedImage[] row = new BufferedImage[1 + Math.min(k, order.size())];
                    row[0] = read(Projection.patch(s, Projection.box(cell / fw, cell % fw, fh, fw, s.width(), s.height(),
                            dilations[0])));
                    for (int r = 1; r < row.length; r++) {
                        row[r] = prototypePatch(patches, t.ids()[order.get(r - 1)]);
                    }
                    probeRows.add(row);
                }
            }
        }
        List<BufferedImage[]> rows = new ArrayList<>();
        for (int j = 0; j < pa; j++) {
            if (!active[j]) {
                continue;
            }
            List<Hit> hits = new ArrayList<>(best.get(j));
            hits.sort(Comparator.comparingDouble(Hit::distance));
            BufferedImage[] row = new BufferedImage[1 + hits.size()];
            row[0] = prototypePatch(patches, t.ids()[j]);
            int dil = net.config().method() == ModelKind.SCALEPROTOSEG ? dilations[t.scales()[j]] : dilations[dilations.length - 1];
            for (int r = 0; r < hits.size(); r++) {
                Hit h = hits.get(r);
                Sample s = train.get(h.image());
                row[r + 1] = read(Projection.patch(s, Projection.box(h.row(), h.col(), h.fh(), h.fw(), s.width(), s.height(),
                        dil)));
            }
            rows.add(row);
        }
        ImageIO.write(grid(rows), "png", out.resolve("nearest_patches.png").toFile());
        ImageIO.write(grid(probeRows), "png", out.resolve("nearest_prototypes.png").toFile());
    }

    /** The prototype's projection patch from the checkpoint, or a grey square when it has none. */
    private static BufferedImage prototypePatch(Map<Integer, byte[]> patches, int id) throws IOException {
        byte[] png = patches.get(id);
        return png == null ? blank() : read(png);
    }

    private static BufferedImage blank() {
        BufferedImage b = new BufferedImage(Projection.PATCH_SIZE, Projection.PATCH_SIZE, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = b.createGraphics();
        g.setColor(Color.LIGHT_GRAY);
        g.fillRect(0, 0, b.getWidth(), b.getHeight());
        g.dispose();
        return b;
    }

    private static BufferedImage read(byte[] png) throws IOException {
        return ImageIO.read(new ByteArrayInputStream(png));
    }

    /** Rows of patches into one image, each cell PATCH_SIZE square with a 2-pixel gap. */
    static BufferedImage grid(List<BufferedImage[]> rows) {
        int cell = Projection.PATCH_SIZE + 2;
        int cols = 1;
        for (BufferedImage[] r : rows) {
            cols = Math.max(cols, r.length);
        }
        BufferedImage out = new BufferedImage(cols * cell, Math.max(1, rows.size()) * cell, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, out.getWidth(), out.getHeight());
        for (int r = 0; r < rows.size(); r++) {
            for (int c = 0; c < rows.get(r).length; c++) {
                BufferedImage p = rows.get(r)[c];
                if (p != null) {
                    g.drawImage(p, c * cell, r * cell, null);
                }
            }
            g.setColor(new Color(0x3060c0));
            g.drawRect(0, r * cell, cell - 2, cell - 2);
        }
        g.dispose();
        return out;
    }
}
