package io.scaleprotoseg.bench;

import io.scaleprotoseg.sdk.Backend;
import io.scaleprotoseg.sdk.ConfusionMatrix;
import io.scaleprotoseg.sdk.Evidence;
import io.scaleprotoseg.sdk.InputSizing;
import io.scaleprotoseg.sdk.Segmentation;
import io.scaleprotoseg.sdk.Segmenter;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * Tiled against whole-image inference ({@link InputSizing#tiled}) with one model, two questions:
 *
 * <ul>
 *   <li>{@code agreement}: on a labelled split (a folder with {@code images/} and {@code masks/},
 *       the generic folder format), each image upscaled by an integer factor (bilinear; labels
 *       nearest), the mIoU of whole-image and tiled inference and the share of pixels whose class
 *       agrees;</li>
 *   <li>{@code time}: one large image (an image upscaled to {@code --image-size}), whole-image and
 *       tiled calls interleaved in one process; median seconds per call, per megapixel, and the
 *       tiled / whole ratio. Peak memory needs one process per mode: measure it with
 *       {@code /usr/bin/time -v} around {@code scaleprotoseg segment} (bench/README.md).</li>
 * </ul>
 */
public final class TilingRunner {
    private TilingRunner() {
    }

    public static void main(String[] args) throws Exception {
        String mode = null;
        Path model = null;
        Path data = null;
        Path image = null;
        int upscale = 4;
        int tile = 513;
        int overlap = 64;
        int width = 4000;
        int height = 3000;
        int rounds = 5;
        int threads = 0;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("-h") || a.equals("--help")) {
                usage();
                return;
            }
            if (i == 0 && !a.startsWith("--")) {
                mode = a;
                continue;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(a + " needs a value");
            }
            String v = args[++i];
            switch (a) {
                case "--model" -> model = Path.of(v);
                case "--data" -> data = Path.of(v);
                case "--image" -> image = Path.of(v);
                case "--upscale" -> upscale = Integer.parseInt(v);
                case "--tile" -> tile = Integer.parseInt(v);
                case "--overlap" -> overlap = Integer.parseInt(v);
                case "--rounds" -> rounds = Integer.parseInt(v);
                case "--threads" -> threads = Integer.parseInt(v);
                case "--image-size" -> {
                    String[] wh = v.toLowerCase(Locale.ROOT).split("x");
                    width = Integer.parseInt(wh[0]);
                    height = Integer.parseInt(wh[1]);
                }
                default -> throw new IllegalArgumentException("unknown option " + a);
            }
        }
        if (mode == null || model == null) {
            usage();
            System.exit(2);
            return;
        }
        InputSizing tiled = InputSizing.tiled(tile, overlap);
        try (Segmenter whole = open(model, InputSizing.keep(), threads); Segmenter tiles = open(model, tiled, threads)) {
            switch (mode) {
                case "agreement" -> agreement(whole, tiles, data, upscale, tiled);
                case "time" -> time(whole, tiles, image, data, width, height, rounds, tiled);
                default -> throw new IllegalArgumentException("unknown mode " + mode + "; use agreement or time");
            }
        }
    }

    private static void usage() {
        System.out.println("usage: TilingRunner agreement --model M.onnx --data SPLIT_DIR [--upscale 4] [--tile 513] "
                + "[--overlap 64] [--threads 0]\n"
                + "       TilingRunner time --model M.onnx (--image FILE | --data SPLIT_DIR) [--image-size 4000x3000] "
                + "[--tile 513] [--overlap 64] [--rounds 5] [--threads 0]");
    }

    private static Segmenter open(Path model, InputSizing sizing, int threads) throws Exception {
        return Segmenter.builder().model(model).backend(Backend.ORT_CPU).evidence(Evidence.GROUPS)
                .intraOpThreads(BenchModels.threads(threads)).maxPixels(8192L * 8192L).inputSizing(sizing).build();
    }

    private static void agreement(Segmenter whole, Segmenter tiles, Path split, int upscale, InputSizing tiled)
            throws Exception {
        List<Path> images = pngs(split.resolve("images"));
        ConfusionMatrix a = new ConfusionMatrix(whole.card().numClasses(), whole.card().ignoreLabel());
        ConfusionMatrix b = new ConfusionMatrix(whole.card().numClasses(), whole.card().ignoreLabel());
        long same = 0;
        long all = 0;
        long tileCount = 0;
        for (Path p : images) {
            BufferedImage img = ImageIO.read(p.toFile());
            BufferedImage big = scale(img, img.getWidth() * upscale, img.getHeight() * upscale, true);
            int[] labels = labels(ImageIO.read(split.resolve("masks").resolve(p.getFileName()).toFile()), upscale);
            Segmentation sw = whole.segment(big);
            Segmentation st = tiles.segment(big);
            tileCount += st.tiles();
            a.add(labels, sw.mask());
            b.add(labels, st.mask());
            int[] mw = sw.mask();
            int[] mt = st.mask();
            for (int i = 0; i < mw.length; i++) {
                same += mw[i] == mt[i] ? 1 : 0;
            }
            all += mw.length;
        }
        System.out.printf(Locale.ROOT, "%d images of %s upscaled %dx, %s (%.1f tiles per image)%n", images.size(), split,
                upscale, tiled, tileCount / (double) images.size());
        System.out.printf(Locale.ROOT, "mIoU whole image %.4f, tiled %.4f (difference %+.4f); pixel accuracy %.4f vs %.4f%n",
                a.meanIou(), b.meanIou(), b.meanIou() - a.meanIou(), a.pixelAccuracy(), b.pixelAccuracy());
        System.out.printf(Locale.ROOT, "pixels with the same class: %.2f%% (%d of %d)%n", 100.0 * same / all, same, all);
    }

    private static void time(Segmenter whole, Segmenter tiles, Path image, Path split, int width, int height, int rounds,
            InputSizing tiled) throws Exception {
        Path source = image != null ? image : pngs(split.resolve("images")).get(0);
        BufferedImage big = scale(ImageIO.read(source.toFile()), width, height, true);
        double mp = width * (double) height / 1e6;
        // one untimed call each: first-shape set-up of the backend
        whole.segment(big);
        int n = tiles.segment(big).tiles();
        double[] tw = new double[rounds];
        double[] tt = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            boolean wholeFirst = r % 2 == 0;
            for (int k = 0; k < 2; k++) {
                boolean w = (k == 0) == wholeFirst;
                long t0 = System.nanoTime();
                (w ? whole : tiles).segment(big);
                double s = (System.nanoTime() - t0) / 1e9;
                (w ? tw : tt)[r] = s;
            }
        }
        double mw = BenchModels.median(tw);
        double mt = BenchModels.median(tt);
        io.scaleprotoseg.sdk.internal.TileStitcher layout = new io.scaleprotoseg.sdk.internal.TileStitcher(width, height,
                tiled.tileSize(), tiled.overlap());
        double held = layout.tiles() * (double) layout.tileWidth() * layout.tileHeight() / (width * (double) height);
        System.out.printf(Locale.ROOT, "%dx%d (%.1f MP) from %s, %d rounds interleaved, %s: %d tiles holding %.2fx the "
                + "image's pixels%n", width, height, mp, source.getFileName(), rounds, tiled, n, held);
        System.out.printf(Locale.ROOT, "whole image: median %.2f s (%.3f s/MP); tiled: median %.2f s (%.3f s/MP); "
                + "tiled / whole = %.2f%n", mw, mw / mp, mt, mt / mp, mt / mw);
    }


    private static List<Path> pngs(Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.filter(p -> p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".png")).sorted().forEach(out::add);
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no PNG images in " + dir);
        }
        return out;
    }

    private static BufferedImage scale(BufferedImage img, int w, int h, boolean bilinear) {
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, bilinear ? RenderingHints.VALUE_INTERPOLATION_BILINEAR
                : RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR);
        g.drawImage(img, 0, 0, w, h, null);
        g.dispose();
        return out;
    }

    /** Class ids of a grey label PNG, each pixel repeated {@code f x f} times. */
    private static int[] labels(BufferedImage mask, int f) {
        Raster r = mask.getRaster();
        int w = mask.getWidth();
        int h = mask.getHeight();
        int[] out = new int[w * f * h * f];
        for (int y = 0; y < h * f; y++) {
            for (int x = 0; x < w * f; x++) {
                out[y * w * f + x] = r.getSample(x / f, y / f, 0);
            }
        }
        return out;
    }
}
