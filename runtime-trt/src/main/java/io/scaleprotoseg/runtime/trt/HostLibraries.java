package io.scaleprotoseg.runtime.trt;

import io.scaleprotoseg.sdk.spi.LibrarySearch;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Where the NVIDIA libraries the TensorRT backend loads are expected, and which of them this host
 * lacks. Only looks at files; loads nothing. The loader's own error names only the first missing
 * library, this names all of them.
 */
final class HostLibraries {
    /** The driver's CUDA library: always from the host. */
    static final List<String> DRIVER = List.of("libcuda.so.1");
    /**
     * The CUDA 13 libraries the bytedeco presets load before TensorRT: the TensorRT preset
     * inherits the cudart, cuBLAS, cuDNN and NVRTC presets, whose JNI bridges link these.
     */
    static final List<String> CUDA = List.of("libcudart.so.13", "libcublas.so.13", "libcublasLt.so.13", "libnvrtc.so.13",
            "libcudnn.so.9", "libcudnn_graph.so.9", "libcudnn_ops.so.9", "libcudnn_cnn.so.9", "libcudnn_adv.so.9");
    /** TensorRT 10 itself (builder/runtime, plugins, ONNX parser). */
    static final List<String> TENSORRT = List.of("libnvinfer.so.10", "libnvinfer_plugin.so.10", "libnvonnxparser.so.10");

    private HostLibraries() {
    }

    /** LD_LIBRARY_PATH entries, then ld.so.conf's directories, then the standard ones ({@link LibrarySearch}). */
    static List<Path> searchDirs(String ldLibraryPath, Path ldSoConf) {
        return LibrarySearch.searchDirs(ldLibraryPath, ldSoConf);
    }

    /** The names that are not a file in any of {@code dirs}. */
    static List<String> missing(List<Path> dirs, List<String> names) {
        return LibrarySearch.missing(dirs, names);
    }

    /**
     * True when a bytedeco redist jar on the class path carries the library (JavaCPP extracts it
     * at load time, so it need not be on disk). The redist jars keep their libraries next to the
     * JNI bridges, under {@code org/bytedeco/<preset>/linux-x86_64/}.
     */
    static boolean inRedistJar(ClassLoader cl, String preset, String soname) {
        return cl != null && cl.getResource("org/bytedeco/" + preset + "/linux-x86_64/" + soname) != null;
    }

    /**
     * Every library of {@link #DRIVER}, {@link #CUDA} and {@link #TENSORRT} that is neither on
     * this host's library path nor in a redist jar on the class path.
     */
    static List<String> missingOnThisHost(ClassLoader cl) {
        List<Path> dirs = LibrarySearch.searchDirsOfThisHost();
        List<String> out = new ArrayList<>(missing(dirs, DRIVER));
        for (String n : missing(dirs, CUDA)) {
            if (!inRedistJar(cl, "cuda", n)) {
                out.add(n);
            }
        }
        for (String n : missing(dirs, TENSORRT)) {
            if (!inRedistJar(cl, "tensorrt", n)) {
                out.add(n);
            }
        }
        return out;
    }

}
