package io.scaleprotoseg.sdk.internal;

import java.util.Arrays;

/**
 * Places overlapping tiles over an image and stitches their feature-resolution outputs onto one
 * grid over the whole image, by the rules {@code InputSizing.tiled} documents: logits blended with a
 * raised-cosine window over each inner tile side's overlap; evidence, with that tile's own logits,
 * copied whole from each cell's deciding tile (largest window weight, first tile on ties).
 *
 * <p>Not thread-safe: one stitcher per image. Memory: the stitched arrays ((2 C + Ga + Pa) floats
 * and two floats per grid cell), never a whole-image input or activation.
 */
public final class TileStitcher {
    /** Smallest window weight, so that a cell on an inner tile side still counts when no other tile covers it. */
    private static final double MIN_WEIGHT = 1e-4;

    private final int width;
    private final int height;
    private final int overlap;
    private final int tileWidth;
    private final int tileHeight;
    private final int[] xs;
    private final int[] ys;
    private int rows;
    private int columns;
    private int classes;
    private float[] blended;
    private float[] weightSum;
    private float[] best;
    private float[] decidedLogits;
    private float[] groups;
    private float[] prototypes;

    /**
     * @param width image width
     * @param height image height
     * @param tileSize the tile's side (tiles are {@code min(tileSize, width) x min(tileSize, height)})
     * @param overlap pixels shared by neighbouring tiles, {@code 0 <= overlap < tileSize / 2}
     */
    public TileStitcher(int width, int height, int tileSize, int overlap) {
        this.width = width;
        this.height = height;
        this.overlap = overlap;
        this.tileWidth = Math.min(tileSize, width);
        this.tileHeight = Math.min(tileSize, height);
        this.xs = positions(width, tileWidth, overlap);
        this.ys = positions(height, tileHeight, overlap);
    }

    /**
     * The first pixel of each tile along an axis of {@code side} pixels: n = ceil((side - overlap) /
     * (tile - overlap)) tiles spread evenly from 0 to {@code side - tile}, so that neighbours share
     * at least {@code overlap} pixels.
     */
    public static int[] positions(int side, int tile, int overlap) {
        if (side <= tile) {
            return new int[] {0};
        }
        int n = (int) Math.ceil((side - overlap) / (double) (tile - overlap));
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = (int) Math.round(i * (side - tile) / (double) (n - 1));
        }
        return p;
    }

    public int tileWidth() {
        return tileWidth;
    }

    public int tileHeight() {
        return tileHeight;
    }

    /** Tile origins across. */
    public int[] xs() {
        return xs.clone();
    }

    /** Tile origins down. */
    public int[] ys() {
        return ys.clone();
    }

    public int tiles() {
        return xs.length * ys.length;
    }

    /** Cells down of the stitched grid (0 before the first tile). */
    public int rows() {
        return rows;
    }

    /** Cells across of the stitched grid (0 before the first tile). */
    public int columns() {
        return columns;
    }

    /**
     * Adds one tile's outputs (one image of a batch: arrays [channels, fh, fw]); the first tile
     * fixes the stitched grid: the tiles' cell density over the whole image.
     *
     * @param x0 the tile's first column in the image
     * @param y0 the tile's first row in the image
     * @param groupActs [Ga, fh, fw] or null
     * @param protoActs [Pa, fh, fw] or null
     */
    public void add(int x0, int y0, int fh, int fw, float[] logits, float[] groupActs, float[] protoActs) {
        int cellsT = fh * fw;
        int c = logits.length / cellsT;
        if (blended == null) {
            classes = c;
            rows = Math.max(1, (int) Math.round(height * (double) fh / tileHeight));
            columns = Math.max(1, (int) Math.round(width * (double) fw / tileWidth));
            int cells = rows * columns;
            blended = new float[c * cells];
            weightSum = new float[cells];
            best = new float[cells];
            decidedLogits = new float[c * cells];
            groups = groupActs == null ? null : new float[groupActs.length / cellsT * cells];
            prototypes = protoActs == null ? null : new float[protoActs.length / cellsT * cells];
        }
        int cells = rows * columns;
        int[] localRow = new int[rows];
        double[] rowWeight = new double[rows];
        span(y0, tileHeight, height, rows, fh, localRow, rowWeight);
        int[] localCol = new int[columns];
        double[] colWeight = new double[columns];
        span(x0, tileWidth, width, columns, fw, localCol, colWeight);
        for (int r = 0; r < rows; r++) {
            if (rowWeight[r] == 0) {
                continue;
            }
            for (int q = 0; q < columns; q++) {
                if (colWeight[q] == 0) {
                    continue;
                }
                float w = (float) Math.max(MIN_WEIGHT, rowWeight[r] * colWeight[q]);
                int cell = r * columns + q;
                int local = localRow[r] * fw + localCol[q];
                for (int k = 0; k < c; k++) {
                    blended[k * cells + cell] += w * logits[k * cellsT + local];
                }
                weightSum[cell] += w;
                if (w > best[cell]) {
                    best[cell] = w;
                    for (int k = 0; k < c; k++) {
                        decidedLogits[k * cells + cell] = logits[k * cellsT + local];
                    }
                    copyChannels(groupActs, groups, cellsT, local, cells, cell);
                    copyChannels(protoActs, prototypes, cellsT, local, cells, cell);
                }
            }
        }
    }

    private static void copyChannels(float[] from, float[] to, int fromCells, int fromCell, int toCells, int toCell) {
        if (from == null) {
            return;
        }
        int channels = from.length / fromCells;
        for (int k = 0; k < channels; k++) {
            to[k * toCells + toCell] = from[k * fromCells + fromCell];
        }
    }

    /**
     * For the stitched grid's cells along one axis: the tile's nearest cell and the window weight
     * (0 where the cell's centre is outside the tile).
     */
    private void span(int start, int tile, int side, int gridCells, int tileCells, int[] local, double[] weight) {
        for (int g = 0; g < gridCells; g++) {
            double centre = (g + 0.5) * side / gridCells;
            double d = centre - start;
            if (d < 0 || d >= tile) {
                continue;
            }
            local[g] = Math.min(tileCells - 1, (int) (d * tileCells / tile));
            double w = 1;
            if (overlap > 0) {
                if (start > 0) {
                    w = Math.min(w, ramp(d / overlap));
                }
                if (start + tile < side) {
                    w = Math.min(w, ramp((tile - d) / overlap));
                }
            }
            weight[g] = w;
        }
    }

    /** Raised cosine from 0 at the tile side to 1 an overlap inside it. */
    static double ramp(double u) {
        return u >= 1 ? 1 : 0.5 - 0.5 * Math.cos(Math.PI * u);
    }

    /** The blended logits [C, rows, columns]: each cell's window-weighted mean over the tiles holding it. */
    public float[] blendedLogits() {
        float[] out = Arrays.copyOf(blended, blended.length);
        int cells = rows * columns;
        for (int k = 0; k < classes; k++) {
            for (int cell = 0; cell < cells; cell++) {
                out[k * cells + cell] /= weightSum[cell];
            }
        }
        return out;
    }

    /** The deciding tiles' own logits [C, rows, columns]. */
    public float[] decidedLogits() {
        return decidedLogits;
    }

    /** The deciding tiles' group activations, or null. */
    public float[] groupActivations() {
        return groups;
    }

    /** The deciding tiles' prototype activations, or null. */
    public float[] prototypeActivations() {
        return prototypes;
    }
}
