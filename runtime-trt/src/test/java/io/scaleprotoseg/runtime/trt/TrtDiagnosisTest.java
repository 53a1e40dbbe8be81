package io.scaleprotoseg.runtime.trt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scaleprotoseg.runtime.trt.TrtDiagnosis.Kind;
import io.scaleprotoseg.runtime.trt.TrtDiagnosis.Observations;
import io.scaleprotoseg.runtime.trt.TrtDiagnosis.Problem;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/**
 * The availability check's message for each missing piece. The loader texts are the ones JavaCPP
 * 1.5.13 produced on a Linux x86-64 host without a driver, and with stand-in libraries for each
 * stage, when loading org.bytedeco.cuda.global.cudart, then .tensorrt.global.nvinfer, then
 * .tensorrt.global.nvonnxparser.
 */
class TrtDiagnosisTest {
    private static final String CACHE = "/root/.javacpp/cache/";
    static final String NO_LIBCUDA = "java.lang.UnsatisfiedLinkError: no jnicudart in java.library.path: /usr/java/packages/lib:"
            + "/usr/lib/x86_64-linux-gnu/jni:/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu:/usr/lib/jni:/lib:/usr/lib"
            + " <- caused by: java.lang.UnsatisfiedLinkError: " + CACHE + "cuda-13.1-9.19-1.5.13-linux-x86_64.jar/org/bytedeco/"
            + "cuda/linux-x86_64/libjnicudart.so: libcuda.so.1: cannot open shared object file: No such file or directory";
    static final String NO_CUBLAS = "java.lang.UnsatisfiedLinkError: no jnicublas in java.library.path: /usr/lib"
            + " <- caused by: java.lang.UnsatisfiedLinkError: " + CACHE + "cuda-13.1-9.19-1.5.13-linux-x86_64.jar/org/bytedeco/"
            + "cuda/linux-x86_64/libjnicublas.so: libcublas.so.13: cannot open shared object file: No such file or directory";
    static final String NO_CUDNN = "java.lang.UnsatisfiedLinkError: no jnicudnn in java.library.path: /usr/lib"
            + " <- caused by: java.lang.UnsatisfiedLinkError: " + CACHE + "cuda-13.1-9.19-1.5.13-linux-x86_64.jar/org/bytedeco/"
            + "cuda/linux-x86_64/libjnicudnn.so: libcudnn_cnn.so.9: cannot open shared object file: No such file or directory";
    static final String NO_NVRTC = "java.lang.UnsatisfiedLinkError: no jninvrtc in java.library.path: /usr/lib"
            + " <- caused by: java.lang.UnsatisfiedLinkError: " + CACHE + "cuda-13.1-9.19-1.5.13-linux-x86_64.jar/org/bytedeco/"
            + "cuda/linux-x86_64/libjninvrtc.so: libnvrtc.so.13: cannot open shared object file: No such file or directory";
    static final String NO_NVINFER = "java.lang.UnsatisfiedLinkError: no jninvinfer in java.library.path: /usr/lib"
            + " <- caused by: java.lang.UnsatisfiedLinkError: " + CACHE + "tensorrt-10.15-1.5.13-linux-x86_64.jar/org/bytedeco/"
            + "tensorrt/linux-x86_64/libjninvinfer.so: libnvinfer.so.10: cannot open shared object file: No such file or directory";
    static final String NO_PLUGIN = "java.lang.UnsatisfiedLinkError: no jninvinfer_plugin in java.library.path: /usr/lib"
            + " <- caused by: java.lang.UnsatisfiedLinkError: " + CACHE + "tensorrt-10.15-1.5.13-linux-x86_64.jar/org/bytedeco/"
            + "tensorrt/linux-x86_64/libjninvinfer_plugin.so: libnvinfer_plugin.so.10: cannot open shared object file: "
            + "No such file or directory";
    static final String NO_PARSER = "java.lang.UnsatisfiedLinkError: no jninvonnxparser in java.library.path: /usr/lib"
            + " <- caused by: java.lang.UnsatisfiedLinkError: " + CACHE + "tensorrt-10.15-1.5.13-linux-x86_64.jar/org/bytedeco/"
            + "tensorrt/linux-x86_64/libjninvonnxparser.so: libnvonnxparser.so.10: cannot open shared object file: "
            + "No such file or directory";
    /** A second load attempt in the same JVM: the class initialiser failed before, the reason is gone. */
    static final String SECOND_ATTEMPT = "java.lang.NoClassDefFoundError: Could not initialize class "
            + "org.bytedeco.cuda.global.cudart <- caused by: java.lang.ExceptionInInitializerError: Exception "
            + "java.lang.UnsatisfiedLinkError: no jnicudart in java.library.path: /usr/lib [in thread \"main\"]";

