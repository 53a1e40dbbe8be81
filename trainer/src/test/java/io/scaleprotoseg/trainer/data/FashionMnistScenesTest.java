package io.scaleprotoseg.trainer.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Glyph scenes on tiny synthetic IDX files (the real package need not be installed). */
class FashionMnistScenesTest {
    @TempDir
    Path dir;

    /** Glyph i: a filled square whose size depends on its label, label = i % 10 (train) or (i + 3) % 10 (t10k). */
    private void writeIdx(String prefix, int count, int labelShift, boolean gzip) throws IOException {
        ByteArrayOutputStream images = new ByteArrayOutputStream();
        DataOutputStream im = new DataOutputStream(images);
        im.writeInt(0x803);
        im.writeInt(count);
        im.writeInt(28);
        im.writeInt(28);
        ByteArrayOutputStream labels = new ByteArrayOutputStream();
        DataOutputStream lb = new DataOutputStream(labels);
        lb.writeInt(0x801);
        lb.writeInt(count);
        for (int i = 0; i < count; i++) {
            int label = (i + labelShift) % 10;
            int half = 5 + label;
            for (int y = 0; y < 28; y++) {
                for (int x = 0; x < 28; x++) {
                    boolean on = Math.abs(x - 13.5) < half && Math.abs(y - 13.5) < half;
                    im.writeByte(on ? 200 + (x + y) % 50 : 0);
                }
            }
            lb.writeByte(label);
        }
        save(dir.resolve(prefix + "-images-idx3-ubyte" + (gzip ? ".gz" : "")), images.toByteArray(), gzip);
        save(dir.resolve(prefix + "-labels-idx1-ubyte" + (gzip ? ".gz" : "")), labels.toByteArray(), gzip);
    }

    private static void save(Path file, byte[] bytes, boolean gzip) throws IOException {
        try (OutputStream out = gzip ? new GZIPOutputStream(Files.newOutputStream(file)) : Files.newOutputStream(file)) {
            out.write(bytes);
        }
    }

    @Test
    void composesDeterministicGlyphScenesFromIdxFiles() throws Exception {
        writeIdx("train", 20, 0, true);
        writeIdx("t10k", 10, 3, false);
        FashionMnistScenes cfg = FashionMnistScenes.defaults().withDirectory(dir).withSize(64, 48).withCounts(6, 3, 3)
                .withSeed(5);
        SegmentationDataset train = cfg.dataset(Split.TRAIN);
        assertEquals(6, train.size());
        assertEquals(11, train.labels().numClasses());
        boolean[] seen = new boolean[11];
        for (int i = 0; i < train.size(); i++) {
            Sample s = train.get(i);
            assertEquals(64, s.width());
            assertNull(s.parts());
            for (int v : s.labels()) {
                assertTrue(v >= 0 && v <= 10, "label " + v);
                seen[v] = true;
            }
            for (float p : s.image()) {
                assertTrue(p >= 0 && p <= 1 && Math.round(p * 255) / 255f == p, "8-bit value " + p);
            }
        }
        assertTrue(seen[0], "background present");
        int glyphClasses = 0;
        for (int c = 1; c <= 10; c++) {
            glyphClasses += seen[c] ? 1 : 0;
        }
        assertTrue(glyphClasses >= 3, "glyph classes present: " + glyphClasses);

        Sample again = cfg.dataset(Split.TRAIN).get(2);
        assertArrayEquals(train.get(2).image(), again.image());
        assertArrayEquals(train.get(2).labels(), again.labels());
        Sample other = cfg.withSeed(6).dataset(Split.TRAIN).get(2);
        assertFalse(Arrays.equals(train.get(2).image(), other.image()));

        // val and test draw on the t10k glyphs, disjoint halves
        assertEquals(3, cfg.dataset(Split.VAL).size());
        assertEquals("test_00001", cfg.dataset(Split.TEST).get(1).id());
    }

    @Test
    void missingAndMalformedFilesAreNamed() throws Exception {
        writeIdx("train", 4, 0, false);
        FashionMnistScenes cfg = FashionMnistScenes.defaults().withDirectory(dir).withCounts(2, 2, 2);
        DatasetException e = assertThrows(DatasetException.class, () -> cfg.dataset(Split.VAL));
        assertTrue(e.getMessage().contains(dir.resolve("t10k-images-idx3-ubyte").toString()), e.getMessage());

        Files.write(dir.resolve("t10k-images-idx3-ubyte"), new byte[] {0, 0, 8, 1, 0, 0, 0, 0});
        Files.copy(dir.resolve("train-labels-idx1-ubyte"), dir.resolve("t10k-labels-idx1-ubyte"));
        e = assertThrows(DatasetException.class, () -> cfg.dataset(Split.VAL));
        assertTrue(e.getMessage().contains(dir.resolve("t10k-images-idx3-ubyte") + " is not an IDX image file"), e.getMessage());

        byte[] whole = Files.readAllBytes(dir.resolve("train-images-idx3-ubyte"));
        Files.write(dir.resolve("train-images-idx3-ubyte"), Arrays.copyOf(whole, whole.length - 100));
        e = assertThrows(DatasetException.class, () -> cfg.dataset(Split.TRAIN));
        assertTrue(e.getMessage().contains(dir.resolve("train-images-idx3-ubyte") + " is truncated"), e.getMessage());
    }

    @Test
    void factoryOpensTheGlyphScenesAndDetectsTheFolder() throws Exception {
        writeIdx("train", 10, 0, true);
        assertEquals("fashion-mnist", Datasets.detectFormat(dir));
        SegmentationDataset ds = Datasets.open("fmnist", dir, Split.TRAIN, Map.of("count", "3", "width", "40", "height", "30"));
        assertEquals(3, ds.size());
        assertEquals(40, ds.get(0).width());
    }
}
