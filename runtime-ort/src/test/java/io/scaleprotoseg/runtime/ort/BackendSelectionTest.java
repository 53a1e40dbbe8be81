package io.scaleprotoseg.runtime.ort;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.scaleprotoseg.sdk.Backend;
import io.scaleprotoseg.sdk.BackendInfo;
import io.scaleprotoseg.sdk.BackendUnavailableException;
import io.scaleprotoseg.sdk.ErrorCode;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.sdk.Segmentation;
import io.scaleprotoseg.sdk.Segmenter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Backend choice: explicit CUDA without CUDA, AUTO's fallback and reasons, the optimised-model cache. */
class BackendSelectionTest {
    @TempDir
    Path dir;

    /** True when this host can open ORT's CUDA provider (then the no-CUDA tests do not apply). */
    private static boolean cudaWorks(Path model) {
        try (Segmenter s = Segmenter.builder().model(model).backend(Backend.ORT_CUDA).build()) {
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    /** The build on this test's class path: CPU in this module, GPU where scaleprotoseg-runtime-ort-gpu runs these tests. */
    private static OrtBuilds.Build build() {
        return OrtBuilds.scan(BackendSelectionTest.class.getClassLoader()).build();
    }

    @Test
    void cudaWithTheCpuBuildNamesTheGpuArtifact() throws Exception {
        assumeTrue(build() == OrtBuilds.Build.CPU, "the class path holds ONNX Runtime's " + build() + " build");
        Path model = TestModels.write(TestModels.model(ModelKind.SCALEPROTOSEG, 64), dir, "m");
        for (Backend b : List.of(Backend.ORT_CUDA, Backend.ORT_TENSORRT)) {
            BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                    () -> Segmenter.builder().model(model).backend(b).build());
            assertEquals(ErrorCode.BACKEND_UNAVAILABLE, e.code());
            String m = e.getMessage();
            assertTrue(m.startsWith(b.cliName() + " needs the GPU build of ONNX Runtime"), m);
            assertTrue(m.contains("com.microsoft.onnxruntime:onnxruntime ("), "names the artifact on the class path: " + m);
            assertTrue(m.contains("io.scaleprotoseg:scaleprotoseg-runtime-ort-gpu"), "names the artifact to use: " + m);
        }
    }

    @Test
    void cudaOnAHostWithoutCudaQuotesTheMissingLibrary() throws Exception {
        assumeTrue(build() != OrtBuilds.Build.CPU, "the CPU build has no CUDA provider to fail loading");
        Path model = TestModels.write(TestModels.model(ModelKind.SCALEPROTOSEG, 61), dir, "m");
        assumeTrue(!cudaWorks(model), "this host runs ONNX Runtime CUDA; the no-CUDA message cannot be observed");
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                () -> Segmenter.builder().model(model).backend(Backend.ORT_CUDA).build());
        assertEquals(ErrorCode.BACKEND_UNAVAILABLE, e.code());
        assertTrue(e.getMessage().contains("ONNX Runtime cannot use CUDA on this host"), e.getMessage());
        assertTrue(e.getMessage().contains("shared library") || e.getMessage().contains("CUDA"), e.getMessage());
        assertTrue(e.getMessage().contains("cuDNN 9"), "says what to install: " + e.getMessage());
        List<String> missing = CudaLibraryCheck.missingOnThisHost();
        if (!missing.isEmpty()) {
            assertTrue(e.getMessage().contains("not found on the library path: " + String.join(", ", missing)),
                    "names the missing libraries: " + e.getMessage());
        }
    }

    @Test
    void autoFallsBackToCpuAndSaysWhyTheOthersWereSkipped() throws Exception {
        Path model = TestModels.write(TestModels.model(ModelKind.SCALEPROTOSEG, 62), dir, "m");
        assumeTrue(!cudaWorks(model), "this host runs ONNX Runtime CUDA, so AUTO would not fall back to the CPU");
        try (Segmenter s = Segmenter.builder().model(model).build()) {
            BackendInfo info = s.backendInfo();
            assertEquals(Backend.ORT_CPU, info.backend());
            assertEquals(List.of(Backend.TENSORRT, Backend.ORT_CUDA), List.copyOf(info.skipped().keySet()),
                    "tried in AUTO order");
            assertTrue(info.skipped().get(Backend.TENSORRT).contains("scaleprotoseg-runtime-trt"),
                    info.skipped().get(Backend.TENSORRT));
            String cudaSkipped = info.skipped().get(Backend.ORT_CUDA);
            assertTrue(cudaSkipped.contains(build() == OrtBuilds.Build.CPU ? "ort-cuda needs the GPU build of ONNX Runtime"
                    : "ONNX Runtime cannot use CUDA"), cudaSkipped);
            assertTrue(info.description().contains("CPU execution provider"), info.description());
            assertTrue(info.description().contains("(" + build() + " build)"), "says which build runs: " + info.description());
        }
    }

    @Test
    void tensorRtWithoutItsModuleNamesTheArtifact() throws Exception {
        Path model = TestModels.write(TestModels.model(ModelKind.PROTOSEG, 63), dir, "m");
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                () -> Segmenter.builder().model(model).backend(Backend.TENSORRT).build());
        assertEquals(ErrorCode.NO_PROVIDER, e.code());
        assertTrue(e.getMessage().contains("io.scaleprotoseg:scaleprotoseg-runtime-trt"), e.getMessage());
    }

    @Test
    void optimisedModelCacheIsWrittenReusedAndRebuiltWhenCorrupt() throws Exception {
        Path model = TestModels.write(TestModels.model(ModelKind.SCALEPROTOSEG, 64), dir, "m");
        Path cache = dir.resolve("cache");
        float[] img = TestModels.image(40, 40, 1);
        Segmentation first;
        try (Segmenter s = Segmenter.builder().model(model).backend(Backend.ORT_CPU).optimizedModelCache(cache).build()) {
            assertTrue(s.backendInfo().description().contains("cached to"), s.backendInfo().description());
            first = s.segment(img, 40, 40);
        }
        List<Path> files;
        try (Stream<Path> list = Files.list(cache)) {
            files = list.toList();
        }
        assertEquals(1, files.size(), "one cache file, no temp files left: " + files);
        try (Segmenter s = Segmenter.builder().model(model).backend(Backend.ORT_CPU).optimizedModelCache(cache).build()) {
            assertTrue(s.backendInfo().description().contains("loaded from cache"), s.backendInfo().description());
            assertArrayEquals(first.mask(), s.segment(img, 40, 40).mask());
        }
        Files.write(files.get(0), new byte[] {0, 1, 2, 3});
        try (Segmenter s = Segmenter.builder().model(model).backend(Backend.ORT_CPU).optimizedModelCache(cache).build()) {
            assertTrue(s.backendInfo().description().contains("cached to"), "a corrupt cache is rebuilt, not trusted");
            assertArrayEquals(first.mask(), s.segment(img, 40, 40).mask());
        }
        assertTrue(Files.size(files.get(0)) > 4, "the rebuilt cache replaced the corrupt file");
    }
}