    private static final Observations LINUX = new Observations("Linux", "amd64", List.of(), null, null, null, null, null, 0, null, null);

    private static Problem diagnose(Observations o) {
        Optional<Problem> p = TrtDiagnosis.diagnose(o);
        assertTrue(p.isPresent(), "a problem is found");
        return p.get();
    }

    @Test
    void noDriverIsNamedFirstAndEveryOtherMissingPieceFollows() {
        // this project's CI host: no driver, a CUDA 13.0 toolkit without cuBLAS / NVRTC, no cuDNN, no TensorRT
        List<String> missing = List.of("libcuda.so.1", "libcublas.so.13", "libcublasLt.so.13", "libnvrtc.so.13",
                "libcudnn.so.9", "libnvinfer.so.10", "libnvinfer_plugin.so.10", "libnvonnxparser.so.10");
        Problem p = diagnose(LINUX.withMissing(missing).withLoadFailure(NO_LIBCUDA, false));
        assertEquals(List.of(Kind.NO_DRIVER, Kind.CUDA_LIBRARIES_MISSING, Kind.TENSORRT_MISSING), p.kinds());
        String m = p.message();
        assertTrue(m.startsWith("TensorRT cannot run on this host: no NVIDIA driver: libcuda.so.1 is not on the library path"), m);
        assertTrue(m.contains("driver 580 or newer") && m.contains("nvidia-smi") && m.contains("--gpus all"), m);
        assertTrue(m.contains("(JavaCPP: java.lang.UnsatisfiedLinkError: " + CACHE), "quotes the loader: " + m);
        assertTrue(m.contains("libcublas.so.13, libcublasLt.so.13, libnvrtc.so.13, libcudnn.so.9"), m);
        assertTrue(m.contains("-Pcuda-redist") && m.contains(TrtDiagnosis.CUDA_REDIST), m);
        assertTrue(m.contains("libnvinfer.so.10, libnvinfer_plugin.so.10, libnvonnxparser.so.10"), m);
        assertTrue(m.contains("-Ptensorrt-redist") && m.contains("org.bytedeco:tensorrt:10.15-1.5.13:linux-x86_64-redist")
                && m.contains("install TensorRT 10.15"), m);
    }

    @Test
    void noDriverEvenWhenOnlyTheSecondLoadAttemptIsSeen() {
        Problem p = diagnose(LINUX.withMissing(List.of("libcuda.so.1")).withLoadFailure(SECOND_ATTEMPT, false));
        assertEquals(Kind.NO_DRIVER, p.kind());
        assertTrue(p.message().contains("Could not initialize class org.bytedeco.cuda.global.cudart"), p.message());
    }

    @Test
    void missingCudaLibrariesNameTheToolkitAndTheRedistJar() {
        for (String text : List.of(NO_CUBLAS, NO_CUDNN, NO_NVRTC)) {
            Problem p = diagnose(LINUX.withLoadFailure(text, true).withCuda(13010, 0, null, 1));
            assertEquals(List.of(Kind.CUDA_LIBRARIES_MISSING), p.kinds(), text);
            String lib = TrtDiagnosis.missingSoname(text);
            assertTrue(p.message().contains("the CUDA 13 libraries that TensorRT's Java bindings load are missing: " + lib),
                    p.message());
            assertTrue(p.message().contains("Install CUDA 13.1") && p.message().contains("cuDNN 9 for CUDA 13")
                    && p.message().contains("-Pcuda-redist"), p.message());
        }
    }

    @Test
    void missingTensorRtLibrariesNameTheRedistProfileAndTheInstall() {
        for (String text : List.of(NO_NVINFER, NO_PLUGIN, NO_PARSER)) {
            Problem p = diagnose(LINUX.withLoadFailure(text, true).withCuda(13010, 0, null, 1));
            assertEquals(List.of(Kind.TENSORRT_MISSING), p.kinds(), text);
            String m = p.message();
            assertTrue(m.contains("the TensorRT 10.15 libraries are absent: " + TrtDiagnosis.missingSoname(text)), m);
            assertTrue(m.contains("linux-x86_64-redist (534 MB; in this project: mvn -Ptensorrt-redist)"), m);
            assertTrue(m.contains("install TensorRT 10.15 for CUDA 13 and put its lib directory on LD_LIBRARY_PATH"), m);
        }
    }

