package io.scaleprotoseg.trainer.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Glyph scenes with real pixels: Fashion-MNIST items pasted at several scales on textured
 * backgrounds. Deterministic from the seed; sample {@code i} of a split is generated from its own
 * seed, so {@link SegmentationDataset#get} is random-access and thread-safe.
 *
 * <p><b>Files:</b> the four IDX files ({@code train-images-idx3-ubyte}, {@code train-labels-idx1-ubyte},
 * {@code t10k-images-idx3-ubyte}, {@code t10k-labels-idx1-ubyte}, each optionally {@code .gz}) in
 * {@link #directory()}; by default {@link #DEBIAN_DIRECTORY}, where Debian's {@code dataset-fashion-mnist}
 * package installs them ({@code apt-get install dataset-fashion-mnist}). Any copy of the files works
 * (pass its folder as the root to {@link Datasets}, or {@link #withDirectory}).
 *
 * <p><b>Splits:</b> train pastes glyphs of the 60000 training items; val the first half of the 10000
 * t10k items, test the second half, so no glyph is shared between train and evaluation.
 *
 * <p><b>Scenes:</b> a background of two random colours in a random pattern (stripes at a random angle,
 * checkerboard or smooth noise), then 2-6 glyphs, each scaled by a log-uniform factor in [0.6, 3]
 * (bilinear), placed at random (possibly partly outside), coloured with a random colour (dark on
 * a light background, light on a dark one) and shaded by the glyph's own intensity; later glyphs
 * cover earlier ones. Labels: class 1 + (Fashion-MNIST label) where the scaled glyph intensity
 * exceeds {@link #THRESHOLD}, background (0) elsewhere. Mild per-pixel noise; pixel values are
 * 8-bit (k / 255) so that written PNGs read back identically. No part labels.
 *
 * @param directory where the IDX files are
 * @param seed the generator seed
 * @param width image width
 * @param height image height
 * @param trainCount samples in the train split
 * @param valCount samples in the val split
 * @param testCount samples in the test split
 */
public record FashionMnistScenes(Path directory, long seed, int width, int height, int trainCount, int valCount,
        int testCount) {
    /** Where Debian's dataset-fashion-mnist package puts the IDX files. */
    public static final Path DEBIAN_DIRECTORY = Path.of("/usr/share/datasets/fashion-mnist");
    /** Scaled glyph intensity (0..1) above which a pixel takes the glyph's class. */
    public static final float THRESHOLD = 0.3f;

    private static final List<String> NAMES = List.of("background", "T-shirt/top", "trouser", "pullover", "dress",
            "coat", "sandal", "shirt", "sneaker", "bag", "ankle boot");
    private static final int[] COLORS = {0x000000, 0xE6194B, 0x3CB44B, 0xFFE119, 0x4363D8, 0xF58231, 0x911EB4,
        0x46F0F0, 0xF032E6, 0xBCF60C, 0xFABEBE};

    /** background + the 10 Fashion-MNIST classes, void 255 (never generated; used for padding). */
    public static final LabelSpace LABELS = new LabelSpace(Palettes.classes(NAMES, COLORS), 255);

    public FashionMnistScenes {
        if (width < 8 || height < 8) {
            throw new IllegalArgumentException("glyph scenes need at least 8x8 pixels, got " + width + "x" + height);
        }
        if (trainCount < 0 || valCount < 0 || testCount < 0) {
            throw new IllegalArgumentException("sample counts must not be negative");
        }
    }

    /** The Debian directory, seed 0, 128x96, 500 / 100 / 100 samples. */
    public static FashionMnistScenes defaults() {
        return new FashionMnistScenes(DEBIAN_DIRECTORY, 0, 128, 96, 500, 100, 100);
    }

    public FashionMnistScenes withDirectory(Path dir) {
        return new FashionMnistScenes(dir, seed, width, height, trainCount, valCount, testCount);
    }

    public FashionMnistScenes withSeed(long s) {
        return new FashionMnistScenes(directory, s, width, height, trainCount, valCount, testCount);
    }

    public FashionMnistScenes withSize(int w, int h) {
        return new FashionMnistScenes(directory, seed, w, h, trainCount, valCount, testCount);
    }

    public FashionMnistScenes withCounts(int train, int val, int test) {
        return new FashionMnistScenes(directory, seed, width, height, train, val, test);
    }

    /** The number of samples of a split. */
    public int count(Split split) {
        return switch (split) {
            case TRAIN -> trainCount;
            case VAL -> valCount;
            case TEST -> testCount;
        };
    }

    /**
     * Loads the glyphs of a split and returns its scenes.
     *
     * @throws DatasetException naming the IDX file that is missing or malformed, or the directory
     *     when the split would be empty
     */
    public SegmentationDataset dataset(Split split) throws DatasetException {
        String prefix = split == Split.TRAIN ? "train" : "t10k";
        IdxFile.Images images = IdxFile.readImages(find(prefix + "-images-idx3-ubyte"));
        byte[] labels = IdxFile.readLabels(find(prefix + "-labels-idx1-ubyte"));
        if (labels.length != images.count()) {
            throw new DatasetException(find(prefix + "-labels-idx1-ubyte") + " has " + labels.length + " labels but "
                    + find(prefix + "-images-idx3-ubyte") + " has " + images.count() + " images");
        }
        int from = 0;
        int to = images.count();
        if (split == Split.VAL) {
            to = images.count() / 2;
        } else if (split == Split.TEST) {
            from = images.count() / 2;
        }
        if (to <= from) {
            throw new DatasetException("empty split '" + split.id() + "': the " + prefix + " files in " + directory
                    + " hold too few glyphs (" + images.count() + ")");
        }
        for (int i = from; i < to; i++) {
            if ((labels[i] & 0xff) > 9) {
                throw new DatasetException(find(prefix + "-labels-idx1-ubyte") + " has label " + (labels[i] & 0xff)
                        + " at item " + i + "; Fashion-MNIST labels are 0..9");
            }
        }
        if (count(split) == 0) {
            throw new DatasetException("empty split '" + split.id() + "': the configured sample count is 0");
        }
        return new Generated(this, split, images, labels, from, to);
    }

    private Path find(String base) throws DatasetException {
        for (String name : List.of(base, base + ".gz")) {
            Path p = directory.resolve(name);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        throw new DatasetException("Fashion-MNIST file " + directory.resolve(base) + "[.gz] does not exist"
                + (directory.equals(DEBIAN_DIRECTORY) ? " (install the Debian package dataset-fashion-mnist, or give the folder of the IDX files)"
                        : ""));
    }

    private static final class Generated implements SegmentationDataset {
        private final FashionMnistScenes cfg;
        private final Split split;
        private final IdxFile.Images glyphs;
        private final byte[] glyphLabels;
        private final int from;
        private final int to;

        Generated(FashionMnistScenes cfg, Split split, IdxFile.Images glyphs, byte[] glyphLabels, int from, int to) {
            this.cfg = cfg;
            this.split = split;
            this.glyphs = glyphs;
            this.glyphLabels = glyphLabels;
            this.from = from;
            this.to = to;
        }

        @Override
        public String name() {
            return "fashion-mnist-scenes/" + split.id();
        }

        @Override
        public LabelSpace labels() {
            return LABELS;
        }

        @Override
        public int size() {
            return cfg.count(split);
        }

        @Override
        public Sample get(int index) {
            if (index < 0 || index >= size()) {
                throw new IndexOutOfBoundsException(index);
            }
            SplittableRandom rng = new SplittableRandom(Noise.sampleSeed(cfg.seed, split, index));
            int w = cfg.width;
            int h = cfg.height;
            int n = w * h;
            float[] img = new float[3 * n];
            int[] lab = new int[n];
            float[] bg = paintBackground(rng, img, w, h);
            // glyphs contrast with the background: dark on light, light on dark
            boolean darkGlyphs = 0.299 * bg[0] + 0.587 * bg[1] + 0.114 * bg[2] > 0.5;
            int count = 2 + rng.nextInt(5);
            float[] color = new float[3];
            for (int g = 0; g < count; g++) {
                int item = from + rng.nextInt(to - from);
                int cls = 1 + (glyphLabels[item] & 0xff);
                double scale = Math.exp(Math.log(0.6) + rng.nextDouble() * (Math.log(3.0) - Math.log(0.6)));
                int size = (int) Math.max(6, Math.min(Math.min(w, h), Math.round(glyphs.rows() * scale)));
                int sizeX = (int) Math.max(6, Math.round(size * (double) glyphs.cols() / glyphs.rows()));
                int x0 = -sizeX / 4 + rng.nextInt(Math.max(1, w - sizeX / 2));
                int y0 = -size / 4 + rng.nextInt(Math.max(1, h - size / 2));
                for (int c = 0; c < 3; c++) {
                    double r = rng.nextDouble();
                    color[c] = (float) (darkGlyphs ? 0.03 + 0.4 * r : 0.6 + 0.4 * r);
                }
                paste(item, cls, x0, y0, sizeX, size, color, img, lab, w, h);
            }
            long salt = rng.nextLong();
            for (int i = 0; i < n; i++) {
                for (int c = 0; c < 3; c++) {
                    double noise = (Noise.hash01(i, c, salt) + Noise.hash01(i, c + 3, salt) - 1) * 0.04;
                    img[c * n + i] = ImageFiles.to8((float) (img[c * n + i] + noise)) / 255f;
                }
            }
            return new Sample(String.format(Locale.ROOT, "%s_%05d", split.id(), index), w, h, img, lab, null);
        }

        private void paste(int item, int cls, int x0, int y0, int sw, int sh, float[] color, float[] img, int[] lab,
                int w, int h) {
            int n = w * h;
            int rows = glyphs.rows();
            int cols = glyphs.cols();
            for (int y = Math.max(0, y0); y < Math.min(h, y0 + sh); y++) {
                double sy = (y - y0 + 0.5) * rows / sh - 0.5;
                for (int x = Math.max(0, x0); x < Math.min(w, x0 + sw); x++) {
                    double sx = (x - x0 + 0.5) * cols / sw - 0.5;
                    double a = bilinear(item, sx, sy, rows, cols) / 255.0;
                    if (a <= 0) {
                        continue;
                    }
                    int i = y * w + x;
                    double shade = 0.55 + 0.45 * a;
                    for (int c = 0; c < 3; c++) {
                        img[c * n + i] = (float) (img[c * n + i] * (1 - a) + color[c] * shade * a);
                    }
                    if (a > THRESHOLD) {
                        lab[i] = cls;
                    }
                }
            }
        }

        private double bilinear(int item, double x, double y, int rows, int cols) {
            x = Math.max(0, Math.min(cols - 1, x));
            y = Math.max(0, Math.min(rows - 1, y));
            int ix = (int) Math.floor(x);
            int iy = (int) Math.floor(y);
            int ix1 = Math.min(cols - 1, ix + 1);
            int iy1 = Math.min(rows - 1, iy + 1);
            double tx = x - ix;
            double ty = y - iy;
            double top = glyphs.pixel(item, ix, iy) * (1 - tx) + glyphs.pixel(item, ix1, iy) * tx;
            double bottom = glyphs.pixel(item, ix, iy1) * (1 - tx) + glyphs.pixel(item, ix1, iy1) * tx;
            return top * (1 - ty) + bottom * ty;
        }

        /** Paints the background and returns its mean colour. */
        private static float[] paintBackground(SplittableRandom rng, float[] img, int w, int h) {
            int n = w * h;
            float[] a = new float[3];
            float[] b = new float[3];
            for (int c = 0; c < 3; c++) {
                a[c] = (float) (0.15 + 0.7 * rng.nextDouble());
                b[c] = (float) Math.max(0, Math.min(1, a[c] + (rng.nextDouble() - 0.5) * 0.5));
            }
            int pattern = rng.nextInt(3);
            double period = 4 + rng.nextDouble() * 12;
            double angle = rng.nextDouble() * Math.PI;
            double ca = Math.cos(angle);
            double sa = Math.sin(angle);
            long salt = rng.nextLong();
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    double t;
                    if (pattern == 0) {
                        double v = (x * ca + y * sa) / period;
                        t = v - Math.floor(v) < 0.5 ? 0 : 1;
                    } else if (pattern == 1) {
                        t = (Math.floorMod((int) Math.floor(x / period), 2) ^ Math.floorMod((int) Math.floor(y / period), 2));
                    } else {
                        t = Noise.fractal(x / period, y / period, salt);
                    }
                    int i = y * w + x;
                    for (int c = 0; c < 3; c++) {
                        img[c * n + i] = (float) (a[c] * (1 - t) + b[c] * t);
                    }
                }
            }
            return new float[] {(a[0] + b[0]) / 2, (a[1] + b[1]) / 2, (a[2] + b[2]) / 2};
        }
    }
}
