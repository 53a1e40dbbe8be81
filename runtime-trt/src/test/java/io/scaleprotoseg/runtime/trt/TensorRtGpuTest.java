package io.scaleprotoseg.runtime.trt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.scaleprotoseg.sdk.Backend;
import io.scaleprotoseg.sdk.Evidence;
import io.scaleprotoseg.sdk.InferenceException;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.sdk.Segmentation;
import io.scaleprotoseg.sdk.Segmenter;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TensorRT on a GPU: parity with ONNX Runtime's CPU provider, FP16, the engine cache, concurrent
 * callers, batch splitting, the profile limits and the outputs option. Every test is skipped,
 * with the availability check's reason, on a host without a usable GPU and TensorRT.
 */
class TensorRtGpuTest {
    private static final Logger LOG = LoggerFactory.getLogger(TensorRtGpuTest.class);
    private static String reason;

    @TempDir
    Path dir;

    @BeforeAll
    static void probe() {
        reason = TensorRtBuild.unavailableReason();
    }

    @BeforeEach
    void needsGpu() {
        assumeTrue(reason == null, () -> "no GPU with TensorRT on this host: " + reason);
    }

    private Segmenter.Builder trt(Path model, Evidence ev, String... options) {
        Segmenter.Builder b = Segmenter.builder().model(model).backend(Backend.TENSORRT).evidence(ev)
                .option("trt.cache_dir", dir.resolve("engines").toString()).option("trt.max_shape", "4x3x256x256")
                .option("trt.opt_shape", "1x3x96x128");
        for (int i = 0; i < options.length; i += 2) {
            b.option(options[i], options[i + 1]);
        }
        return b;
    }

    private static Segmentation cpu(Path model, Evidence ev, float[] img, int w, int h) throws Exception {
        try (Segmenter s = Segmenter.builder().model(model).backend(Backend.ORT_CPU).evidence(ev).build()) {
            return s.segment(img, w, h);
        }
    }

