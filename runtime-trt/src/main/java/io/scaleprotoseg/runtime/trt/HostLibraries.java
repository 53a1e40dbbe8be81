package io.scaleprotoseg.runtime.trt;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

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

    /** The loader's standard directories, and the install locations the bytedeco bridges were linked with. */
    static final List<String> STANDARD_DIRS = List.of("/lib", "/usr/lib", "/lib64", "/usr/lib64", "/lib/x86_64-linux-gnu",
            "/usr/lib/x86_64-linux-gnu", "/usr/lib/wsl/lib", "/usr/local/cuda-13.1/lib64",
            "/usr/local/cuda-13.1/targets/x86_64-linux/lib", "/usr/local/cuda/lib64", "/usr/local/cuda/targets/x86_64-linux/lib",
            "/usr/local/tensorrt/lib", "/usr/local/TensorRT-10.15.1.29/lib");

    private HostLibraries() {
    }

    /** LD_LIBRARY_PATH entries, then the directories of an ld.so.conf (following includes), then the standard ones. */
    static List<Path> searchDirs(String ldLibraryPath, Path ldSoConf) {
        Set<Path> dirs = new LinkedHashSet<>();
        if (ldLibraryPath != null) {
            for (String p : ldLibraryPath.split(":")) {
                if (!p.isBlank()) {
                    dirs.add(Path.of(p.strip()));
                }
            }
        }
        readConf(ldSoConf, dirs, 0);
        for (String s : STANDARD_DIRS) {
            dirs.add(Path.of(s));
        }
        return new ArrayList<>(dirs);
    }

    /** This host's search directories. */
    static List<Path> searchDirsOfThisHost() {
        return searchDirs(System.getenv("LD_LIBRARY_PATH"), Path.of("/etc/ld.so.conf"));
    }

    /** The names that are not a file in any of {@code dirs}. */
    static List<String> missing(List<Path> dirs, List<String> names) {
        List<String> out = new ArrayList<>();
        for (String n : names) {
            boolean found = false;
            for (Path d : dirs) {
                if (Files.exists(d.resolve(n))) {
                    found = true;
                    break;
                }
            }
            if (!found) {
                out.add(n);
            }
        }
        return out;
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
        List<Path> dirs = searchDirsOfThisHost();
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

    private static void readConf(Path conf, Set<Path> dirs, int depth) {
        if (conf == null || depth > 4 || !Files.isRegularFile(conf)) {
            return;
        }
        try {
            for (String raw : Files.readAllLines(conf)) {
                String line = raw.strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                if (line.startsWith("include ")) {
                    Path p = Path.of(line.substring("include ".length()).strip());
                    Path parent = p.isAbsolute() ? p.getParent() : conf.getParent().resolve(p).getParent();
                    if (parent == null || !Files.isDirectory(parent)) {
                        continue;
                    }
                    try (DirectoryStream<Path> ds = Files.newDirectoryStream(parent, p.getFileName().toString())) {
                        for (Path included : ds) {
                            readConf(included, dirs, depth + 1);
                        }
                    }
                } else {
                    dirs.add(Path.of(line));
                }
            }
        } catch (IOException | RuntimeException e) {
            // an unreadable loader configuration only makes the diagnosis less precise
        }
    }
}
