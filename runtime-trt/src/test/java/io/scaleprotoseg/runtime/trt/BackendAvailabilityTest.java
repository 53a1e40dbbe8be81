package io.scaleprotoseg.runtime.trt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.scaleprotoseg.sdk.Backend;
import io.scaleprotoseg.sdk.BackendInfo;
import io.scaleprotoseg.sdk.BackendUnavailableException;
import io.scaleprotoseg.sdk.ErrorCode;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.sdk.Segmenter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The TensorRT provider on a host that cannot run it (this project's CI machines): the check
 * loads the natives without crashing the JVM and says what is missing; AUTO then falls back in
 * its order (TensorRT, ORT CUDA, ORT CPU) and reports why each skipped backend was skipped. On a
 * GPU host these tests are skipped (the GPU tests cover it).
 */
class BackendAvailabilityTest {
    @TempDir
    static Path dir;

    static String reason;

    @BeforeAll
    static void probe() {
        reason = TensorRtBuild.unavailableReason();
    }

    private static boolean ortCudaWorks(Path model) {
        try (Segmenter s = Segmenter.builder().model(model).backend(Backend.ORT_CUDA).build()) {
            return s.backendInfo().backend() == Backend.ORT_CUDA;
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void theProviderIsFoundWithoutLoadingNatives() {
        assertTrue(Segmenter.installedBackends().contains(Backend.TENSORRT));
        assertEquals(Set.of(Backend.TENSORRT), new TensorRtBackendProvider().backends());
        assertEquals("io.scaleprotoseg:scaleprotoseg-runtime-trt", new TensorRtBackendProvider().artifact());
    }

    @Test
    void explicitTensorRtSaysWhatIsMissing() {
        assumeTrue(reason != null, "TensorRT runs on this host; the unavailable path cannot be observed");
        Path model = TestModels.write(ModelKind.SCALEPROTOSEG, 81, dir, "explicit");
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                () -> Segmenter.builder().model(model).backend(Backend.TENSORRT).build());
        assertEquals(ErrorCode.BACKEND_UNAVAILABLE, e.code());
        assertEquals(reason, e.getMessage(), "the same diagnosis every time in this JVM");
        assertTrue(e.getMessage().startsWith("TensorRT cannot run on this host: "), e.getMessage());
        // the diagnosis of this host agrees with a file search of its own
        List<String> missing = HostLibraries.missingOnThisHost(getClass().getClassLoader());
        if (missing.contains("libcuda.so.1")) {
            assertTrue(e.getMessage().startsWith("TensorRT cannot run on this host: no NVIDIA driver: libcuda.so.1"),
                    e.getMessage());
        }
        for (String lib : missing) {
            assertTrue(e.getMessage().contains(lib), lib + " named in: " + e.getMessage());
        }
        // a second attempt neither crashes nor loses the reason
        BackendUnavailableException again = assertThrows(BackendUnavailableException.class,
                () -> Segmenter.builder().model(model).backend(Backend.TENSORRT).build());
        assertEquals(e.getMessage(), again.getMessage());
    }

    @Test
    void autoFallsBackInOrderAndSaysWhyTensorRtWasSkipped() throws Exception {
        assumeTrue(reason != null, "TensorRT runs on this host, so AUTO picks it");
        Path model = TestModels.write(ModelKind.SCALEPROTOSEG, 82, dir, "auto");
        assumeTrue(!ortCudaWorks(model), "ONNX Runtime CUDA runs on this host, so AUTO stops there");
        try (Segmenter s = Segmenter.builder().model(model).build()) {
            BackendInfo info = s.backendInfo();
            assertEquals(Backend.ORT_CPU, info.backend());
            assertEquals(List.of(Backend.TENSORRT, Backend.ORT_CUDA), List.copyOf(info.skipped().keySet()),
                    "tried in AUTO order: TensorRT, ORT CUDA, then ORT CPU");
            assertEquals(reason, info.skipped().get(Backend.TENSORRT), "the TensorRT provider's own reason");
            assertFalse(info.skipped().get(Backend.TENSORRT).contains("no provider"), info.toString());
            // this module tests against runtime-ort's CPU build: the reason names the GPU artifact (with the GPU build: the missing CUDA)
            String cuda = info.skipped().get(Backend.ORT_CUDA);
            assertTrue(cuda.contains("ort-cuda needs the GPU build of ONNX Runtime") || cuda.contains("ONNX Runtime cannot use CUDA"),
                    info.toString());
            assertFalse(info.skipped().containsKey(Backend.ORT_TENSORRT), "AUTO never tries ort-tensorrt");
            assertTrue(info.toString().contains("\n  skipped tensorrt: TensorRT cannot run on this host: "), info.toString());
        }
    }

    @Test
    void badOptionsFailBeforeAnyNativeIsTouched() {
        Path model = TestModels.write(ModelKind.PROTOSEG, 83, dir, "options");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Segmenter.builder().model(model).backend(Backend.TENSORRT).option("trt.max_shape", "1x3x64").build());
        assertTrue(e.getMessage().contains("option trt.max_shape='1x3x64' is not a shape"), e.getMessage());
    }

    @Test
    void prebuildOnAHostWithoutTensorRtSaysWhy() {
        assumeTrue(reason != null, "TensorRT runs on this host");
        Path model = TestModels.write(ModelKind.DEEPLABV2, 84, dir, "prebuild");
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                () -> TensorRtBuild.prebuild(model, Map.of(), dir.resolve("engines")));
        assertEquals(reason, e.getMessage());
        IllegalArgumentException noCache = assertThrows(IllegalArgumentException.class,
                () -> TensorRtBuild.prebuild(model, Map.of(), null));
        assertTrue(noCache.getMessage().contains("trt.cache_dir"), noCache.getMessage());
    }
}
