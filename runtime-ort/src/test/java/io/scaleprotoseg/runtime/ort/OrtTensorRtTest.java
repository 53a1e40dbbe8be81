package io.scaleprotoseg.runtime.ort;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ONNX Runtime's TensorRT execution provider as backend ORT_TENSORRT: options, failure on a host without TensorRT, AUTO. */
class OrtTensorRtTest {
    @TempDir
    Path dir;

    private static boolean tensorRtWorks(Path model) {
        try (Segmenter s = Segmenter.builder().model(model).backend(Backend.ORT_TENSORRT).build()) {
            return s.backendInfo().backend() == Backend.ORT_TENSORRT;
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void theBackendHasACommandLineSpellingAndIsServedByThisModule() {
        assertEquals(Backend.ORT_TENSORRT, Backend.parse("ort-tensorrt"));
        assertEquals("ort-tensorrt", Backend.ORT_TENSORRT.cliName());
        assertTrue(new OrtBackendProvider().backends().contains(Backend.ORT_TENSORRT));
        assertTrue(Segmenter.installedBackends().contains(Backend.ORT_TENSORRT));
    }

    @Test
    void onAHostWithoutTensorRtTheFailureQuotesOnnxRuntimeAndNamesTheLibraries() throws Exception {
        assumeTrue(OrtBuilds.scan(OrtTensorRtTest.class.getClassLoader()).build() != OrtBuilds.Build.CPU,
                "the CPU build has no TensorRT provider to fail loading (BackendSelectionTest checks its message)");
        Path model = TestModels.write(TestModels.model(ModelKind.SCALEPROTOSEG, 71), dir, "m");
        assumeTrue(!tensorRtWorks(model), "this host runs ONNX Runtime's TensorRT provider; its failure cannot be observed");
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                () -> Segmenter.builder().model(model).backend(Backend.ORT_TENSORRT).build());
        assertEquals(ErrorCode.BACKEND_UNAVAILABLE, e.code());
        String m = e.getMessage();
        assertTrue(m.startsWith("ONNX Runtime cannot use its TensorRT execution provider on this host: "), m);
        assertTrue(e.getCause() != null && m.contains(String.valueOf(e.getCause().getMessage()).strip()), "quotes ORT: " + m);
        assertTrue(m.contains("TensorRT 10 built for CUDA 12") && m.contains("cuDNN 9"), "says what to install: " + m);
        List<String> missing = CudaLibraryCheck.missingOnThisHost(CudaLibraryCheck.TENSORRT_REQUIRED);
        if (!missing.isEmpty()) {
            assertTrue(m.contains("not found on the library path: " + String.join(", ", missing)), m);
        }
    }

    @Test
    void autoNeverTriesOrtTensorRt() throws Exception {
        Path model = TestModels.write(TestModels.model(ModelKind.PROTOSEG, 72), dir, "m");
        try (Segmenter s = Segmenter.builder().model(model).build()) {
            BackendInfo info = s.backendInfo();
            assertFalse(info.skipped().containsKey(Backend.ORT_TENSORRT), info.toString());
            assertTrue(info.backend() != Backend.ORT_TENSORRT, info.toString());
        }
    }

    @Test
    void sharedTrtOptionsBecomeProviderOptions() {
        OrtTensorRtOptions o = OrtTensorRtOptions.parse(Map.of("trt.precision", "FP16", "trt.min_shape", "1x3x64x64",
                "trt.opt_shape", "1x3x513x513", "trt.max_shape", "2x3x1024x2048", "trt.workspace_mb", "512",
                "trt.cache_dir", dir.resolve("engines").toString(), "trt.contexts", "4"), null);
        Map<String, String> p = o.providerOptions();
        assertEquals("1", p.get("trt_fp16_enable"));
        assertEquals("pixels:1x3x64x64", p.get("trt_profile_min_shapes"));
        assertEquals("pixels:1x3x513x513", p.get("trt_profile_opt_shapes"));
        assertEquals("pixels:2x3x1024x2048", p.get("trt_profile_max_shapes"));
        assertEquals(Long.toString(512L << 20), p.get("trt_max_workspace_size"));
        assertEquals("1", p.get("trt_engine_cache_enable"));
        assertEquals(dir.resolve("engines").toAbsolutePath().toString(), p.get("trt_engine_cache_path"));
        assertEquals("1", p.get("trt_timing_cache_enable"));
    }

    @Test
    void missingShapesAreDerivedAsTheTensorRtBackendDoes() {
        Map<String, String> onlyMax = OrtTensorRtOptions.parse(Map.of("trt.max_shape", "2x3x256x384"), null).providerOptions();
        assertEquals("pixels:1x3x32x32", onlyMax.get("trt_profile_min_shapes"));
        assertEquals("pixels:1x3x256x384", onlyMax.get("trt_profile_opt_shapes"));
        assertEquals("pixels:2x3x256x384", onlyMax.get("trt_profile_max_shapes"));
        Map<String, String> onlyOpt = OrtTensorRtOptions.parse(Map.of("trt.opt_shape", "1x3x1024x1024"), null)
                .providerOptions();
        assertEquals("pixels:1x3x32x32", onlyOpt.get("trt_profile_min_shapes"));
        assertEquals("pixels:1x3x2048x2048", onlyOpt.get("trt_profile_max_shapes"));
    }

    @Test
    void defaultsAndTheBuildersCacheDirectory() {
        OrtTensorRtOptions none = OrtTensorRtOptions.parse(Map.of(), null);
        assertEquals(Map.of("trt_fp16_enable", "0"), none.providerOptions());
        assertNull(none.cacheDir());
        OrtTensorRtOptions fromBuilder = OrtTensorRtOptions.parse(Map.of(), dir);
        assertEquals(dir.resolve("ort-tensorrt"), fromBuilder.cacheDir());
    }

    @Test
    void badOptionsNameTheOption() {
        IllegalArgumentException minBatch = assertThrows(IllegalArgumentException.class,
                () -> OrtTensorRtOptions.parse(Map.of("trt.min_shape", "2x3x64x64"), null));
        assertTrue(minBatch.getMessage().contains("trt.min_shape") && minBatch.getMessage().contains("smallest batch"),
                minBatch.getMessage());
        IllegalArgumentException precision = assertThrows(IllegalArgumentException.class,
                () -> OrtTensorRtOptions.parse(Map.of("trt.precision", "int8"), null));
        assertTrue(precision.getMessage().contains("trt.precision='int8'"), precision.getMessage());
        IllegalArgumentException channels = assertThrows(IllegalArgumentException.class,
                () -> OrtTensorRtOptions.parse(Map.of("trt.min_shape", "1x1x64x64", "trt.opt_shape", "1x3x64x64",
                        "trt.max_shape", "1x3x64x64"), null));
        assertTrue(channels.getMessage().contains("trt.min_shape") && channels.getMessage().contains("channel"),
                channels.getMessage());
        IllegalArgumentException order = assertThrows(IllegalArgumentException.class,
                () -> OrtTensorRtOptions.parse(Map.of("trt.min_shape", "1x3x64x64", "trt.opt_shape", "1x3x32x64",
                        "trt.max_shape", "1x3x128x128"), null));
        assertTrue(order.getMessage().contains("min <= opt <= max"), order.getMessage());
        IllegalArgumentException ws = assertThrows(IllegalArgumentException.class,
                () -> OrtTensorRtOptions.parse(Map.of("trt.workspace_mb", "lots"), null));
        assertTrue(ws.getMessage().contains("trt.workspace_mb"), ws.getMessage());
        // bad options fail before any native library is touched, through the SDK too
        Path model = TestModels.write(TestModels.model(ModelKind.DEEPLABV2, 73), dir, "m");
        IllegalArgumentException viaSdk = assertThrows(IllegalArgumentException.class,
                () -> Segmenter.builder().model(model).backend(Backend.ORT_TENSORRT).option("trt.precision", "fp64").build());
        assertTrue(viaSdk.getMessage().contains("trt.precision"), viaSdk.getMessage());
    }
}