    /** Largest |a - b| relative to max(|b|, 1 % of b's largest magnitude). */
    static double maxRelative(float[] a, float[] b) {
        assertEquals(b.length, a.length);
        double scale = 0;
        for (float v : b) {
            scale = Math.max(scale, Math.abs(v));
        }
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(Math.abs(b[i]), 0.01 * scale + 1e-12));
        }
        return worst;
    }

    static double agreement(int[] a, int[] b) {
        assertEquals(b.length, a.length);
        int same = 0;
        for (int i = 0; i < a.length; i++) {
            same += a[i] == b[i] ? 1 : 0;
        }
        return same / (double) a.length;
    }

    @Test
    void fp32MatchesOrtCpu() throws Exception {
        for (ModelKind kind : ModelKind.values()) {
            Path model = TestModels.write(kind, 91, dir, kind.id());
            Evidence ev = kind.hasPrototypes() ? Evidence.FULL : Evidence.NONE;
            for (int[] size : new int[][] {{97, 83}, {128, 96}, {64, 200}}) {
                float[] img = TestModels.image(size[0], size[1], 5);
                Segmentation ref = cpu(model, ev, img, size[0], size[1]);
                Segmentation got;
                try (Segmenter s = trt(model, ev, "trt.precision", "fp32").build()) {
                    assertEquals(Backend.TENSORRT, s.backendInfo().backend());
                    got = s.segment(img, size[0], size[1]);
                }
                String what = kind.id() + " " + size[0] + "x" + size[1];
                assertTrue(maxRelative(got.logits(), ref.logits()) <= 1e-3, what + " logits: "
                        + maxRelative(got.logits(), ref.logits()));
                double same = agreement(got.mask(), ref.mask());
                assertTrue(same >= 0.999, what + " masks agree on " + same);
            }
        }
    }

    @Test
    void fp16MasksAgree() throws Exception {
        Path model = TestModels.write(ModelKind.SCALEPROTOSEG, 92, dir, "fp16");
        float[] img = TestModels.image(160, 120, 6);
        Segmentation ref = cpu(model, Evidence.GROUPS, img, 160, 120);
        try (Segmenter s = trt(model, Evidence.GROUPS, "trt.precision", "fp16").build()) {
            assertTrue(s.backendInfo().description().contains("fp16"), s.backendInfo().description());
            Segmentation got = s.segment(img, 160, 120);
            double same = agreement(got.mask(), ref.mask());
            LOG.info("fp16 mask agreement {}, logits max relative error {}", same, maxRelative(got.logits(), ref.logits()));
            assertTrue(same >= 0.99, "fp16 masks agree on " + same);
        }
    }

    @Test
    void theEngineCacheMakesTheSecondStartFarFaster() throws Exception {
        Path model = TestModels.write(ModelKind.SCALEPROTOSEG, 93, dir, "cache");
        float[] img = TestModels.image(96, 64, 7);
        long t0 = System.nanoTime();
        int[] first;
        try (Segmenter s = trt(model, Evidence.GROUPS).build()) {
            assertTrue(s.backendInfo().description().contains("engine built in"), s.backendInfo().description());
            first = s.segment(img, 96, 64).mask();
        }
        long build = System.nanoTime() - t0;
        TensorRtEngines.forgetLoadedEngines();
        long t1 = System.nanoTime();
        try (Segmenter s = trt(model, Evidence.GROUPS).build()) {
            long load = System.nanoTime() - t1;
            assertTrue(s.backendInfo().description().contains("engine loaded from cache"), s.backendInfo().description());
            assertArrayEquals(first, s.segment(img, 96, 64).mask());
            LOG.info("first start (build) {} ms, second start (cache) {} ms", build / 1_000_000, load / 1_000_000);
            assertTrue(load * 2 < build, "second start " + load / 1e6 + " ms is not far faster than the first, "
                    + build / 1e6 + " ms");
        }
        // a corrupt entry is rebuilt, not loaded
        Path entry;
        try (var files = Files.list(dir.resolve("engines"))) {
            entry = files.filter(p -> p.toString().endsWith(".engine")).findFirst().orElseThrow();
        }
        byte[] raw = Files.readAllBytes(entry);
        raw[raw.length / 2] ^= 0x10;
        Files.write(entry, raw);
        TensorRtEngines.forgetLoadedEngines();
        try (Segmenter s = trt(model, Evidence.GROUPS).build()) {
            String d = s.backendInfo().description();
            assertTrue(d.contains("engine built in") && d.contains("the previous entry was rejected: corrupt"), d);
            assertArrayEquals(first, s.segment(img, 96, 64).mask());
        }
        // reopening in this process shares the deserialised engine
        try (Segmenter s = trt(model, Evidence.GROUPS).build()) {
            assertTrue(s.backendInfo().description().contains("engine shared"), s.backendInfo().description());
        }
    }

    @Test
    void concurrentCallersGetTheSequentialResults() throws Exception {
        Path model = TestModels.write(ModelKind.SCALEPROTOSEG, 94, dir, "concurrent");
        int n = 8;
        List<float[]> images = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            images.add(TestModels.image(80 + 8 * (i % 3), 64, 100 + i));
        }
        try (Segmenter s = trt(model, Evidence.FULL, "trt.contexts", "2").build()) {
            List<Segmentation> expected = new ArrayList<>();
            for (float[] img : images) {
                expected.add(s.segment(img, img.length / 3 / 64, 64));
            }
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<Segmentation>> futures = new ArrayList<>();
                for (int rep = 0; rep < 4; rep++) {
                    for (float[] img : images) {
                        futures.add(pool.submit((Callable<Segmentation>) () -> s.segment(img, img.length / 3 / 64, 64)));
                    }
                }
                for (int i = 0; i < futures.size(); i++) {
                    Segmentation got = futures.get(i).get(5, TimeUnit.MINUTES);
                    Segmentation want = expected.get(i % n);
                    assertArrayEquals(want.mask(), got.mask(), "image " + (i % n));
                    assertTrue(maxRelative(got.logits(), want.logits()) <= 1e-5, "image " + (i % n));
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void batchesLargerThanTheProfileAreSplit() throws Exception {
        Path model = TestModels.write(ModelKind.PROTOSEG, 95, dir, "batch");
        List<BufferedImage> images = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            BufferedImage im = new BufferedImage(72, 56, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < 56; y++) {
                for (int x = 0; x < 72; x++) {
                    im.setRGB(x, y, ((x * 3 + i * 40) & 255) << 16 | ((y * 4) & 255) << 8 | ((x + y + i * 17) & 255));
                }
            }
            images.add(im);
        }
        try (Segmenter s = trt(model, Evidence.GROUPS, "trt.max_shape", "2x3x128x128").maxBatch(5).build()) {
            List<Segmentation> all = s.segmentAll(images);
            for (int i = 0; i < images.size(); i++) {
                Segmentation one = s.segment(images.get(i));
                assertArrayEquals(one.mask(), all.get(i).mask(), "image " + i);
                assertTrue(maxRelative(all.get(i).logits(), one.logits()) <= 1e-4, "image " + i);
            }
        }
    }

    @Test
    void imagesOutsideTheProfileNameTheOption() throws Exception {
        Path model = TestModels.write(ModelKind.DEEPLABV2, 96, dir, "profile");
        try (Segmenter s = trt(model, Evidence.NONE, "trt.max_shape", "1x3x128x128").build()) {
            InferenceException e = assertThrows(InferenceException.class,
                    () -> s.segment(TestModels.image(200, 100, 1), 200, 100));
            assertTrue(e.getMessage().contains("outside the TensorRT engine's optimisation profile")
                    && e.getMessage().contains("trt.max_shape=1x3x128x200"), e.getMessage());
        }
    }

    @Test
    void anEngineWithFewerOutputs() throws Exception {
        Path model = TestModels.write(ModelKind.SCALEPROTOSEG, 97, dir, "outputs");
        float[] img = TestModels.image(64, 64, 2);
        Segmentation ref = cpu(model, Evidence.NONE, img, 64, 64);
        try (Segmenter s = trt(model, Evidence.NONE, "trt.outputs", "mask,logits").build()) {
            Segmentation got = s.segment(img, 64, 64);
            assertTrue(agreement(got.mask(), ref.mask()) >= 0.999);
            assertTrue(s.backendInfo().description().toLowerCase(Locale.ROOT).contains("outputs mask,logits"));
        }
        try (Segmenter s = trt(model, Evidence.GROUPS, "trt.outputs", "mask,logits").build()) {
            InferenceException e = assertThrows(InferenceException.class, () -> s.segment(img, 64, 64));
            assertTrue(e.getMessage().contains("built without output 'group_activations'")
                    && e.getMessage().contains("trt.outputs"), e.getMessage());
        }
    }
}
