package io.scaleprotoseg.runtime.ort;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scaleprotoseg.sdk.Backend;
import io.scaleprotoseg.sdk.Evidence;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.sdk.Segmentation;
import io.scaleprotoseg.sdk.Segmenter;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One Segmenter shared by many threads gives the results it gives serially. */
class ConcurrencyTest {
    private static final int THREADS = 8;
    private static final int CALLS = 50;
    /** Image sizes cycled through, so that pinned-output pools of several shapes are exercised. */
    private static final int[][] SIZES = {{40, 32}, {33, 47}, {40, 32}, {64, 24}};

    @TempDir
    Path dir;

    @Test
    void eightThreadsTimesFiftyCallsEqualSerialResults() throws Exception {
        Path model = TestModels.write(TestModels.model(ModelKind.SCALEPROTOSEG, 41), dir, "sps");
        try (Segmenter seg = Segmenter.builder().model(model).backend(Backend.ORT_CPU).evidence(Evidence.FULL)
                .intraOpThreads(1).build()) {
            List<float[]> images = new ArrayList<>();
            List<Segmentation> serial = new ArrayList<>();
            for (int i = 0; i < SIZES.length * 2; i++) {
                int[] wh = SIZES[i % SIZES.length];
                float[] img = TestModels.image(wh[0], wh[1], 100 + i);
                images.add(img);
                serial.add(seg.segment(img, wh[0], wh[1]));
            }
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            CountDownLatch start = new CountDownLatch(1);
            try {
                List<Future<Integer>> futures = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    int thread = t;
                    futures.add(pool.submit(() -> {
                        start.await();
                        int checked = 0;
                        for (int c = 0; c < CALLS; c++) {
                            int i = (thread * 7 + c) % images.size();
                            int[] wh = SIZES[i % SIZES.length];
                            Segmentation s = seg.segment(images.get(i), wh[0], wh[1]);
                            Segmentation expected = serial.get(i);
                            assertArrayEquals(expected.mask(), s.mask(), "mask of image " + i);
                            assertArrayEquals(expected.logits(), s.logits(), "logits of image " + i);
                            assertArrayEquals(expected.groupMap(1, 0), s.groupMap(1, 0), "group map of image " + i);
                            assertArrayEquals(expected.prototypeMap(s.card().prototypes().get(0).id()),
                                    s.prototypeMap(s.card().prototypes().get(0).id()), "prototype map of image " + i);
                            checked++;
                        }
                        return checked;
                    }));
                }
                start.countDown();
                int total = 0;
                for (Future<Integer> f : futures) {
                    total += f.get(5, TimeUnit.MINUTES);
                }
                assertEquals(THREADS * CALLS, total);
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void closeWaitsForCallsInFlightAndLaterCallsFail() throws Exception {
        Path model = TestModels.write(TestModels.model(ModelKind.PROTOSEG, 42), dir, "ps");
        Segmenter seg = Segmenter.builder().model(model).backend(Backend.ORT_CPU).build();
        float[] img = TestModels.image(96, 96, 1);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Segmentation>> running = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                running.add(pool.submit(() -> {
                    Segmentation last = null;
                    for (int k = 0; k < 20; k++) {
                        try {
                            last = seg.segment(img, 96, 96);
                        } catch (IllegalStateException closed) {
                            break;
                        }
                    }
                    return last;
                }));
            }
            Thread.sleep(50);
            seg.close();
            for (Future<Segmentation> f : running) {
                Segmentation s = f.get(1, TimeUnit.MINUTES);
                if (s != null) {
                    assertEquals(96 * 96, s.mask().length, "results made before close stay valid");
                }
            }
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> seg.segment(img, 96, 96));
            assertTrue(e.getMessage().contains("is closed"), e.getMessage());
            seg.close();
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void segmentAllBatchesEqualSingleCalls() throws Exception {
        Path model = TestModels.write(TestModels.model(ModelKind.SCALEPROTOSEG, 43), dir, "sps");
        try (Segmenter seg = Segmenter.builder().model(model).backend(Backend.ORT_CPU).evidence(Evidence.FULL)
                .maxBatch(3).build()) {
            List<BufferedImage> images = new ArrayList<>();
            for (int i = 0; i < 7; i++) {
                int w = i % 3 == 2 ? 29 : 40;
                images.add(ImageFixtures.rgb(TestModels.image(w, 32, 200 + i), w, 32));
            }
            List<Segmentation> all = seg.segmentAll(images);
            assertEquals(images.size(), all.size());
            for (int i = 0; i < images.size(); i++) {
                Segmentation single = seg.segment(images.get(i));
                assertEquals(images.get(i).getWidth(), all.get(i).width(), "results in input order");
                assertArrayEquals(single.mask(), all.get(i).mask(), "mask " + i);
                float[] a = single.logits();
                float[] b = all.get(i).logits();
                for (int k = 0; k < a.length; k++) {
                    assertEquals(a[k], b[k], 1e-5 * Math.max(1, Math.abs(a[k])), "logit " + k + " of image " + i);
                }
            }
        }
    }
}
