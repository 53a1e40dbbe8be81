package io.scaleprotoseg.trainer.phase;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.trainer.data.DatasetException;
import io.scaleprotoseg.trainer.data.ImageFiles;
import io.scaleprotoseg.trainer.data.Sample;
import io.scaleprotoseg.trainer.data.SegmentationDataset;
import io.scaleprotoseg.trainer.loss.LabelDownsampler;
import io.scaleprotoseg.graph.network.NetworkConfig;
import io.scaleprotoseg.trainer.model.ParameterSet;
import io.scaleprotoseg.trainer.model.PrototypeTable;
import io.scaleprotoseg.trainer.model.SegmentationNetwork;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * Prototype projection ("push", METHOD.md 4): over the training split at full resolution and
 * without augmentation, each prototype j of class c and scale s is replaced by the scale-s feature
 * vector of the cell, among cells whose (centre-nearest) label is c, nearest to it. Duplicates
 * (identical vectors) are then removed with their last-layer columns, keeping the first.
 *
 * <p>Each prototype's source is recorded: image, cell and receptive-field box, taken as the image
 * footprint of its scale's ASPP kernel around the cell (stride x (2 x dilation + 1) pixels a side;
 * ProtoSeg's summed ASPP uses the largest dilation), clipped to the image; the box's crop,
 * scaled to at most 64 pixels a side, is the prototype's patch.
 */
public final class Projection {
    /** Largest side of a stored patch. */
    public static final int PATCH_SIZE = 64;

    private Projection() {
    }

    /** One image's features: z [S*D, h, w] and d [P, h, w] flat, labels at feature resolution. */
    record Features(float[] z, float[] d, int[] labels, int h, int w) {
    }

    static Features features(SegmentationNetwork net, Sample s, NDManager base) {
        try (NDManager m = base.newSubManager()) {
            var out = net.forward(m.create(s.image(), new Shape(1, 3, s.height(), s.width())));
            Shape ds = out.distances().getShape();
            int h = (int) ds.get(2);
            int w = (int) ds.get(3);
            return new Features(out.z().toFloatArray(), out.distances().toFloatArray(),
                    LabelDownsampler.downsample(s.labels(), s.width(), s.height(), w, h), h, w);
        }
    }

    /**
     * Projects every prototype and removes duplicates; updates the network's parameters and
     * prototype table.
     *
     * @param patches receives the PNG patch of each remaining prototype, by id
     */
    public static ProjectionResult run(SegmentationNetwork net, SegmentationDataset train, NDManager base,
            Map<Integer, byte[]> patches) throws DatasetException {
        JniUtils.setGradMode(false);
        NetworkConfig cfg = net.config();
        PrototypeTable table = net.prototypes();
        int p = table.size();
        int dim = cfg.dim();
        double[] best = new double[p];
        Arrays.fill(best, Double.POSITIVE_INFINITY);
        float[][] vectors = new float[p][];
        int[][] where = new int[p][];
        for (int i = 0; i < train.size(); i++) {
            Sample s = train.get(i);
            Features f = features(net, s, base);
            int cells = f.h() * f.w();
            for (int j = 0; j < p; j++) {
                int cls = table.classes()[j];
                int scale = cfg.method() == ModelKind.SCALEPROTOSEG ? table.scales()[j] : 0;
                for (int cell = 0; cell < cells; cell++) {
                    if (f.labels()[cell] != cls) {
                        continue;
                    }
                    double d = f.d()[j * cells + cell];
                    if (d < best[j]) {
                        best[j] = d;
                        float[] v = new float[dim];
                        for (int k = 0; k < dim; k++) {
                            v[k] = f.z()[(scale * dim + k) * cells + cell];
                        }
                        vectors[j] = v;
                        where[j] = new int[] {i, cell / f.w(), cell % f.w(), f.h(), f.w(), s.width(), s.height()};
                    }
                }
            }
        }
        ParameterSet params = net.params();
        float[] protos = params.floats("prototypes");
        List<Integer> unprojected = new ArrayList<>();
        for (int j = 0; j < p; j++) {
            if (vectors[j] == null) {
                unprojected.add(table.ids()[j]);
            } else {
                System.arraycopy(vectors[j], 0, protos, j * dim, dim);
            }
        }
        // duplicates: identical vectors of the same scale, the first kept
        List<Integer> dropRows = new ArrayList<>();
        for (int j = 0; j < p; j++) {
            for (int k = 0; k < j; k++) {
                if (vectors[j] != null && table.scales()[j] == table.scales()[k] && !dropRows.contains(k)
                        && Arrays.equals(vectors[j], vectors[k])) {
                    dropRows.add(j);
                    break;
                }
            }
        }
        params.set("prototypes", protos);
        int[] drop = dropRows.stream().mapToInt(Integer::intValue).sorted().toArray();
        List<Integer> removed = new ArrayList<>();
        for (int j : drop) {
            removed.add(table.ids()[j]);
        }
        removeRows(net, drop);

        PrototypeTable kept = net.prototypes();
        List<ProjectionResult.PrototypeSource> sources = new ArrayList<>();
        int[] dilations = cfg.dilations();
        for (int j = 0; j < p; j++) {
            if (Arrays.binarySearch(drop, j) >= 0) {
                continue;
            }
            int id = table.ids()[j];
            if (where[j] == null) {
                continue;
            }
            int[] w = where[j];
            int dil = cfg.method() == ModelKind.SCALEPROTOSEG ? dilations[table.scales()[j]] : dilations[dilations.length - 1];
            List<Integer> box = box(w[1], w[2], w[3], w[4], w[5], w[6], dil);
            Sample s = train.get(w[0]);
            sources.add(new ProjectionResult.PrototypeSource(id, s.id(), w[0], w[1], w[2], box, best[j]));
            patches.put(id, patch(s, box));
        }
        if (kept.size() != p - drop.length) {
            throw new IllegalStateException("prototype table out of step after projection");
        }
        return new ProjectionResult(sources, removed, unprojected);
    }

