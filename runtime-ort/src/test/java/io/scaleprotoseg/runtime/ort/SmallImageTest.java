package io.scaleprotoseg.runtime.ort;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scaleprotoseg.sdk.Backend;
import io.scaleprotoseg.sdk.Evidence;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.sdk.PixelExplanation;
import io.scaleprotoseg.sdk.Segmentation;
import io.scaleprotoseg.sdk.Segmenter;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.WritableRaster;
import java.awt.color.ColorSpace;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Any image that decodes gets a result: strips, single pixels, and every PNG colour type and bit depth. */
class SmallImageTest {
    @TempDir
    Path dir;

    @Test
    void imagesSmallerThanTheNetworkInputAreSegmented() throws Exception {
        int[][] sizes = {{1, 1}, {2, 2}, {1, 9}, {9, 1}, {5, 3}, {256, 1}, {1, 256}, {31, 33}};
        for (ModelKind kind : ModelKind.values()) {
            for (List<Double> msc : List.of(List.<Double>of(), List.of(0.5, 0.75))) {
                Path model = TestModels.write(io.scaleprotoseg.graph.RandomModels.build(TestModels.spec(kind, 7, msc)), dir,
                        kind.id() + msc.size() + ".onnx");
                Evidence ev = kind.hasPrototypes() ? Evidence.FULL : Evidence.NONE;
                try (Segmenter seg = Segmenter.builder().model(model).backend(Backend.ORT_CPU).evidence(ev).build()) {
                    for (int[] s : sizes) {
                        Segmentation r = seg.segment(TestModels.image(s[0], s[1], 3), s[0], s[1]);
                        String what = kind.id() + " msc " + msc + " " + s[0] + "x" + s[1];
                        assertEquals(s[0] * s[1], r.mask().length, what);
                        assertTrue(r.networkWidth() >= s[0] && r.networkHeight() >= s[1], what);
                        if (kind.hasPrototypes()) {
                            PixelExplanation why = r.explain(s[0] - 1, s[1] - 1);
                            assertEquals(r.mask()[s[0] * s[1] - 1], why.classId(), what);
                        }
                    }
                }
            }
        }
    }

    @Test
    void everyPngColourTypeAndBitDepthDecodesAndIsSegmented() throws Exception {
        Path model = TestModels.write(TestModels.model(ModelKind.SCALEPROTOSEG, 2), dir, "m.onnx");
        List<Path> files = new ArrayList<>();
        int[][] sizes = {{1, 1}, {1, 7}, {7, 1}, {13, 9}};
        for (int[] s : sizes) {
            int w = s[0];
            int h = s[1];
            String tag = w + "x" + h;
            for (int bits : new int[] {1, 2, 4}) {
                files.add(png(packedGrey(w, h, bits), "grey" + bits + "-" + tag, false));
            }
            files.add(png(typed(w, h, BufferedImage.TYPE_BYTE_GRAY), "grey8-" + tag, false));
            files.add(png(typed(w, h, BufferedImage.TYPE_USHORT_GRAY), "grey16-" + tag, true));
            files.add(png(component(w, h, ColorSpace.CS_GRAY, true, DataBuffer.TYPE_BYTE), "greyalpha8-" + tag, false));
            files.add(png(component(w, h, ColorSpace.CS_GRAY, true, DataBuffer.TYPE_USHORT), "greyalpha16-" + tag, false));
            for (int bits : new int[] {1, 2, 4, 8}) {
                files.add(png(palette(w, h, bits, false), "palette" + bits + "-" + tag, false));
                files.add(png(palette(w, h, bits, true), "palette" + bits + "-trns-" + tag, true));
            }
            files.add(png(typed(w, h, BufferedImage.TYPE_3BYTE_BGR), "rgb8-" + tag, true));
            files.add(png(typed(w, h, BufferedImage.TYPE_4BYTE_ABGR), "rgba8-" + tag, false));
            files.add(png(component(w, h, ColorSpace.CS_sRGB, false, DataBuffer.TYPE_USHORT), "rgb16-" + tag, false));
            files.add(png(component(w, h, ColorSpace.CS_sRGB, true, DataBuffer.TYPE_USHORT), "rgba16-" + tag, true));
        }
        try (Segmenter seg = Segmenter.builder().model(model).backend(Backend.ORT_CPU).build()) {
            for (Path f : files) {
                BufferedImage decoded = ImageIO.read(f.toFile());
                Segmentation r = seg.segment(f);
                assertEquals(decoded.getWidth() * decoded.getHeight(), r.mask().length, f.getFileName().toString());
            }
        }
        assertEquals(4 * 19, files.size(), "19 colour types and depths at 4 sizes");
    }