    @Test
    void tensorRtMissingAndNoGpuAreBothReported() {
        Problem p = diagnose(LINUX.withLoadFailure(NO_NVINFER, true).withCuda(13010, 100,
                "cudaErrorNoDevice (100): no CUDA-capable device is detected", 0));
        assertEquals(List.of(Kind.NO_GPU, Kind.TENSORRT_MISSING), p.kinds());
        assertTrue(p.message().contains("no CUDA-capable device is detected"), p.message());
        assertTrue(p.message().contains(" Also: the TensorRT 10.15 libraries are absent"), p.message());
        assertTrue(p.findings().get(1).message().contains("(JavaCPP: java.lang.UnsatisfiedLinkError: " + CACHE + "tensorrt"),
                "the loader's words go with the finding they are about: " + p.message());
        assertFalse(p.findings().get(0).message().contains("JavaCPP"), p.message());
    }

    @Test
    void driverTooOldForCuda13() {
        String proc = "NVRM version: NVIDIA UNIX x86_64 Kernel Module  535.104.05  Sat Aug 19 01:15:15 UTC 2023\n"
                + "GCC version:  gcc version 12.2.0 (Debian 12.2.0-14)\n";
        Problem p = diagnose(LINUX.withProcDriverVersion(proc).withCuda(12020, 35,
                "cudaErrorInsufficientDriver (35): CUDA driver version is insufficient for CUDA runtime version", 0));
        assertEquals(Kind.DRIVER_TOO_OLD, p.kind());
        String m = p.message();
        assertTrue(m.contains("the NVIDIA driver is too old for CUDA 13.1: driver 535.104.05, which supports CUDA up to 12.2"),
                m);
        assertTrue(m.contains("Install driver 580 or newer"), m);
        // without /proc (a container): from the CUDA runtime's answers alone
        Problem q = diagnose(LINUX.withCuda(12080, 35, "cudaErrorInsufficientDriver (35)", 0));
        assertEquals(Kind.DRIVER_TOO_OLD, q.kind());
        assertTrue(q.message().contains("it supports CUDA up to 12.8"), q.message());
        Problem r = diagnose(LINUX.withCuda(null, 35, "cudaErrorInsufficientDriver (35): CUDA driver version is insufficient",
                0));
        assertTrue(r.message().contains("cudaGetDeviceCount reports cudaErrorInsufficientDriver (35)"), r.message());
    }

    @Test
    void aDriverOf580OrNewerIsAccepted() {
        String proc = "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  580.65.06  Release Build\n";
        assertEquals(OptionalInt.of(580), TrtDiagnosis.driverMajor(proc));
        assertTrue(TrtDiagnosis.diagnose(Observations.healthy().withProcDriverVersion(proc)).isEmpty());
        assertTrue(TrtDiagnosis.diagnose(Observations.healthy()).isEmpty(), "a healthy host has no problem");
    }

    @Test
    void aBrokenOrAbsentDriverBehindTheRuntime() {
        // libcuda.so.1 present but unusable: cudaDriverGetVersion reports 0 (observed with a stand-in libcuda.so.1)
        Problem p = diagnose(LINUX.withCuda(0, 35, "cudaErrorInsufficientDriver (35)", 0));
        assertEquals(Kind.NO_DRIVER, p.kind());
        assertTrue(p.message().contains("cudaDriverGetVersion reports 0"), p.message());
    }

    @Test
    void noGpuAndDriverMismatch() {
        assertEquals(Kind.NO_GPU, diagnose(LINUX.withCuda(13010, 0, null, 0)).kind());
        Problem none = diagnose(LINUX.withCuda(13010, 100, "cudaErrorNoDevice (100): no CUDA-capable device is detected", 0));
        assertTrue(none.message().contains("CUDA_VISIBLE_DEVICES"), none.message());
        Problem mismatch = diagnose(LINUX.withCuda(13010, 803, "cudaErrorSystemDriverMismatch (803)", 0));
        assertEquals(Kind.DRIVER_MISMATCH, mismatch.kind());
        assertTrue(mismatch.message().contains("reboot after a driver update"), mismatch.message());
    }

    @Test
    void gpuOlderThanTuring() {
        Optional<TrtDiagnosis.Finding> f = TrtDiagnosis.checkDevice("Tesla V100-SXM2-16GB", 7, 0);
        assertTrue(f.isPresent());
        assertEquals(Kind.GPU_TOO_OLD, f.get().kind());
        assertTrue(f.get().message().contains("compute capability 7.0") && f.get().message().contains("7.5 (Turing)"));
        assertFalse(TrtDiagnosis.checkDevice("Tesla T4", 7, 5).isPresent());
        assertFalse(TrtDiagnosis.checkDevice("NVIDIA H100", 9, 0).isPresent());
    }