    /** Removes prototype rows (sorted) from the prototypes, the last layer's columns and the table. */
    static void removeRows(SegmentationNetwork net, int[] drop) {
        if (drop.length == 0) {
            return;
        }
        ParameterSet params = net.params();
        PrototypeTable table = net.prototypes();
        int p = table.size();
        int dim = net.config().dim();
        int c = net.config().numClasses();
        float[] protos = params.floats("prototypes");
        float[] last = params.floats("last_layer");
        int q = p - drop.length;
        float[] protos2 = new float[q * dim];
        float[] last2 = new float[c * q];
        int r = 0;
        for (int j = 0; j < p; j++) {
            if (Arrays.binarySearch(drop, j) >= 0) {
                continue;
            }
            System.arraycopy(protos, j * dim, protos2, r * dim, dim);
            for (int cls = 0; cls < c; cls++) {
                last2[cls * q + r] = last[cls * p + j];
            }
            r++;
        }
        params.replace("prototypes", protos2, q, dim);
        params.replace("last_layer", last2, c, q);
        net.setPrototypes(table.without(drop));
    }

    /** The receptive-field box of a cell: x0, y0, x1, y1 (exclusive), clipped to the image. */
    public static List<Integer> box(int row, int col, int h, int w, int width, int height, int dilation) {
        double strideY = (double) height / h;
        double strideX = (double) width / w;
        double cy = (row + 0.5) * strideY;
        double cx = (col + 0.5) * strideX;
        double halfY = strideY * (2 * dilation + 1) / 2;
        double halfX = strideX * (2 * dilation + 1) / 2;
        int x0 = (int) Math.max(0, Math.floor(cx - halfX));
        int y0 = (int) Math.max(0, Math.floor(cy - halfY));
        int x1 = (int) Math.min(width, Math.ceil(cx + halfX));
        int y1 = (int) Math.min(height, Math.ceil(cy + halfY));
        return List.of(x0, y0, x1, y1);
    }

    /** The box's crop as a PNG, at most {@link #PATCH_SIZE} pixels a side. */
    public static byte[] patch(Sample s, List<Integer> box) {
        BufferedImage full = ImageFiles.toBufferedImage(s.image(), s.width(), s.height());
        BufferedImage crop = full.getSubimage(box.get(0), box.get(1), box.get(2) - box.get(0), box.get(3) - box.get(1));
        double scale = Math.min(1.0, (double) PATCH_SIZE / Math.max(crop.getWidth(), crop.getHeight()));
        int pw = Math.max(1, (int) Math.round(crop.getWidth() * scale));
        int ph = Math.max(1, (int) Math.round(crop.getHeight() * scale));
        BufferedImage out = new BufferedImage(pw, ph, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(crop, 0, 0, pw, ph, null);
        g.dispose();
        try (ByteArrayOutputStream bytes = new ByteArrayOutputStream()) {
            ImageIO.write(out, "png", bytes);
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
