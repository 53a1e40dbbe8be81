package io.scaleprotoseg.runtime.ort;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scaleprotoseg.sdk.Backend;
import io.scaleprotoseg.sdk.ErrorCode;
import io.scaleprotoseg.sdk.Evidence;
import io.scaleprotoseg.sdk.InputSizing;
import io.scaleprotoseg.sdk.InvalidImageException;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.sdk.Segmentation;
import io.scaleprotoseg.sdk.Segmenter;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Segmenter#segmentFrames}: each frame's result is {@code segment(frame)}'s, with buffers reused. */
class FrameSequenceTest {
    /** Frame sizes in sequence order: a size change, a tiny frame (twice), and back. */
    private static final int[][] SIZES = {{48, 40}, {48, 40}, {64, 24}, {2, 1}, {2, 1}, {48, 40}};

    @TempDir
    static Path dir;
    static Path model;

    @BeforeAll
    static void writeModel() {
        model = TestModels.write(TestModels.model(ModelKind.SCALEPROTOSEG, 17), dir, "sps");
    }

    /**
     * Frames as a video decoder hands them out: one image object per size, overwritten by each
     * {@code next()}; records the order of pulls and consumer calls.
     */
    private static final class DecoderLikeFrames implements Iterator<BufferedImage> {
        private final List<String> log;
        private final long seed;
        private BufferedImage shared;
        private int next;

        DecoderLikeFrames(List<String> log, long seed) {
            this.log = log;
            this.seed = seed;
        }

        @Override
        public boolean hasNext() {
            return next < SIZES.length;
        }

        @Override
        public BufferedImage next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            int[] wh = SIZES[next];
            if (shared == null || shared.getWidth() != wh[0] || shared.getHeight() != wh[1]) {
                shared = new BufferedImage(wh[0], wh[1], BufferedImage.TYPE_3BYTE_BGR);
            }
            fill(shared, seed + next);
            log.add("next " + next);
            next++;
            return shared;
        }
    }

    /** Writes frame {@code seed}'s pixels into {@code img} in place. */
    static void fill(BufferedImage img, long seed) {
        int w = img.getWidth();
        int h = img.getHeight();
        float[] chw = TestModels.image(w, h, seed);
        byte[] bgr = ((DataBufferByte) img.getRaster().getDataBuffer()).getData();
        for (int i = 0; i < w * h; i++) {
            for (int c = 0; c < 3; c++) {
                bgr[3 * i + 2 - c] = (byte) Math.round(chw[c * w * h + i] * 255);
            }
        }
    }

    static BufferedImage frame(int index, long seed) {
        BufferedImage img = new BufferedImage(SIZES[index][0], SIZES[index][1], BufferedImage.TYPE_3BYTE_BGR);
        fill(img, seed + index);
        return img;
    }

    static void assertSameResult(Segmentation expected, Segmentation actual, String what) {
        assertEquals(expected.width(), actual.width(), what);
        assertEquals(expected.height(), actual.height(), what);
        assertEquals(expected.networkWidth(), actual.networkWidth(), what);
        assertArrayEquals(expected.mask(), actual.mask(), what + ": mask");
        assertArrayEquals(expected.logits(), actual.logits(), what + ": logits");
        assertArrayEquals(expected.groupMap(0, 0), actual.groupMap(0, 0), what + ": group map");
        assertArrayEquals(expected.classAreas(), actual.classAreas(), what + ": areas");
    }

    @Test
    void eachFramesResultIsSegmentOfThatFrameAndTheNextFrameWaitsForTheConsumer() throws Exception {
        try (Segmenter seg = Segmenter.builder().model(model).backend(Backend.ORT_CPU).evidence(Evidence.GROUPS)
                .intraOpThreads(1).build()) {
            List<String> log = new ArrayList<>();
            List<Segmentation> results = new ArrayList<>();
            long n = seg.segmentFrames(new DecoderLikeFrames(log, 100), (i, f, s) -> {
                log.add("consume " + i);
                assertEquals(SIZES[(int) i][0], f.getWidth());
                results.add(s);
            });
            assertEquals(SIZES.length, n);
            List<String> expectedLog = new ArrayList<>();
            for (int i = 0; i < SIZES.length; i++) {
                expectedLog.add("next " + i);
                expectedLog.add("consume " + i);
            }
            assertEquals(expectedLog, log, "a frame is pulled only after the previous frame's consumer returned");
            for (int i = 0; i < SIZES.length; i++) {
                assertSameResult(seg.segment(frame(i, 100)), results.get(i), "frame " + i);
            }        }
    }

    @Test
    void sequencesOnSeveralThreadsEqualTheirSerialResultsAlsoWhenResized() throws Exception {
        try (Segmenter seg = Segmenter.builder().model(model).backend(Backend.ORT_CPU).evidence(Evidence.GROUPS)
                .inputSizing(InputSizing.shorterSide(32)).intraOpThreads(1).build()) {
            // resized to the network: the resized copies are reused buffers too
            ExecutorService pool = Executors.newFixedThreadPool(3);
            try {
                List<Future<List<Segmentation>>> runs = new ArrayList<>();
                for (int t = 0; t < 3; t++) {
                    long seed = 200 + 10L * t;
                    runs.add(pool.submit(() -> {
                        List<Segmentation> out = new ArrayList<>();
                        seg.segmentFrames(new DecoderLikeFrames(new ArrayList<>(), seed), (i, f, s) -> out.add(s));
                        return out;
                    }));
                }
                for (int t = 0; t < 3; t++) {
                    List<Segmentation> got = runs.get(t).get(2, TimeUnit.MINUTES);
                    assertEquals(SIZES.length, got.size());
                    for (int i = 0; i < SIZES.length; i++) {
                        assertSameResult(seg.segment(frame(i, 200 + 10L * t)), got.get(i), "thread " + t + " frame " + i);
                    }
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void theConsumersExceptionStopsTheSequenceUnchanged() throws Exception {
        try (Segmenter seg = Segmenter.builder().model(model).backend(Backend.ORT_CPU).build()) {
            List<String> log = new ArrayList<>();
            IOException thrown = new IOException("disk full");
            IOException e = assertThrows(IOException.class, () -> seg.segmentFrames(new DecoderLikeFrames(log, 1),
                    (i, f, s) -> {
                        if (i == 1) {
                            throw thrown;
                        }
                    }));
            assertSame(thrown, e);
            assertEquals(List.of("next 0", "next 1"), log, "no frame is pulled after the consumer failed");
        }
    }

    @Test
    void aFrameOverThePixelLimitIsNamedByItsIndexAfterTheFramesBeforeIt() throws Exception {
        try (Segmenter seg = Segmenter.builder().model(model).backend(Backend.ORT_CPU).maxPixels(2000).build()) {
            List<BufferedImage> frames = List.of(frame(0, 1), frame(0, 2), new BufferedImage(64, 64, BufferedImage.TYPE_3BYTE_BGR),
                    frame(0, 3));
            List<Long> consumed = new ArrayList<>();
            InvalidImageException e = assertThrows(InvalidImageException.class,
                    () -> seg.segmentFrames(frames.iterator(), (i, f, s) -> consumed.add(i)));
            assertEquals(ErrorCode.IMAGE_TOO_LARGE, e.code());
            assertTrue(e.getMessage().startsWith("frame 2 has 64x64 = 4096 pixels, over the limit of 2000"), e.getMessage());
            assertEquals(List.of(0L, 1L), consumed);
        }
    }
}
