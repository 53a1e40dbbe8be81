package io.scaleprotoseg.sdk;

import io.scaleprotoseg.sdk.internal.Bilinear;

/**
 * The grid of feature cells a model decides on (image / 8 for the DeepLabv2 backbones), and how its
 * cells map to the pixels of the original image. Feature-resolution arrays of a
 * {@link Segmentation} ({@link Segmentation#logits()}, {@link Segmentation#groupActivations()},
 * {@link Segmentation#prototypeActivations()}) are laid out on it: channel-major,
 * {@code a[(channel * rows + row) * columns + column]}.
 *
 * <p>Coordinates: pixel x covers [x, x + 1) of the image; the grid spreads evenly over the whole
 * image (whatever size the network saw), so cell column j covers [j W / columns, (j + 1) W /
 * columns) and its centre is at (j + 0.5) W / columns. Two mappings use it:
 * <ul>
 *   <li><b>nearest cell</b> ({@link #row(int)}, {@link #column(int)}, {@link #pixels(int, int)}):
 *       the cell whose centre is nearest to a pixel's centre, floor((x + 0.5) columns / W), the rule
 *       that labels cells in training and that {@link Segmentation#explain} decomposes;
 *   <li><b>upsampling</b> of maps and scores: bilinear between cell centres, clamped at the edges
 *       (ONNX Resize half_pixel, PyTorch {@code interpolate(align_corners=False)}), as the in-graph
 *       mask does.
 * </ul>
 *
 * @param rows cells down
 * @param columns cells across
 * @param imageWidth width of the original image
 * @param imageHeight height of the original image
 */
public record FeatureGrid(int rows, int columns, int imageWidth, int imageHeight) {
    public FeatureGrid {
        if (rows < 1 || columns < 1 || imageWidth < 1 || imageHeight < 1) {
            throw new IllegalArgumentException("a feature grid needs positive sizes, got " + rows + "x" + columns
                    + " cells over " + imageWidth + "x" + imageHeight + " pixels");
        }
    }

    /** Number of cells. */
    public int cells() {
        return rows * columns;
    }

    /** The row of the cell nearest to image row {@code y}. */
    public int row(int y) {
        checkRange(y, imageHeight, "y");
        return nearest(y, imageHeight, rows);
    }

    /** The column of the cell nearest to image column {@code x}. */
    public int column(int x) {
        checkRange(x, imageWidth, "x");
        return nearest(x, imageWidth, columns);
    }

    /** The centre of cell column {@code column} in image coordinates (pixel x covers [x, x + 1)). */
    public double centreX(int column) {
        checkRange(column, columns, "column");
        return (column + 0.5) * imageWidth / columns;
    }

    /** The centre of cell row {@code row} in image coordinates. */
    public double centreY(int row) {
        checkRange(row, rows, "row");
        return (row + 0.5) * imageHeight / rows;
    }

    /**
     * The image pixels whose nearest cell is (row, column): {x0, y0, x1, y1} with x1 and y1
     * exclusive. The rectangles of all cells tile the image; a cell may own no pixel when the
     * grid is finer than the image.
     */
    public int[] pixels(int row, int column) {
        checkRange(row, rows, "row");
        checkRange(column, columns, "column");
        return new int[] {first(column, imageWidth, columns), first(row, imageHeight, rows),
            column == columns - 1 ? imageWidth : first(column + 1, imageWidth, columns),
            row == rows - 1 ? imageHeight : first(row + 1, imageHeight, rows)};
    }

    /**
     * Channel {@code channel} of a feature-resolution array on this grid ({@code values[(channel *
     * rows + row) * columns + column]}) upsampled to the image, row-major: bilinear between cell
     * centres, clamped at the edges, as the in-graph mask and {@link Segmentation#groupMap} do.
     */
    public float[] upsample(float[] values, int channel) {
        checkChannels(values, channel + 1);
        return Bilinear.resize(values, channel * cells(), rows, columns, imageHeight, imageWidth);
    }

    /**
     * The class of every image pixel from scores on this grid ({@code channels} channels):
     * the argmax of the upsampled scores, ties to the lowest channel, exactly the in-graph mask
     * (ONNX Resize then ArgMax), computed without materialising the upsampled scores.
     */
    public int[] argmaxUpsampled(float[] scores, int channels) {
        checkChannels(scores, channels);
        return Bilinear.argmaxResized(scores, 0, channels, rows, columns, imageHeight, imageWidth);
    }

    private void checkChannels(float[] values, int channels) {
        if (channels < 1 || values.length < (long) channels * cells()) {
            throw new IllegalArgumentException("an array of " + values.length + " values holds "
                    + values.length / cells() + " channels of this " + rows + "x" + columns + " grid, not " + channels);
        }
    }

    static int nearest(int p, int in, int out) {
        return (int) Math.min(out - 1, ((2L * p + 1) * out) / (2L * in));
    }

    /** The first pixel p with nearest(p) >= cell: p >= cell * in / out - 0.5. */
    private static int first(int cell, int in, int out) {
        long numerator = 2L * cell * in - out;
        return (int) Math.max(0, Math.min(in, Math.floorDiv(numerator + 2L * out - 1, 2L * out)));
    }

    private static void checkRange(int v, int size, String what) {
        if (v < 0 || v >= size) {
            throw new IndexOutOfBoundsException(what + " " + v + " outside 0.." + (size - 1));
        }
    }
}
