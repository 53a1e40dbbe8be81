package io.scaleprotoseg.trainer.data;

import io.scaleprotoseg.sdk.ModelCard.ClassInfo;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;

/**
 * The ISBI 2012 EM segmentation challenge (neuronal membranes):
 *
 * <pre>
 * ROOT/train-volume.tif    multi-page TIFF, 30 grey slices of 512x512
 * ROOT/train-labels.tif    multi-page TIFF, same slices: 255 (white) = cell interior, 0 (black) = membrane
 * ROOT/test-volume.tif     optional, 30 slices without labels
 * </pre>
 *
 * <p>Two classes, 0 membrane (black) and 1 cell (white), read through the file's colour model: 8- or
 * 16-bit grey pages hold 0 and the largest value, bilevel (1-bit) pages palette indices of black and
 * white in either polarity. Any other value is refused with the slice and pixel (never thresholded),
 * so there is no void in the data (the label space still declares 255 for padding). Grey slices are
 * replicated into RGB.
 *
 * <p><b>Splits:</b> there is one labelled volume. By default val is {@value #REFERENCE_VAL_SLICES}
 * slices drawn with seed {@value #REFERENCE_SEED}, and train the other 20: the reference's own slices
 * ({@link #drawnValSlices} reproduces its {@code np.random.seed(42)}, {@code np.random.choice(30, 10,
 * replace=False)} with {@link NumpyLegacyRandom}: slices 0, 8, 9, 12, 15, 17, 23, 24, 27 and 28).
 * The earlier split, the last {@code valSlices} slices as val
 * (contiguous blocks of depth), is {@code valSplit=last}. The test split is test-volume.tif, which has no labels: all void.
 * Sample ids are {@code train-volume_SS} / {@code test-volume_SS} with the slice number.
 * The volumes are decoded once when the split is opened (30 x 512 x 512 is about 30 MB as floats).
 */
public final class IsbiEmDataset implements SegmentationDataset {
    /** Slices held out for val by the contiguous ({@code last}) split by default. */
    public static final int DEFAULT_VAL_SLICES = 5;
    /** Slices held out for val by the default, drawn split (the reference's count). */
    public static final int REFERENCE_VAL_SLICES = 10;
    /** The seed of the drawn split (the reference's). */
    public static final long REFERENCE_SEED = 42;
    /** membrane, cell; void 255 (never in the data, used for padding). */
    public static final LabelSpace LABELS = new LabelSpace(List.of(
            new ClassInfo(0, "membrane", "#000000"), new ClassInfo(1, "cell", "#FFFFFF")), 255);

    private final String name;
    private final String[] ids;
    private final float[][] grey;
    private final int[][] labels;
    private final int width;
    private final int height;

    private IsbiEmDataset(String name, String[] ids, float[][] grey, int[][] labels, int width, int height) {
        this.name = name;
        this.ids = ids;
        this.grey = grey;
        this.labels = labels;
        this.width = width;
        this.height = height;
    }

    /**
     * Opens one split.
     *
     * @param valSlices number of last slices of the training volume used as val (at least 1, fewer
     *     than the slice count)
     * @throws DatasetException naming the file at fault: missing or unreadable volume, slice counts or
     *     sizes that differ between volume and labels
     */
    public static IsbiEmDataset open(Path root, Split split, int valSlices) throws DatasetException {
        return open(root, split, valSlices, -1);
    }

    /**
     * Opens one split with {@value #REFERENCE_VAL_SLICES} val slices drawn with seed
     * {@value #REFERENCE_SEED} (the default split; see the class documentation).
     */
    public static IsbiEmDataset open(Path root, Split split) throws DatasetException {
        return open(root, split, REFERENCE_VAL_SLICES, REFERENCE_SEED);
    }

    /**
     * The val slices of a volume of {@code total} slices, in increasing order: the first
     * {@code count} of numpy's legacy {@code permutation(total)} after {@code np.random.seed(seed)},
     * which is what {@code np.random.choice(total, count, replace=False)} draws.
     */
    public static int[] drawnValSlices(int total, int count, long seed) {
        int[] val = Arrays.copyOf(new NumpyLegacyRandom(seed).permutation(total), count);
        Arrays.sort(val);
        return val;
    }