    private Path png(BufferedImage img, String name, boolean interlaced) throws Exception {
        Path f = dir.resolve(name + (interlaced ? "-interlaced" : "") + ".png");
        ImageWriter w = ImageIO.getImageWritersByFormatName("png").next();
        ImageWriteParam p = w.getDefaultWriteParam();
        if (interlaced) {
            p.setProgressiveMode(ImageWriteParam.MODE_DEFAULT);
        }
        try (ImageOutputStream out = ImageIO.createImageOutputStream(f.toFile())) {
            w.setOutput(out);
            w.write(null, new IIOImage(img, null, null), p);
        } finally {
            w.dispose();
        }
        return f;
    }

    private static BufferedImage typed(int w, int h, int type) {
        BufferedImage img = new BufferedImage(w, h, type);
        fill(img.getRaster());
        return img;
    }

    private static BufferedImage packedGrey(int w, int h, int bits) {
        int n = 1 << bits;
        byte[] v = new byte[n];
        for (int i = 0; i < n; i++) {
            v[i] = (byte) (i * 255 / (n - 1));
        }
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_BINARY, new IndexColorModel(bits, n, v, v, v));
        fill(img.getRaster());
        return img;
    }

    private static BufferedImage palette(int w, int h, int bits, boolean transparent) {
        int n = 1 << bits;
        byte[] r = new byte[n];
        byte[] g = new byte[n];
        byte[] b = new byte[n];
        byte[] a = new byte[n];
        Random rnd = new Random(bits);
        for (int i = 0; i < n; i++) {
            r[i] = (byte) rnd.nextInt(256);
            g[i] = (byte) rnd.nextInt(256);
            b[i] = (byte) rnd.nextInt(256);
            a[i] = (byte) (transparent && i % 2 == 0 ? 0 : 255);
        }
        IndexColorModel cm = transparent ? new IndexColorModel(bits, n, r, g, b, a) : new IndexColorModel(bits, n, r, g, b);
        BufferedImage img = bits == 8 ? new BufferedImage(w, h, BufferedImage.TYPE_BYTE_INDEXED, cm)
                : new BufferedImage(w, h, BufferedImage.TYPE_BYTE_BINARY, cm);
        fill(img.getRaster());
        return img;
    }

    private static BufferedImage component(int w, int h, int space, boolean alpha, int transfer) {
        ComponentColorModel cm = new ComponentColorModel(ColorSpace.getInstance(space), alpha, false,
                alpha ? java.awt.Transparency.TRANSLUCENT : java.awt.Transparency.OPAQUE, transfer);
        WritableRaster raster = cm.createCompatibleWritableRaster(w, h);
        fill(raster);
        return new BufferedImage(cm, raster, false, null);
    }

    /** Every sample of every band to a pseudo-random value in its range. */
    private static void fill(WritableRaster r) {
        Random rnd = new Random(r.getWidth() * 31L + r.getHeight());
        for (int b = 0; b < r.getNumBands(); b++) {
            int max = (1 << r.getSampleModel().getSampleSize(b)) - 1;
            for (int y = 0; y < r.getHeight(); y++) {
                for (int x = 0; x < r.getWidth(); x++) {
                    r.setSample(x, y, b, rnd.nextInt(max + 1));
                }
            }
        }
    }
}