    @Test
    void otherPlatforms() {
        Problem p = diagnose(LINUX.withPlatform("Mac OS X", "aarch64"));
        assertEquals(List.of(Kind.UNSUPPORTED_PLATFORM), p.kinds());
        assertTrue(p.message().contains("Linux x86-64 only, and this is Mac OS X on aarch64"), p.message());
        assertEquals(Kind.UNSUPPORTED_PLATFORM, diagnose(LINUX.withPlatform("Linux", "aarch64")).kind());
        assertTrue(TrtDiagnosis.diagnose(Observations.healthy().withPlatform("Linux", "x86_64")).isEmpty());
    }

    @Test
    void librariesOfAnotherVersion() {
        String text = "java.lang.UnsatisfiedLinkError: " + CACHE + "tensorrt-10.15-1.5.13-linux-x86_64.jar/org/bytedeco/"
                + "tensorrt/linux-x86_64/libjninvinfer.so: undefined symbol: _ZN8nvinfer18IBuilder17setMaxThreadsEi";
        Problem p = diagnose(LINUX.withLoadFailure(text, true).withCuda(13010, 0, null, 1));
        assertEquals(Kind.LIBRARY_VERSION_MISMATCH, p.kind());
        assertTrue(p.message().contains("undefined symbol") && p.message().contains("TensorRT 10.15"), p.message());
    }

    @Test
    void tensorRtLibrariesOfAnotherReleaseAreNamedBeforeAnythingIsCalled() {
        Observations loaded = Observations.healthy();
        Problem old = diagnose(loaded.withTensorRtVersions(100301, 101501));
        assertEquals(List.of(Kind.LIBRARY_VERSION_MISMATCH), old.kinds());
        assertTrue(old.message().contains("libnvinfer.so.10 is TensorRT 10.3.1, but the Java bindings are built for TensorRT "
                + "10.15") && old.message().contains("-Ptensorrt-redist"), old.message());
        Problem parser = diagnose(loaded.withTensorRtVersions(101501, 100900));
        assertTrue(parser.message().contains("libnvonnxparser.so.10 is TensorRT 10.9.0"), parser.message());
        // a library of that name without the version function (seen with a stand-in libnvinfer.so.10)
        Problem foreign = diagnose(loaded.withTensorRtVersions(-1, null));
        assertTrue(foreign.message().contains("does not export getInferLibVersion"), foreign.message());
        assertEquals(Kind.LIBRARY_VERSION_MISMATCH, diagnose(loaded.withTensorRtVersions(110000, 110000)).kind());
        assertTrue(TrtDiagnosis.diagnose(loaded.withTensorRtVersions(101600, 101600)).isEmpty(), "a later 10.x is accepted");
        assertEquals("10.15.1", TrtDiagnosis.tensorRtVersionText(101501));
    }

    @Test
    void anUnknownLoaderFailureIsQuoted() {
        Problem p = diagnose(LINUX.withLoadFailure("java.lang.UnsatisfiedLinkError: something else entirely", true)
                .withCuda(13010, 0, null, 1));
        assertEquals(Kind.OTHER, p.kind());
        assertTrue(p.message().contains("something else entirely"), p.message());
    }

    @Test
    void parsingHelpers() {
        assertEquals("libcuda.so.1", TrtDiagnosis.missingSoname(NO_LIBCUDA));
        assertEquals("libnvonnxparser.so.10", TrtDiagnosis.missingSoname(NO_PARSER));
        assertEquals(null, TrtDiagnosis.missingSoname(SECOND_ATTEMPT));
        assertEquals("13.1", TrtDiagnosis.cudaVersionText(13010));
        assertEquals("12.2", TrtDiagnosis.cudaVersionText(12020));
        assertEquals(OptionalInt.of(535),
                TrtDiagnosis.driverMajor("NVRM version: NVIDIA UNIX x86_64 Kernel Module  535.104.05  Sat Aug 19 2023"));
        assertEquals(OptionalInt.empty(), TrtDiagnosis.driverMajor(null));
        Throwable t = new UnsatisfiedLinkError("outer");
        t.initCause(new UnsatisfiedLinkError("inner"));
        assertEquals("java.lang.UnsatisfiedLinkError: outer <- caused by: java.lang.UnsatisfiedLinkError: inner",
                TrtDiagnosis.describe(t));
        assertEquals("java.lang.UnsatisfiedLinkError: inner", TrtDiagnosis.deepest(TrtDiagnosis.describe(t)));
    }
}