    /**
     * Opens one split.
     *
     * @param valSlices number of val slices (at least 1, fewer than the slice count)
     * @param seed the seed of the drawn split, or negative for the last {@code valSlices} slices
     * @throws DatasetException naming the file at fault
     */
    public static IsbiEmDataset open(Path root, Split split, int valSlices, long seed) throws DatasetException {
        if (split == Split.TEST) {
            Path volumeFile = root.resolve("test-volume.tif");
            List<BufferedImage> volume = ImageFiles.readPages(volumeFile, "EM volume");
            if (volume.isEmpty()) {
                throw new DatasetException("empty split 'test': " + volumeFile + " has no slices");
            }
            int w = volume.get(0).getWidth();
            int h = volume.get(0).getHeight();
            int n = volume.size();
            float[][] grey = new float[n][];
            int[][] lab = new int[n][];
            String[] ids = new String[n];
            for (int i = 0; i < n; i++) {
                grey[i] = greySlice(volume.get(i), w, h, volumeFile, i);
                lab[i] = new int[w * h];
                Arrays.fill(lab[i], LABELS.ignoreLabel());
                ids[i] = String.format(Locale.ROOT, "test-volume_%02d", i);
            }
            return new IsbiEmDataset("em/test", ids, grey, lab, w, h);
        }
        Path volumeFile = root.resolve("train-volume.tif");
        Path labelFile = root.resolve("train-labels.tif");
        List<BufferedImage> volume = ImageFiles.readPages(volumeFile, "EM volume");
        List<BufferedImage> labelPages = ImageFiles.readPages(labelFile, "EM labels");
        if (volume.size() != labelPages.size()) {
            throw new DatasetException("EM labels " + labelFile + " have " + labelPages.size() + " slices but the volume "
                    + volumeFile + " has " + volume.size());
        }
        int total = volume.size();
        if (valSlices < 1 || valSlices >= total) {
            throw new DatasetException("EM volume " + volumeFile + " has " + total + " slices; valSlices=" + valSlices
                    + " must be between 1 and " + (total - 1) + " so that train and val are both non-empty");
        }
        boolean[] isVal = new boolean[total];
        if (seed < 0) {
            Arrays.fill(isVal, total - valSlices, total, true);
        } else {
            for (int v : drawnValSlices(total, valSlices, seed)) {
                isVal[v] = true;
            }
        }
        int[] slices = IntStream.range(0, total).filter(i -> isVal[i] == (split == Split.VAL)).toArray();
        int w = volume.get(0).getWidth();
        int h = volume.get(0).getHeight();
        int n = slices.length;
        float[][] grey = new float[n][];
        int[][] lab = new int[n][];
        String[] ids = new String[n];
        for (int i = 0; i < n; i++) {
            int s = slices[i];
            grey[i] = greySlice(volume.get(s), w, h, volumeFile, s);
            BufferedImage lp = labelPages.get(s);
            if (lp.getWidth() != w || lp.getHeight() != h) {
                throw new DatasetException("EM volume " + volumeFile + " slice " + s + " is " + w + "x" + h + " but label "
                        + labelFile + " slice " + s + " is " + lp.getWidth() + "x" + lp.getHeight()
                        + "; they must have the same size");
            }
            lab[i] = binaryLabels(lp, labelFile, s);
            ids[i] = String.format(Locale.ROOT, "train-volume_%02d", s);
        }
        return new IsbiEmDataset("em/" + split.id(), ids, grey, lab, w, h);
    }

    /**
     * Membrane 0 for black, cell 1 for white, through the file's own colour model: a bilevel (1-bit)
     * page's samples are palette indices 0/1 (either polarity), an 8- or 16-bit page's 0 and the
     * largest value. Any other value (a resampled or lossy copy) is refused with the pixel.
     */
    static int[] binaryLabels(BufferedImage page, Path file, int slice) throws DatasetException {
        Raster raster = page.getRaster();
        if (raster.getNumBands() != 1) {
            throw new DatasetException("EM labels " + file + " slice " + slice + " has " + raster.getNumBands()
                    + " channels; expected grey or bilevel");
        }
        int w = page.getWidth();
        int h = page.getHeight();
        int bits = raster.getSampleModel().getSampleSize(0);
        ColorModel cm = page.getColorModel();
        int[] raw = raster.getSamples(0, 0, w, h, 0, new int[w * h]);
        int max = bits >= 31 ? Integer.MAX_VALUE : (1 << bits) - 1;
        for (int p = 0; p < raw.length; p++) {
            int v = raw[p];
            int rgb = cm instanceof IndexColorModel icm ? icm.getRGB(v) & 0xffffff : v == 0 ? 0 : v == max ? 0xffffff : -1;
            if (rgb == 0) {
                raw[p] = 0;
            } else if (rgb == 0xffffff) {
                raw[p] = 1;
            } else {
                throw new DatasetException(DatasetException.LABEL_VALUE, "EM labels " + file + " slice " + slice + " has value "
                        + v + " at (x=" + (p % w) + ", y=" + (p / w) + "): expected only black (" + (cm instanceof IndexColorModel
                        ? "a palette entry of black" : "0") + ", membrane) and white (" + (cm instanceof IndexColorModel
                        ? "a palette entry of white" : String.valueOf(max)) + ", cell); the ISBI labels are binary, so this "
                        + "is a resampled, smoothed or lossy copy: use the original train-labels.tif");
            }
        }
        return raw;
    }

    private static float[] greySlice(BufferedImage page, int w, int h, Path file, int slice) throws DatasetException {
        if (page.getWidth() != w || page.getHeight() != h) {
            throw new DatasetException("EM volume " + file + " slice " + slice + " is " + page.getWidth() + "x"
                    + page.getHeight() + " but slice 0 is " + w + "x" + h);
        }
        // grey slices replicate; a colour TIFF is reduced to its mean (EM data is grey)
        float[] rgb = ImageFiles.toRgb(page).chw();
        int n = w * h;
        if (page.getRaster().getNumBands() <= 2) {
            return Arrays.copyOf(rgb, n);
        }
        float[] g = new float[n];
        for (int i = 0; i < n; i++) {
            g[i] = (rgb[i] + rgb[n + i] + rgb[2 * n + i]) / 3f;
        }
        return g;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public LabelSpace labels() {
        return LABELS;
    }

    @Override
    public int size() {
        return ids.length;
    }

    @Override
    public Sample get(int index) {
        int n = width * height;
        float[] image = new float[3 * n];
        float[] g = grey[index];
        System.arraycopy(g, 0, image, 0, n);
        System.arraycopy(g, 0, image, n, n);
        System.arraycopy(g, 0, image, 2 * n, n);
        return new Sample(ids[index], width, height, image, labels[index].clone(), null);
    }
}
